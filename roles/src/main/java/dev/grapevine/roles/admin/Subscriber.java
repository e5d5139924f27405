package dev.grapevine.roles.admin;

import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Server-Sent Events client of {@code /v1/stream}: a bounded queue of frames, drained by one thread of the
 * stream pool that sends the response headers and then writes the frames to the client. The hub never blocks
 * on a client: when the queue is full (the client reads too slowly) the subscriber is closed, and the browser's
 * EventSource reconnects and starts again from a fresh snapshot. {@link #close()} interrupts the writing thread, which also aborts a write stuck on a
 * client that stopped reading (the JDK closes an interruptible channel on interrupt); {@link #finish()} lets it
 * write what is queued first.
 */
final class Subscriber implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Subscriber.class);
    /** Sent first: how long a browser waits before reconnecting, in milliseconds. */
    private static final String PREAMBLE = "retry: 2000\n\n";
    /** A comment line: keeps idle connections open through proxies and finds clients that went away. */
    private static final String KEEPALIVE = ": keepalive\n\n";
    /** Queued by {@link #finish()}; compared by identity. */
    private static final String FINISH = new String("finish");

    private final HttpExchange exchange;
    private final BlockingQueue<String> queue;
    private final long keepAliveNanos;
    private final Runnable onEnd;
    private final AtomicLong framesSent;
    private volatile boolean closed;
    private volatile boolean finishing;
    private volatile boolean overflowed;
    private volatile Thread runner;

    /**
     * @param exchange      the request, its response headers set but not sent: {@link #run()} sends them, so that a
     *                      stream the pool refuses can still be answered with an error
     * @param queueCapacity frames kept for the client before it counts as too slow
     * @param keepAlive     the longest silence before a keep-alive comment
     * @param onEnd         called once when the subscriber's thread is done
     * @param framesSent    counts the event frames written (not the preamble nor keep-alives)
     */
    Subscriber(HttpExchange exchange, int queueCapacity, Duration keepAlive, Runnable onEnd, AtomicLong framesSent) {
        this.exchange = exchange;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.keepAliveNanos = keepAlive.toNanos();
        this.onEnd = onEnd;
        this.framesSent = framesSent;
    }

    /** A frame of one event: {@code event: type} and one {@code data:} line (the data holds no line break). */
    static String frame(String type, String data) {
        return "event: " + type + "\ndata: " + data + "\n\n";
    }

    /** Queues a frame without blocking; false (and the subscriber closed) when the client is too slow. */
    boolean offer(String frame) {
        if (closed || finishing) {
            return false;
        }
        if (!queue.offer(frame)) {
            overflowed = true;
            close();
            return false;
        }
        return true;
    }

    /** True once closed, by {@link #close()}, a failed write or an overflow. */
    boolean isClosed() {
        return closed;
    }

    /** True when it was closed because its queue overflowed. */
    boolean overflowed() {
        return overflowed;
    }

    /**
     * Ends the stream once the frames already queued are written; no frame is accepted after. Non-blocking.
     * A client too slow to take them is cut off by {@link #close()} later.
     */
    void finish() {
        finishing = true;
        queue.offer(FINISH);
    }

    /** Stops the subscriber at once: its thread ends and the response is closed. Idempotent, non-blocking. */
    void close() {
        closed = true;
        Thread t = runner;
        if (t != null) {
            t.interrupt();
        }
    }

    @Override
    public void run() {
        runner = Thread.currentThread();
        try {
            exchange.sendResponseHeaders(200, 0);
            if (closed) {
                return;
            }
            OutputStream out = exchange.getResponseBody();
            write(out, PREAMBLE);
            while (!closed) {
                String next = queue.poll(finishing ? 0 : keepAliveNanos, TimeUnit.NANOSECONDS);
                if (closed || next == FINISH || (next == null && finishing)) {
                    break;
                }
                if (next != null) {
                    write(out, next);
                    framesSent.incrementAndGet();
                } else {
                    write(out, KEEPALIVE);
                }
            }
        } catch (IOException e) {
            LOG.debug("event stream to {} ended: {}", exchange.getRemoteAddress(), e.toString());
        } catch (InterruptedException e) {
            // close(): fall through to the cleanup.
        } finally {
            closed = true;
            runner = null;
            Thread.interrupted();
            exchange.close();
            onEnd.run();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
