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
 * gracefully: {@link #close()} keeps serving until no request has been in progress for a short quiet period
 * (or the drain time has passed), then stops. With {@link Launch#register}, it closes after the node has left
 * the cluster, so peers have stopped picking it by then, the stragglers they sent meanwhile are still
 * answered, and nothing in flight is cut.
 *
 * <p>Push-back: when {@code threads + queue} requests are already in progress or waiting, a new one is answered
 * at once with 503 and {@code Retry-After: 1} (counted in {@link #rejected()}), which a caller such as
 * {@link RoleClient} retries elsewhere for idempotent methods. Nothing grows without bound.
 */
public final class HttpService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);

    /** How long no request must have been in progress before {@link #close()} stops the server. */
    public static final Duration QUIET = Duration.ofMillis(250);

    private final HttpServer server;
    private final ThreadPoolExecutor pool;
    private final Duration drain;
    private final AtomicLong rejected;
    private final String name;
    private final int limit;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Set on the dispatcher thread while it runs an exchange that arrived over the limit. */
    private final ThreadLocal<Boolean> overLimit = new ThreadLocal<>();
    private volatile long lastDone = System.nanoTime();

    private HttpService(String name, HttpServer server, ThreadPoolExecutor pool, Duration drain, AtomicLong rejected,
                        int limit) {
        this.name = name;
        this.server = server;
        this.pool = pool;
        this.drain = drain;
        this.rejected = rejected;
        this.limit = limit;
    }

    /**
     * Runs one exchange of the JDK server on the pool, counting it from submission to its end. Over the limit it
     * runs on the caller (the JDK's dispatcher thread), where {@link #limited} answers 503 at once: telling a
     * caller to go elsewhere must not wait for a busy thread.
     */
    private void execute(Runnable exchange) {
        if (inFlight.incrementAndGet() > limit) {
            overLimit.set(Boolean.TRUE);
            try {
                exchange.run();
            } finally {
                overLimit.remove();
                inFlight.decrementAndGet();
            }
            return;
        }
        try {
            pool.execute(() -> {
                try {
                    exchange.run();
                } finally {
                    lastDone = System.nanoTime();
                    inFlight.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            inFlight.decrementAndGet();
            throw e;
        }
    }

    /**
     * Answers 503 at once when the exchange was over the limit of requests in progress or waiting when it
     * arrived. The decision is the one {@link #execute} took at submission (an admitted request must not be
     * turned away later because others arrived meanwhile and briefly raised the count).
     */
    private HttpHandler limited(HttpHandler handler) {
        return exchange -> {
            if (overLimit.get() != null) {
                rejected.incrementAndGet();
                try (exchange) {
                    exchange.getResponseHeaders().set("Retry-After", "1");
                    exchange.sendResponseHeaders(503, -1);
                }
                return;
            }
            handler.handle(exchange);
        };
    }

    /** Requests being handled or waiting for a thread now. */
    public int inFlight() {
        return inFlight.get();
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
        HttpService s = new HttpService(name, server, pool, drain, rejected, threads + queue);
        server.setExecutor(s::execute);
        server.createContext("/", s.limited(handler));
        server.start();
        LOG.info("{}: HTTP on {}", name, s.address());
        return s;
    }

    /** Where it listens (with the real port when bound to port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Requests answered 503 because too many were in progress. */
    public long rejected() {
        return rejected.get();
    }

    /**
     * Serves until no request has been in progress for {@link #QUIET} (the stragglers peers sent before they
     * learnt this node left are answered), or until the drain time has passed, then stops and ends the threads.
     */
    @Override
    public void close() {
        long deadline = System.nanoTime() + drain.toNanos();
        try {
            while (System.nanoTime() - deadline < 0
                    && !(inFlight.get() == 0 && System.nanoTime() - lastDone >= QUIET.toNanos())) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (inFlight.get() > 0) {
            LOG.warn("{}: {} request(s) still in progress after the drain time {}; stopping", name, inFlight.get(),
                    drain);
        }
        // The JDK 17 server's stop(n) waits all n seconds even with nothing in progress: drained above instead.
        server.stop(0);
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
