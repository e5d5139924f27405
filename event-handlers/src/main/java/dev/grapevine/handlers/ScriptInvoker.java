package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.roles.Shell;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link HandlerSpec}'s command through {@code /bin/sh -c} (with {@link Shell}) the way Serf does: Serf's
 * environment, Serf's stdin, stdout and stderr together in one stream; with exit status 0 and some output, a
 * query gets that output as its response.
 *
 * <p>Stdin comes from a file and the output goes to one (both in the dispatcher's temporary directory, one
 * pair per run, deleted after it): the handler's thread waits for the shell alone, never on a pipe, so a
 * script that does not read its input, or leaves a background process holding its output, cannot hang it.
 * A cancel (the lane's timeout, or close) kills the shell and its descendants.
 */
final class ScriptInvoker implements Invoker {

    private static final Logger LOG = LoggerFactory.getLogger(ScriptInvoker.class);
    /** Output kept for the log (Serf keeps 8 KiB too); a query response may keep more if its limit is larger. */
    static final int OUTPUT_LIMIT = 8 * 1024;

    private final HandlerSpec spec;
    private final Path dir;

    /** The handler's filter and command. */
    HandlerSpec spec() {
        return spec;
    }

    ScriptInvoker(HandlerSpec spec, Path dir) {
        this.spec = spec;
        this.dir = dir;
    }

    @Override
    public String description() {
        return "script '" + spec + "'";
    }

    @Override
    public EventFilter filter() {
        return spec.filter();
    }

    @Override
    public boolean batchesMemberEvents() {
        return true;
    }

    @Override
    public void attached(GossipNode node) {
    }

    @Override
    public void closed() {
    }

    @Override
    public void invoke(List<ClusterEvent> batch, GossipNode node, Invocation invocation)
            throws IOException, InterruptedException, ScriptFailedException {
        ClusterEvent first = batch.get(0);
        Member self = node.localMember();
        Map<String, String> env = SerfFormat.environment(first, node.name(), self == null ? Map.of() : self.tags());
        int responseLimit = node.config().queryResponseSizeLimit();
        Shell shell = Shell.command(spec.command()).environment(env).stdin(SerfFormat.stdin(batch))
                .tempFiles(dir, "script-").outputLimit(Math.max(OUTPUT_LIMIT, responseLimit));
        Shell.Run run;
        try {
            run = shell.start();
        } catch (IllegalArgumentException e) {
            // A NUL in a tag or event name: no process can have it in its environment (Serf fails too).
            throw new ScriptFailedException("cannot set its environment: " + e.getMessage());
        }
        invocation.onCancel(run::kill);
        Shell.Result result = run.waitFor(); // an interrupt kills the run
        if (invocation.cancelled()) {
            return; // the lane reports the timeout
        }
        if (result.outputError() != null) {
            throw new IOException("output unreadable: " + result.outputError());
        }
        if (result.exitCode() != 0) {
            throw new ScriptFailedException("exit status " + result.exitCode()
                    + (result.outputSize() > 0 ? "; output: " + text(result) : ""));
        }
        if (result.outputSize() > 0) {
            LOG.info("{}: {} ({} event(s)) output: {}", description(), EventType.of(first), batch.size(),
                    text(result));
        }
        if (first instanceof ClusterEvent.Query q && result.outputSize() > 0) {
            respond(q, result, responseLimit);
        }
    }

    /** Answers with the output, cut to the response limit (Serf sends nothing when it is over the limit). */
    private void respond(ClusterEvent.Query q, Shell.Result output, int limit) {
        byte[] response = output.output();
        if (output.outputSize() > limit) {
            LOG.warn("{}: query '{}': output of {} bytes truncated to queryResponseSizeLimit {}", description(),
                    q.name(), output.outputSize(), limit);
            response = Arrays.copyOf(response, limit);
        }
        try {
            q.respond(response);
        } catch (IllegalStateException | IllegalArgumentException e) {
            LOG.warn("{}: could not answer query '{}' from {}: {}", description(), q.name(), q.from(), e.getMessage());
        }
    }

    /** For a log line: the output (at most {@link #OUTPUT_LIMIT} bytes of it), noting a cut. */
    static String text(Shell.Result output) {
        byte[] bytes = output.output();
        int keep = Math.min(bytes.length, OUTPUT_LIMIT);
        String text = new String(bytes, 0, keep, StandardCharsets.UTF_8).stripTrailing();
        return text + (output.outputSize() > keep ? " [" + output.outputSize() + " bytes in all, first " + keep
                + " shown]" : "");
    }

    /** A script that ran and failed, or could not be started with its environment. */
    static final class ScriptFailedException extends Exception {
        ScriptFailedException(String message) {
            super(message);
        }
    }
}
