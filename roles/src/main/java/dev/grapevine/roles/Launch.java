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
 * the node closes.
 */
public final class Launch implements AutoCloseable {

    /** How long {@link #close()} waits for the leave to go out. */
    public static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(Launch.class);

    private final LaunchOptions options;
    private final GossipNode node;
    private final HealthChecker health;
    /** Guarded by {@link #lock}; null once closing has begun. */
    private Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final Object lock = new Object();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final Thread hook;
    private final SharedHttp http;

    Launch(LaunchOptions options, GossipNode node, HealthChecker health, SharedHttp http) {
        this.options = options;
        this.node = node;
        this.health = health;
        this.http = http;
        this.hook = new Thread(this::close, "grapevine-" + node.name() + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The parsed command line. */
    public LaunchOptions options() {
        return options;
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
            LOG.info("{}: leaving the cluster", node.name());
            try {
                node.leave().get(LEAVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.warn("{}: leave did not complete: {}", node.name(), e.toString());
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
