package dev.grapevine.roles.health;

import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.roles.Roles;
import dev.grapevine.time.Cancellable;
import dev.grapevine.time.Scheduler;
import dev.grapevine.roles.http.HttpConnector;
import dev.grapevine.roles.http.HttpLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs a node's {@link HealthCheck}s at their intervals and keeps the node's {@link Roles#HEALTH} tag equal to
 * their aggregate: {@value Roles#CRITICAL} while any check is critical, {@value Roles#PASSING} when all pass.
 * Every other member then takes the node out of its {@code RoleView}s and balancers, or puts it back, as the
 * tag change spreads by gossip. The node's other tags are kept.
 *
 * <p>Threads: the schedule, the thresholds and the tag updates all run on one scheduler thread (named
 * {@code grapevine-health-<node>}). Work that may block (a TCP connect, Java code, starting a process) runs on
 * a small pool of named worker threads ({@code grapevine-health-<node>-worker-N}, one more than there are
 * checks); HTTP checks run asynchronously on the same pool, and commands are awaited through the JDK's process
 * reaper. So a run that hangs never delays the others: at its timeout it counts as failed and is aborted (the
 * exchange cancelled, the process and its descendants killed, the thread interrupted). A check never runs twice
 * at once: when its next run is due while the last is still within its timeout (a timeout longer than the
 * interval), that run is skipped; when the last has timed out and is still busy (Java code that ignores
 * interrupts), the due run counts as failed without starting, so a stuck check never holds more than one worker.
 * Everything stops on {@link #close()}. A checker with no checks is inert: it starts no thread, uses neither a
 * given scheduler nor executor, and reports passing.
 *
 * <p>The tag: at start, and after every run, the checker compares the node's own health tag with the aggregate
 * and writes it when they differ (with the node's other tags unchanged). So if other code replaces the node's
 * tags without the health tag, the next run puts it back. A checker with no checks never writes the tag.
 *
 * <p>Thresholds, as Consul's {@code failures_before_critical} and {@code success_before_passing}: a passing check
 * turns critical after {@link HealthCheck#failuresBeforeCritical()} failed runs in a row, a critical one passing
 * after {@link HealthCheck#successesBeforePassing()} passed runs in a row. Each check runs first at start, then
 * every interval after the start of its previous run.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

    private final String owner;
    private final GossipNode node;
    private final List<CheckState> checks;
    private final List<Consumer<HealthStatus>> listeners;
    private final Scheduler scheduler;
    private final TimerThread ownScheduler;
    private final Executor workers;
    private final ThreadPoolExecutor ownWorkers;
    private final Clock clock;
    private final Probe.Context context;
    private final Object httpLock = new Object();
    /** The pooled client HTTP checks use: given, or made (with its own loop) on the first HTTP run. */
    private HttpConnector http;
    private HttpLoop ownLoop;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile HealthStatus status;
    /** Scheduler thread only: a tag update has been sent and not yet completed. */
    private boolean tagWriteInFlight;

    private HealthChecker(Builder b) {
        this.node = b.node;
        this.owner = b.owner != null ? b.owner : node != null ? node.name() : "local";
        this.listeners = new CopyOnWriteArrayList<>(b.listeners);
        this.clock = b.clock;
        // With no checks there is nothing to schedule nor run: no thread of our own (begin() does nothing).
        boolean inert = b.checks.isEmpty();
        if (b.scheduler != null || inert) {
            this.scheduler = b.scheduler;
            this.ownScheduler = null;
        } else {
            this.ownScheduler = new TimerThread("grapevine-health-" + owner);
            this.scheduler = ownScheduler;
        }
        if (b.executor != null || inert) {
            this.workers = b.executor;
            this.ownWorkers = null;
        } else {
            int threads = b.checks.size() + 1;
            AtomicInteger n = new AtomicInteger();
            this.ownWorkers = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(64), r -> {
                        Thread t = new Thread(r, "grapevine-health-" + owner + "-worker-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            ownWorkers.allowCoreThreadTimeOut(true);
            this.workers = ownWorkers;
        }
        this.http = b.connector;
        this.context = new Probe.Context(workers, this::http);
        Instant now = clock.instant();
        List<CheckState> states = new ArrayList<>();
        for (HealthCheck c : b.checks) {
            states.add(new CheckState(c, now));
        }
        this.checks = List.copyOf(states);
        this.status = aggregate();
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts {@code checks} for {@code node} on threads of their own (none when there are no checks); shorthand
     * for the builder.
     */
    public static HealthChecker start(GossipNode node, List<HealthCheck> checks) {
        return builder().node(node).checks(checks).start();
    }

    /** The aggregate state: critical when any check is critical. Passing when there are no checks. */
    public HealthStatus status() {
        return status;
    }

    /** What each check last reported, in the order they were given. */
    public List<CheckSnapshot> checks() {
        return checks.stream().map(c -> c.snapshot).toList();
    }

    /** What the named check last reported. */
    public Optional<CheckSnapshot> check(String name) {
        return checks.stream().filter(c -> c.check.name().equals(name)).map(c -> c.snapshot).findFirst();
    }

    /**
     * Adds a listener called with the new aggregate state each time it changes, on the scheduler thread. An
     * exception is logged and does not stop the other listeners.
     */
    public void addListener(Consumer<HealthStatus> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    private void begin() {
        if (checks.isEmpty()) {
            return;
        }
        handOver(() -> {
            syncTag();
            for (CheckState c : checks) {
                run(c);
            }
        });
    }

    /** Runs {@code task} on the scheduler thread; dropped once closed. */
    private void handOver(Runnable task) {
        if (closed.get()) {
            return;
        }
        try {
            scheduler.execute(() -> {
                if (!closed.get()) {
                    task.run();
                }
            });
        } catch (RejectedExecutionException e) {
            // closing: the scheduler no longer takes tasks
        }
    }

    /** Scheduler thread: one run of {@code c}, and the next one scheduled. */
    private void run(CheckState c) {
        if (closed.get()) {
            return;
        }
        scheduler.schedule(c.check.interval().toNanos(), () -> run(c));
        if (c.inFlight != null) {
            if (c.answered) {
                // Timed out and aborted, yet still running (code that ignores interrupts): do not pile up.
                record(c, false, c.check.target() + ": the previous run is still busy after its timeout of "
                        + c.check.timeout().toMillis() + " ms");
            } else {
                LOG.debug("{}: health check {} skipped: the previous run is still within its timeout", owner,
                        c.check.name());
            }
            return;
        }
        Probe.Run r;
        try {
            r = c.check.probe().start(context, c.check.timeout());
        } catch (RuntimeException e) {
            record(c, false, Probe.Outcome.failed(c.check.target(), e).output());
            return;
        }
        long seq = ++c.runs;
        c.inFlight = r;
        c.answered = false;
        c.timeoutTask = scheduler.schedule(c.check.timeout().toNanos(), () -> {
            if (closed.get()) {
                return;
            }
            if (c.runs == seq && !c.answered) {
                c.answered = true;
                record(c, false, c.check.target() + ": timed out after " + c.check.timeout().toMillis() + " ms");
            }
            if (!r.result().isDone()) {
                r.abort().run();
            }
        });
        r.result().whenComplete((outcome, e) -> handOver(() -> {
            if (c.inFlight == r) {
                c.inFlight = null;
            }
            if (c.runs == seq && !c.answered) {
                c.answered = true;
                c.timeoutTask.cancel();
                Probe.Outcome o = e != null ? Probe.Outcome.failed(c.check.target(), e) : outcome;
                record(c, o.passed(), o.output());
            }
        }));
    }

    /** Scheduler thread: applies one run's result to the check, then the aggregate to the tag. */
    private void record(CheckState c, boolean passed, String output) {
        Instant now = clock.instant();
        String out = output.length() > HealthCheck.MAX_OUTPUT
                ? output.substring(0, HealthCheck.MAX_OUTPUT - 3) + "..." : output;
        HealthStatus before = c.status;
        if (passed) {
            c.successes++;
            c.failures = 0;
            if (c.status == HealthStatus.CRITICAL && c.successes >= c.check.successesBeforePassing()) {
                c.status = HealthStatus.PASSING;
            }
        } else {
            c.failures++;
            c.successes = 0;
            if (c.status == HealthStatus.PASSING && c.failures >= c.check.failuresBeforeCritical()) {
                c.status = HealthStatus.CRITICAL;
            }
        }
        boolean first = c.snapshot.lastRun() == null;
        if (c.status != before) {
            c.lastChange = now;
        }
        if (c.status != before || first && c.status == HealthStatus.CRITICAL) {
            if (c.status == HealthStatus.CRITICAL) {
                LOG.warn("{}: health check {} is now critical: {}", owner, c.check.name(), out);
            } else {
                LOG.info("{}: health check {} is now passing: {}", owner, c.check.name(), out);
            }
        } else {
            LOG.debug("{}: health check {} {}: {}", owner, c.check.name(), passed ? "passed" : "failed", out);
        }
        c.snapshot = new CheckSnapshot(c.check.name(), c.check.target(), c.status, out, c.lastChange, now,
                c.failures, c.successes);
        HealthStatus next = aggregate();
        if (next != status) {
            status = next;
            LOG.info("{}: health is now {}", owner, next.tagValue());
            for (Consumer<HealthStatus> l : listeners) {
                try {
                    l.accept(next);
                } catch (RuntimeException e) {
                    LOG.warn("{}: health listener failed", owner, e);
                }
            }
        }
        syncTag();
    }

    private HealthStatus aggregate() {
        return HealthStatus.worstOf(checks.stream().map(c -> c.status).toList());
    }

    /** Scheduler thread: writes the health tag when the node's own differs from the aggregate. */
    private void syncTag() {
        if (node == null || checks.isEmpty() || tagWriteInFlight || node.isClosed()) {
            return;
        }
        Member self = node.localMember();
        String want = status.tagValue();
        if (self == null || want.equals(self.tag(Roles.HEALTH))) {
            return;
        }
        try {
            tagWriteInFlight = true;
            node.changeTags(Map.of(Roles.HEALTH, want), java.util.List.of()).whenComplete((v, e) -> {
                if (e != null) {
                    LOG.warn("{}: health tag {} not written: {}", owner, want, e.toString());
                }
                // Once applied, look again: the aggregate may have moved on meanwhile. After a failure, the
                // next run tries again.
                handOver(() -> {
                    tagWriteInFlight = false;
                    if (e == null) {
                        syncTag();
                    }
                });
            });
        } catch (IllegalArgumentException | IllegalStateException e) {
            tagWriteInFlight = false;
            LOG.warn("{}: health tag {} not written: {}", owner, want, e.getMessage());
        }
    }

    private HttpConnector http() {
        synchronized (httpLock) {
            if (http == null) {
                if (closed.get()) {
                    throw new IllegalStateException("health checker closed");
                }
                ownLoop = HttpLoop.create("health-" + owner, 1);
                http = HttpConnector.builder(ownLoop)
                        .connectTimeout(checks.stream().map(c -> c.check.timeout()).max(Duration::compareTo)
                                .orElse(Duration.ofSeconds(HealthCheck.DEFAULT_TIMEOUT_SECONDS)))
                        .build();
            }
            return http;
        }
    }

    /**
     * Stops the checks: aborts the runs in progress (killing their processes) and stops the threads the checker
     * started. The node's health tag is left as it is. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (CheckState c : checks) {
            Probe.Run r = c.inFlight;
            if (r != null) {
                r.abort().run();
            }
        }
        try {
            if (ownScheduler != null) {
                ownScheduler.close();
            }
            if (ownWorkers != null) {
                ownWorkers.shutdownNow();
                ownWorkers.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (httpLock) {
            if (ownLoop != null) {
                http.close();
                ownLoop.close();
                ownLoop = null;
                http = null;
            }
        }
    }

    @Override
    public String toString() {
        return "HealthChecker[" + owner + ": " + status.tagValue() + ", " + checks.size() + " checks]";
    }

    /** One check's running state; fields other than the snapshot are touched on the scheduler thread only. */
    private static final class CheckState {

        final HealthCheck check;
        HealthStatus status;
        int failures;
        int successes;
        Instant lastChange;
        long runs;
        boolean answered;
        volatile Probe.Run inFlight;
        Cancellable timeoutTask = Cancellable.NONE;
        volatile CheckSnapshot snapshot;

        CheckState(HealthCheck check, Instant now) {
            this.check = check;
            this.status = check.initial();
            this.lastChange = now;
            this.snapshot = new CheckSnapshot(check.name(), check.target(), status, "not run yet", now, null, 0, 0);
        }
    }

    /** Configures and starts a {@link HealthChecker}. */
    public static final class Builder {

        private GossipNode node;
        private String owner;
        private final List<HealthCheck> checks = new ArrayList<>();
        private final List<Consumer<HealthStatus>> listeners = new ArrayList<>();
        private Scheduler scheduler;
        private Executor executor;
        private HttpConnector connector;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The node whose health tag to keep (optional: without one the checker only reports). */
        public Builder node(GossipNode gossipNode) {
            this.node = Objects.requireNonNull(gossipNode, "node");
            return this;
        }

        /** The name in thread names and logs (default: the node's name, or "local"). */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name must not be empty");
            }
            this.owner = name;
            return this;
        }

        /** Adds a check. */
        public Builder check(HealthCheck check) {
            checks.add(Objects.requireNonNull(check, "check"));
            return this;
        }

        /** Adds checks. */
        public Builder checks(List<HealthCheck> more) {
            more.forEach(this::check);
            return this;
        }

        /** Adds a listener of aggregate changes (see {@link HealthChecker#addListener}). */
        public Builder listener(Consumer<HealthStatus> listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Where the schedule runs (default: a thread of the checker's own). Give a simulated network's scheduler to
         * run the checks on virtual time.
         */
        public Builder scheduler(Scheduler s) {
            this.scheduler = Objects.requireNonNull(s, "scheduler");
            return this;
        }

        /**
         * Where blocking work runs (default: a pool of the checker's own). It must run tasks concurrently enough
         * for the checks given: at least one thread per check, and one more for HTTP; an inline executor
         * ({@code Runnable::run}) suits Java checks on a simulated scheduler.
         */
        public Builder executor(Executor e) {
            this.executor = Objects.requireNonNull(e, "executor");
            return this;
        }

        /**
         * The pooled HTTP client for HTTP checks, shared with the rest of the process (the launcher passes its
         * own). Without one, the first HTTP run makes a client on a loop of its own
         * ({@code grapevine-health-<node>-http-1}), closed with the checker.
         */
        public Builder connector(HttpConnector c) {
            this.connector = Objects.requireNonNull(c, "connector");
            return this;
        }

        /** The clock of the snapshots' times (default UTC system clock). */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * Starts the checks: each runs at once, then at its interval.
         *
         * @throws IllegalArgumentException when two checks have the same name
         */
        public HealthChecker start() {
            Set<String> names = new HashSet<>();
            for (HealthCheck c : checks) {
                if (!names.add(c.name())) {
                    throw new IllegalArgumentException("check name '" + c.name() + "' is used twice");
                }
            }
            HealthChecker checker = new HealthChecker(this);
            checker.begin();
            return checker;
        }
    }
}
