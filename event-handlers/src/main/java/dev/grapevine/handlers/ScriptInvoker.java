package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link HandlerSpec}'s command through {@code /bin/sh -c} the way Serf does: Serf's environment,
 * Serf's stdin, stdout and stderr together in one stream; with exit status 0 and some output, a query gets
 * that output as its response.
 *
 * <p>Stdin comes from a file and the output goes to one (both in the dispatcher's temporary directory, one
 * pair per run, deleted after it): the handler's thread waits for the shell alone, never on a pipe, so a
 * script that does not read its input, or leaves a background process holding its output, cannot hang it.
 */
final class ScriptInvoker implements Invoker {

    private static final Logger LOG = LoggerFactory.getLogger(ScriptInvoker.class);
    /** Output kept for the log (Serf keeps 8 KiB too); a query response may keep more if its limit is larger. */
    static final int OUTPUT_LIMIT = 8 * 1024;

    private final HandlerSpec spec;
    private final Path dir;

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
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", spec.command());
        try {
            pb.environment().putAll(env);
        } catch (IllegalArgumentException e) {
            // A NUL in a tag or event name: no process can have it in its environment (Serf fails too).
            throw new ScriptFailedException("cannot set its environment: " + e.getMessage());
        }
        Path in = Files.createTempFile(dir, "stdin-", "");
        Path out = Files.createTempFile(dir, "out-", "");
        try {
            Files.write(in, SerfFormat.stdin(batch));
            pb.redirectInput(in.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
            Process process = pb.start();
            invocation.onCancel(() -> killTree(process));
            int exit;
            try {
                exit = process.waitFor();
            } catch (InterruptedException e) {
                killTree(process);
                throw e;
            }
            int responseLimit = node.config().queryResponseSizeLimit();
            Output output = Output.read(out, Math.max(OUTPUT_LIMIT, responseLimit));
            if (invocation.cancelled()) {
                return; // the lane reports the timeout
            }
            if (exit != 0) {
                throw new ScriptFailedException("exit status " + exit
                        + (output.total() > 0 ? "; output: " + output.text() : ""));
            }
            if (output.total() > 0) {
                LOG.info("{}: {} ({} event(s)) output: {}", description(), EventType.of(first), batch.size(),
                        output.text());
            }
            if (first instanceof ClusterEvent.Query q && output.total() > 0) {
                respond(q, output, responseLimit);
            }
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    /** Answers with the output, cut to the response limit (Serf sends nothing when it is over the limit). */
    private void respond(ClusterEvent.Query q, Output output, int limit) {
        byte[] response = output.bytes();
        if (output.total() > limit) {
            LOG.warn("{}: query '{}': output of {} bytes truncated to queryResponseSizeLimit {}", description(),
                    q.name(), output.total(), limit);
            response = Arrays.copyOf(response, limit);
        }
        try {
            q.respond(response);
        } catch (IllegalStateException | IllegalArgumentException e) {
            LOG.warn("{}: could not answer query '{}' from {}: {}", description(), q.name(), q.from(), e.getMessage());
        }
    }

    /**
     * Kills the shell and everything it started that is still its descendant. A process the script detached
     * on purpose (its parent gone before the kill) is no longer in the tree, and is left alone.
     */
    static void killTree(Process process) {
        List<ProcessHandle> tree = new ArrayList<>();
        collect(process.toHandle(), tree);
        // Parents first, so that none is left to start new children once its own are gone.
        for (ProcessHandle h : tree) {
            h.destroyForcibly();
        }
    }

    private static void collect(ProcessHandle h, List<ProcessHandle> into) {
        into.add(h);
        h.children().forEach(c -> collect(c, into));
    }

    /**
     * The first bytes of a run's output and how many it wrote in all.
     *
     * @param bytes at most the limit it was read with
     * @param total bytes written
     */
    record Output(byte[] bytes, long total) {

        static Output read(Path file, int limit) throws IOException {
            long total = Files.size(file);
            try (InputStream s = Files.newInputStream(file)) {
                return new Output(s.readNBytes(limit), total);
            }
        }

        /** For a log line: the text (at most {@link #OUTPUT_LIMIT} bytes of it), noting a cut. */
        String text() {
            int keep = (int) Math.min(bytes.length, OUTPUT_LIMIT);
            String text = new String(bytes, 0, keep, StandardCharsets.UTF_8).stripTrailing();
            return text + (total > keep ? " [" + total + " bytes in all, first " + keep + " shown]" : "");
        }
    }

    /** A script that ran and failed, or could not be started with its environment. */
    static final class ScriptFailedException extends Exception {
        ScriptFailedException(String message) {
            super(message);
        }
    }
}
