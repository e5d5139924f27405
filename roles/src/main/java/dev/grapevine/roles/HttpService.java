package dev.grapevine.roles;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.grapevine.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A role server's HTTP endpoint (the JDK's built-in server) on a bounded pool of named threads, closed
 * gracefully: {@link #close()} stops accepting connections and lets the requests in progress finish, up to a
 * drain time. With {@link Launch#register}, it closes after the node has left the cluster, so peers have
 * stopped picking it by then and nothing in flight is cut.
 *
 * <p>When every thread is busy and the queue is full, a new connection is closed at once (counted in
 * {@link #rejected()}): the caller sees a refused request it can retry elsewhere, not a queue that grows.
 */
public final class HttpService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);

    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final Duration drain;
    private final AtomicLong rejected;
    private final String name;

    private HttpService(String name, HttpServer server, ThreadPoolExecutor pool, Duration drain, AtomicLong rejected) {
        this.name = name;
        this.server = server;
        this.pool = pool;
        this.drain = drain;
        this.rejected = rejected;
    }

    /**
     * Starts serving {@code handler} on {@code bind}.
     *
     * @param name    names the threads ({@code grapevine-<name>-http-N}) and log lines
     * @param bind    where to listen
     * @param threads request threads, at least 1
     * @param queue   requests waiting for a thread at most, at least 1
     * @param drain   how long {@link #close()} lets requests in progress finish (rounded up to whole seconds,
     *                the JDK server's unit)
     * @param handler serves every path
     * @throws IOException when the address cannot be bound, naming it
     */
    public static HttpService start(String name, HostPort bind, int threads, int queue, Duration drain,
                                    HttpHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        if (queue < 1) {
            throw new IllegalArgumentException("queue must be at least 1, was " + queue);
        }
        if (drain == null || drain.isNegative()) {
            throw new IllegalArgumentException("drain must be zero or positive, was " + drain);
        }
        AtomicInteger n = new AtomicInteger();
        AtomicLong rejected = new AtomicLong();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queue), r -> {
                    Thread t = new Thread(r, "grapevine-" + name + "-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, (task, p) -> {
                    rejected.incrementAndGet();
                    throw new RejectedExecutionException("HTTP queue full");
                });
        pool.allowCoreThreadTimeOut(true);
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(bind.host(), bind.port()), 128);
        } catch (IOException e) {
            pool.shutdownNow();
            throw new IOException("cannot listen for HTTP on " + bind + ": " + e.getMessage(), e);
        }
        server.setExecutor(pool);
        server.createContext("/", handler);
        server.start();
        HttpService s = new HttpService(name, server, pool, drain, rejected);
        LOG.info("{}: HTTP on {}", name, s.address());
        return s;
    }

    /** Where it listens (with the real port when bound to port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Connections closed because every thread was busy and the queue full. */
    public long rejected() {
        return rejected.get();
    }

    /** Stops accepting, lets requests in progress finish (up to the drain time), then stops the threads. */
    @Override
    public void close() {
        long seconds = (drain.toMillis() + 999) / 1000;
        server.stop((int) Math.min(Integer.MAX_VALUE, seconds));
        pool.shutdown();
        try {
            if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.info("{}: HTTP stopped", name);
    }
}
