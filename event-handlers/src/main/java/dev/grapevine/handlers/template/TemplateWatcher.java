package dev.grapevine.handlers.template;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Keeps one file rendered from the live membership, as consul-template does for a service catalogue: on
 * membership changes it waits for the burst to settle ({@link TemplateWait}), renders the template, and when
 * the output differs from the file's content it replaces the file atomically, runs the check command if any,
 * then the reload command. Unchanged output writes nothing and runs nothing.
 *
 * <pre>{@code
 * try (TemplateWatcher w = TemplateWatcher.start(node,
 *         TemplateSpec.parse("classpath:templates/nginx-upstream.conf.tmpl:/etc/nginx/conf.d/front.conf:nginx -s reload")
 *                 .withCheckCommand("nginx -t"),
 *         TemplateWait.DEFAULT)) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Failures: a template that does not parse, or fails on the first render, makes {@link Builder#start()}
 * throw {@link TemplateRenderException} with the line; so does a destination that cannot be written at
 * start ({@link UncheckedIOException}). Later, a failed render or write is logged and counted and the old file
 * kept; a failed check puts the previous file back and skips the reload; a failed reload is logged, counted,
 * and run again at the next change even if the output is then unchanged.
 *
 * <p>Threads: one, named {@code grapevine-template-<file>}, waits for changes and does the work; it stops in
 * {@link #close()} (a command still running is killed). The node's listener thread only records changes.
 */
public final class TemplateWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TemplateWatcher.class);
    /** How long {@link #close()} waits for the thread to finish. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final TemplateSpec spec;
    private final TemplateRenderer renderer;
    private final Supplier<? extends Collection<Member>> members;
    private final Supplier<Member> self;
    /** Nanosecond time of the quiet period and max wait: {@code System::nanoTime} unless a test sets one. */
    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private final Quiescence quiescence;
    /** Guarded by {@link #lock}. */
    private boolean closed;
    private final Thread thread;
    /** Removes the node listener; set once by the builder before the watcher is shared. */
    private volatile Runnable detach = () -> { };
    /** A reload failed and is owed at the next change; touched by one thread at a time (start, then the loop). */
    private boolean reloadOwed;

    private final AtomicLong renders = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong renderFailures = new AtomicLong();
    private final AtomicLong writeFailures = new AtomicLong();
    private final AtomicLong checkFailures = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();

    private TemplateWatcher(Builder b, TemplateRenderer renderer) {
        this.spec = b.spec;
        this.renderer = renderer;
        this.members = b.members;
        this.self = b.self;
        this.clock = b.clock;
        this.quiescence = new Quiescence(b.wait.min().toNanos(), b.wait.max().toNanos());
        this.thread = new Thread(this::loop, "grapevine-template-" + spec.destination().getFileName());
        this.thread.setDaemon(true);
    }

    /**
     * Starts a watcher of {@code node}'s membership: renders once now, then after each burst of member events.
     *
     * @throws TemplateRenderException when the template does not parse or its first render fails
     * @throws IllegalArgumentException when the template source does not exist
     * @throws UncheckedIOException     when the destination cannot be written
     */
    public static TemplateWatcher start(GossipNode node, TemplateSpec spec, TemplateWait wait) {
        return builder(spec).node(node).wait(wait).start();
    }

    /** A builder for a watcher of {@code spec}. */
    public static Builder builder(TemplateSpec spec) {
        return new Builder(spec);
    }

    /**
     * Tells the watcher the membership changed: it renders once the burst settles. The node's listener calls
     * this on member events; call it yourself when the watcher follows a membership you supply
     * ({@link Builder#membership}). Cheap and thread-safe; ignored once closed.
     */
    public void changed() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            quiescence.changed(clock.getAsLong());
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Wakes the thread to look at the clock again. Only for a clock given to {@link Builder#clock} that jumps
     * (a test's): {@code System.nanoTime} needs no call.
     */
    void clockMoved() {
        lock.lock();
        try {
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** What this watcher keeps rendered. */
    public TemplateSpec spec() {
        return spec;
    }

    /** The counters so far. */
    public TemplateStats stats() {
        return new TemplateStats(renders.get(), writes.get(), reloads.get(), renderFailures.get(),
                writeFailures.get(), checkFailures.get(), reloadFailures.get());
    }

    /** Stops the thread; a command still running is killed. The file stays as it is. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
        detach.run();
        thread.interrupt();
        try {
            thread.join(STOP_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("{}: template thread did not stop within {}", spec.destination(), STOP_WAIT);
        }
    }

    private void loop() {
        lock.lock();
        try {
            while (!closed) {
                if (!quiescence.pending()) {
                    wake.await();
                    continue;
                }
                // On a clock a test moves by hand this is virtual time: the thread waits at most that long, or
                // until clockMoved(), then looks again; it acts only once the clock reaches the deadline.
                long wait = quiescence.deadline() - clock.getAsLong();
                if (wait > 0) {
                    wake.awaitNanos(wait);
                    continue;
                }
                quiescence.fired();
                lock.unlock();
                try {
                    cycle();
                } catch (RuntimeException e) {
                    // Say the membership supplier threw: counted like a failed render, the next change retries.
                    renderFailures.incrementAndGet();
                    LOG.warn("{}: render failed, file kept", spec.destination(), e);
                } finally {
                    lock.lock();
                }
            }
        } catch (InterruptedException e) {
            // close(): leave.
        } finally {
            lock.unlock();
        }
    }

    /**
     * Renders, and writes, checks and reloads when the output changed (or reloads when a reload is owed).
     *
     * @return the outcome, for the first render at start
     */
    private Outcome cycle() throws InterruptedException {
        String output;
        try {
            output = renderer.render(MembershipModel.of(members.get(), self.get(), spec.params()));
            renders.incrementAndGet();
        } catch (TemplateRenderException e) {
            renderFailures.incrementAndGet();
            LOG.warn("{}: render failed, file kept: {}", spec.destination(), e.getMessage());
            return new Outcome(e, null);
        }
        byte[] bytes = output.getBytes(StandardCharsets.UTF_8);
        Path dest = spec.destination();
        boolean changed;
        try {
            byte[] previous = AtomicFiles.readIfExists(dest);
            changed = !Arrays.equals(previous, bytes);
            if (changed) {
                AtomicFiles.write(dest, bytes);
                writes.incrementAndGet();
                LOG.info("{}: rendered {} bytes (changed)", dest, bytes.length);
                if (!check(previous)) {
                    return Outcome.OK;
                }
            }
        } catch (ClosedByInterruptException e) {
            LOG.debug("{}: closed during the write, file kept", dest);
            return new Outcome(null, e);
        } catch (IOException e) {
            writeFailures.incrementAndGet();
            LOG.warn("{}: write failed, file kept: {}", dest, e.toString());
            return new Outcome(null, e);
        }
        if ((changed || reloadOwed) && spec.command().isPresent()) {
            ShellCommand.Result r = ShellCommand.run(spec.command().get(), spec.commandTimeout());
            if (r.ok()) {
                reloads.incrementAndGet();
                reloadOwed = false;
                LOG.info("{}: reload command succeeded{}", dest, r.output().isEmpty() ? "" : ": " + r.output());
            } else {
                reloadOwed = true;
                reloadFailures.incrementAndGet();
                LOG.warn("{}: reload command {} (retried at the next change): {}", dest, describe(r), r.output());
            }
        }
        return Outcome.OK;
    }

    /** Runs the check command, if any; when it fails, puts {@code previous} back. True when the reload may go on. */
    private boolean check(byte[] previous) throws IOException, InterruptedException {
        if (spec.checkCommand().isEmpty()) {
            return true;
        }
        ShellCommand.Result r = ShellCommand.run(spec.checkCommand().get(), spec.commandTimeout());
        if (r.ok()) {
            LOG.debug("{}: check passed: {}", spec.destination(), r.output());
            return true;
        }
        if (previous == null) {
            Files.deleteIfExists(spec.destination());
        } else {
            AtomicFiles.write(spec.destination(), previous);
        }
        checkFailures.incrementAndGet();
        LOG.warn("{}: check command {}, previous file put back, no reload: {}", spec.destination(), describe(r),
                r.output());
        return false;
    }

    private static String describe(ShellCommand.Result r) {
        return r.timedOut() ? "timed out" : "exited " + r.exitCode();
    }

    /** How the first render went: what to throw from {@link Builder#start()}, if anything. */
    private record Outcome(TemplateRenderException renderError, IOException writeError) {
        static final Outcome OK = new Outcome(null, null);
    }

    /** Builds and starts a {@link TemplateWatcher}. */
    public static final class Builder {
        private final TemplateSpec spec;
        private TemplateWait wait = TemplateWait.DEFAULT;
        private GossipNode node;
        private Supplier<? extends Collection<Member>> members;
        private Supplier<Member> self;
        private LongSupplier clock = System::nanoTime;

        private Builder(TemplateSpec spec) {
            this.spec = Objects.requireNonNull(spec, "spec");
        }

        /** How long bursts settle; {@link TemplateWait#DEFAULT} unless set. */
        public Builder wait(TemplateWait newWait) {
            this.wait = Objects.requireNonNull(newWait, "wait");
            return this;
        }

        /** Follows this node: its members and member events. */
        public Builder node(GossipNode newNode) {
            this.node = Objects.requireNonNull(newNode, "node");
            this.members = newNode::members;
            this.self = newNode::localMember;
            return this;
        }

        /**
         * The nanosecond clock that times the quiet period and the max wait; {@code System::nanoTime} unless set.
         * For tests that move time by hand: call {@link TemplateWatcher#clockMoved()} after each move.
         */
        Builder clock(LongSupplier nanoTime) {
            this.clock = Objects.requireNonNull(nanoTime, "clock");
            return this;
        }

        /**
         * Follows a membership you supply instead of a node's; call {@link TemplateWatcher#changed()} when it
         * changes.
         *
         * @param allMembers every member, as {@code GossipNode.members()}
         * @param local      the member that renders
         */
        public Builder membership(Supplier<? extends Collection<Member>> allMembers, Supplier<Member> local) {
            this.node = null;
            this.members = Objects.requireNonNull(allMembers, "members");
            this.self = Objects.requireNonNull(local, "self");
            return this;
        }

        /**
         * Compiles the template, renders it once (writing, checking and reloading if the output differs from the
         * file), then follows the membership.
         *
         * @throws IllegalStateException    when neither {@link #node} nor {@link #membership} was given
         * @throws IllegalArgumentException when the template source does not exist
         * @throws TemplateRenderException  when the template does not parse or its first render fails
         * @throws UncheckedIOException     when the destination cannot be written
         */
        public TemplateWatcher start() {
            if (members == null) {
                throw new IllegalStateException("template watcher: no membership, call node(...) or membership(...)");
            }
            TemplateWatcher w = new TemplateWatcher(this, TemplateRenderer.load(spec.source()));
            if (node != null) {
                // Registered before the first render, so a change during it is not missed.
                dev.grapevine.ClusterListener listener = event -> {
                    if (event instanceof ClusterEvent.MemberEvent) {
                        w.changed();
                    }
                };
                node.addListener(listener);
                w.detach = () -> node.removeListener(listener);
            }
            Outcome first;
            try {
                first = w.cycle();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                w.close();
                throw new IllegalStateException("template watcher: interrupted during the first render", e);
            }
            if (first.renderError() != null || first.writeError() != null) {
                w.close();
                if (first.renderError() != null) {
                    throw first.renderError();
                }
                throw new UncheckedIOException("template destination " + spec.destination() + ": "
                        + first.writeError().getMessage(), first.writeError());
            }
            w.thread.start();
            return w;
        }
    }

    @Override
    public String toString() {
        return "TemplateWatcher[" + spec + ", " + stats() + "]";
    }
}
