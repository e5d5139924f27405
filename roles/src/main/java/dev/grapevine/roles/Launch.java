package dev.grapevine.roles;

import dev.grapevine.GossipNode;
import dev.grapevine.roles.health.HealthChecker;
import dev.grapevine.roles.http.HttpConnector;
import dev.grapevine.roles.http.HttpLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A running Grapevine process, as {@link NodeLauncher#launch} starts it: its options, its node, its health
 * checker, and whatever else the role server registers (HTTP servers, DNS listeners, the admin API), all
 * stopped together by {@link #close()}, which also runs on SIGTERM and SIGINT through a JVM shutdown hook
 * installed once per launch.
 *
 * <p>Closing is graceful, in this order: the health checks stop; the node leaves the cluster (waiting at most
 * {@link #LEAVE_TIMEOUT}), so every member takes it out of rotation and reports it left, not failed; the
 * registered closeables close, newest first, so servers stop only after peers have stopped sending to them;
 * the node closes. {@link #close(boolean) close(false)} skips the leave.
 *
 * <p>{@link #reload()} reads the configuration again and applies what can change while the process runs
 * (the log level, the tags, and whatever the role added with {@link #onReload}); {@link NodeLauncher#main}
 * calls it on SIGHUP, and takes SIGTERM and SIGINT as Serf's agent does (see roles/README.md, "Signals and
 * reloading").
 */
public final class Launch implements AutoCloseable {

    /** How long {@link #close()} waits for the leave to go out. */
    public static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(Launch.class);

    private volatile LaunchOptions options;
    private final GossipNode node;
    private final HealthChecker health;
    /** Guarded by {@link #lock}; null once closing has begun. */
    private Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final Object lock = new Object();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final Thread hook;
    private final SharedHttp http;
    private final java.util.List<Reloader> reloaders = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Object reloadLock = new Object();
    /** Reads the configuration again for {@link #reload()}; null when there is nothing to read it from. */
    private volatile java.util.function.Supplier<LaunchOptions> source;
    private volatile boolean stoppedAfterLeave;
    private final dev.grapevine.roles.metrics.Metrics metrics = new dev.grapevine.roles.metrics.Metrics();

    /** What a part of the process does when the configuration is reloaded (SIGHUP). */
    @FunctionalInterface
    public interface Reloader {

        /**
         * Applies {@code next} where it differs from {@code previous}. A part that cannot take the new
         * configuration reports why (an exception, logged) and keeps running as it was.
         */
        void reload(LaunchOptions previous, LaunchOptions next) throws Exception;
    }

    Launch(LaunchOptions options, GossipNode node, HealthChecker health, SharedHttp http) {
        this.options = options;
        this.node = node;
        this.health = health;
        this.http = http;
        this.hook = new Thread(this::close, "grapevine-" + node.name() + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        metrics.register(new dev.grapevine.roles.metrics.NodeMetrics(node));
    }

    /**
     * The process's metrics, served by the admin API on {@code GET /v1/metrics}: the node's, and those of what
     * is {@link #register registered}: each HTTP server (labelled {@code server} with its name, or the node's
     * role when it is named after the node), the admin server ({@code server="admin"}), and anything that is
     * itself a {@link dev.grapevine.roles.metrics.MetricsSource} (the event handlers). Others may add sources.
     */
    public dev.grapevine.roles.metrics.Metrics metrics() {
        return metrics;
    }

    /** What {@link #register} adds to {@link #metrics()} for {@code closeable}, if anything. */
    private void addMetrics(AutoCloseable closeable) {
        if (closeable instanceof dev.grapevine.roles.metrics.MetricsSource source) {
            metrics.register(source);
        } else if (closeable instanceof dev.grapevine.roles.http.HttpService s) {
            String role = node.localMember().tag(Roles.ROLE);
            String server = !s.name().equals(node.name()) ? s.name() : role != null ? role : "http";
            metrics.register(dev.grapevine.roles.metrics.HttpMetrics.of(server, s));
        } else if (closeable instanceof dev.grapevine.roles.admin.AdminServer a) {
            metrics.register(dev.grapevine.roles.metrics.HttpMetrics.of("admin", a::requests, a::rejectedRequests,
                    a::badRequests));
        }
    }

    /** The parsed command line (with its configuration files): the one of the last successful {@link #reload()}. */
    public LaunchOptions options() {
        return options;
    }

    /** Where {@link #reload()} reads the configuration again: the command line, variables and files. */
    void reloadFrom(java.util.function.Supplier<LaunchOptions> source) {
        this.source = source;
    }

    /**
     * Runs {@code reloader} on every {@link #reload()} that reads a valid configuration, after the ones added
     * before it.
     */
    public void onReload(Reloader reloader) {
        reloaders.add(Objects.requireNonNull(reloader, "reloader"));
    }

    /**
     * Reads the configuration again (SIGHUP does this), as Serf's agent does: when it no longer parses, the error
     * is logged and the running configuration kept; otherwise the log level and the tags change to the new ones
     * (tags set by the process itself since, such as health, are kept), every {@link #onReload} part applies it
     * (event handlers, templates), and settings that only take effect at start are named in the log. The node
     * stays in the cluster throughout.
     *
     * @return true when a new configuration was read and applied
     */
    public boolean reload() {
        synchronized (reloadLock) {
            java.util.function.Supplier<LaunchOptions> from = source;
            if (from == null || isClosed()) {
                LOG.warn("{}: nothing to reload from", node.name());
                return false;
            }
            LaunchOptions previous = options;
            LaunchOptions next;
            try {
                next = from.get();
            } catch (RuntimeException e) {
                LOG.error("{}: the configuration no longer parses, the running one is kept: {}", node.name(),
                        e.getMessage());
                return false;
            }
            if (next.logLevel() != previous.logLevel() && ProcessLog.setLevel(next.logLevel())) {
                LOG.info("{}: log level {}", node.name(), next.logLevel());
            }
            try {
                reloadTags(previous.tags(), next.tags());
            } catch (RuntimeException e) { // the node closed meanwhile
                LOG.warn("{}: tags not reloaded: {}", node.name(), e.toString());
            }
            java.util.List<String> atStart = new java.util.ArrayList<>();
            for (Flag<?> f : LaunchOptions.FLAGS) {
                if (!RELOADED.contains(f) && !previous.all(f).equals(next.all(f))) {
                    atStart.add("--" + f.name());
                }
            }
            if (!atStart.isEmpty()) {
                LOG.warn("{}: {} changed; this takes effect at the next start", node.name(), atStart);
            }
            options = next;
            for (Reloader r : reloaders) {
                try {
                    r.reload(previous, next);
                } catch (Exception e) {
                    LOG.error("{}: reload: {}", node.name(), e.getMessage());
                }
            }
            LOG.info("{}: configuration reloaded", node.name());
            return true;
        }
    }

    /** Shared flags a reload applies (the rest wait for the next start); role flags are their reloaders'. */
    private static final java.util.Set<Flag<?>> RELOADED = java.util.Set.of(LaunchOptions.LOG_LEVEL,
            LaunchOptions.TAG, LaunchOptions.LEAVE_ON_TERMINATE, LaunchOptions.SKIP_LEAVE_ON_INTERRUPT,
            LaunchOptions.CONFIG_FILE, LaunchOptions.CONFIG_DIR);

    private void reloadTags(Map<String, String> previous, Map<String, String> next) {
        if (previous.equals(next)) {
            return;
        }
        java.util.List<String> removed = previous.keySet().stream().filter(k -> !next.containsKey(k)).toList();
        node.changeTags(next, removed).whenComplete((tags, e) -> {
            if (e != null) {
                LOG.warn("{}: tags not reloaded: {}", node.name(), e.toString());
            } else {
                LOG.info("{}: tags {}", node.name(), tags);
            }
        });
    }

    /** The running node. */
    public GossipNode node() {
        return node;
    }

    /**
     * The HTTP event loop every server and client of this process shares: one thread, named
     * {@code grapevine-<node>-http-1}, made on first use and closed with the launch.
     */
    public HttpLoop http() {
        return http.loop();
    }

    /**
     * The pooled HTTP client on {@link #http()} that calls to other members share (keep-alive connections per
     * member), made on first use and closed with the launch.
     */
    public HttpConnector connector() {
        return http.connector();
    }

    /** The node's health checker (with no checks when no {@code --check-*} flag was given). */
    public HealthChecker health() {
        return health;
    }

    /**
     * Closes {@code closeable} with the launch, before the node (newest registered first). When the launch is
     * already closing, closes it at once.
     *
     * @return {@code closeable}, for chaining
     */
    public <T extends AutoCloseable> T register(T closeable) {
        Objects.requireNonNull(closeable, "closeable");
        synchronized (lock) {
            if (closeables != null) {
                closeables.push(closeable);
                addMetrics(closeable);
                return closeable;
            }
        }
        closeQuietly(closeable);
        return closeable;
    }

    /** What is registered now, oldest first (for {@link Training}). */
    java.util.List<AutoCloseable> registered() {
        synchronized (lock) {
            java.util.List<AutoCloseable> out = new java.util.ArrayList<>(closeables == null ? java.util.List.of() : closeables);
            java.util.Collections.reverse(out);
            return out;
        }
    }

    /** Blocks until {@link #close()} has finished (on this thread, another, or the shutdown hook). */
    public void awaitClose() throws InterruptedException {
        closedLatch.await();
    }

    /**
     * Closes without a second leave, after the node has left on an operator's request (the admin API's
     * {@code POST /v1/leave}); {@link #stoppedAfterLeave()} then tells the process's main to exit.
     */
    public void stopAfterLeave() {
        stoppedAfterLeave = true;
        close(false);
    }

    /** True when {@link #stopAfterLeave()} closed this launch. */
    public boolean stoppedAfterLeave() {
        return stoppedAfterLeave;
    }

    /** True once {@link #close()} has finished. */
    public boolean isClosed() {
        return closedLatch.getCount() == 0;
    }

    /**
     * Stops everything gracefully (see the class comment). Idempotent: a second call, or the shutdown hook after
     * an explicit close, waits for the first to finish and does nothing more.
     */
    @Override
    public void close() {
        close(true);
    }

    /**
     * As {@link #close()}; with {@code leave} false the node does not leave the cluster first, so its peers find
     * it failed (what Serf's agent does on SIGTERM by default).
     */
    public void close(boolean leave) {
        Deque<AutoCloseable> toClose;
        synchronized (lock) {
            toClose = closeables;
            closeables = null;
        }
        if (toClose == null) {
            try {
                closedLatch.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            if (Thread.currentThread() != hook) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // the JVM is already shutting down; the hook will find the launch closed
                }
            }
            health.close();
            if (leave) {
                LOG.info("{}: leaving the cluster", node.name());
                try {
                    node.leave().get(LEAVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    LOG.warn("{}: leave did not complete: {}", node.name(), e.toString());
                }
            }
            while (!toClose.isEmpty()) {
                closeQuietly(toClose.pop());
            }
            closeQuietly(http);
            node.close();
            LOG.info("{}: stopped", node.name());
        } finally {
            closedLatch.countDown();
        }
    }

    private void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("{}: closing {} failed: {}", node.name(), c, e.toString());
        }
    }

    @Override
    public String toString() {
        return "Launch[" + node.name() + (isClosed() ? ", closed]" : "]");
    }
}
