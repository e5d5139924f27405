package dev.grapevine.roles.admin;

import dev.grapevine.roles.http.ResponseStream;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Server-Sent Events client of {@code /v1/stream}. Frames go straight to its {@link ResponseStream}; the hub
 * never waits on a client: when more than {@code queueCapacity} frames are written and not yet taken by the
 * client's socket (it reads too slowly), the subscriber is closed, and the browser's EventSource reconnects and
 * starts again from a fresh snapshot. A comment line goes out after {@code keepAlive} of silence, which keeps the
 * connection open through proxies and finds clients that went away. Used on the hub's loop only.
 */
final class Subscriber {

    /** Sent first: how long a browser waits before reconnecting, in milliseconds. */
    static final String PREAMBLE = "retry: 2000\n\n";
    /** A comment line for silent periods. */
    static final String KEEPALIVE = ": keepalive\n\n";

    private final ResponseStream stream;
    private final int queueCapacity;
    private final long keepAliveNanos;
    private final AtomicLong framesSent;
    private long lastWrite = System.nanoTime();
    private boolean finishing;
    private boolean overflowed;

    /**
     * @param stream        the client's answer, its headers already sent
     * @param queueCapacity frames the socket may hold unsent before the client counts as too slow
     * @param keepAlive     the longest silence before a keep-alive comment
     * @param framesSent    counts the event frames written (not the preamble nor keep-alives)
     */
    Subscriber(ResponseStream stream, int queueCapacity, Duration keepAlive, AtomicLong framesSent) {
        this.stream = stream;
        this.queueCapacity = queueCapacity;
        this.keepAliveNanos = keepAlive.toNanos();
        this.framesSent = framesSent;
    }

    /** A frame of one event: {@code event: type} and one {@code data:} line (the data holds no line break). */
    static String frame(String type, String data) {
        return "event: " + type + "\ndata: " + data + "\n\n";
    }

    /** Writes the preamble. */
    void greet() {
        write(PREAMBLE);
    }

    /** Writes a frame; false (and the subscriber closed) when the client is too slow or gone. */
    boolean offer(String frame) {
        if (finishing || !stream.isOpen()) {
            return false;
        }
        if (stream.pendingWrites() >= queueCapacity) {
            overflowed = true;
            stream.abort();
            return false;
        }
        if (!write(frame)) {
            return false;
        }
        framesSent.incrementAndGet();
        return true;
    }

    /** Sends a keep-alive comment when nothing was written for the keep-alive interval. */
    void keepAlive(long now) {
        if (!finishing && stream.isOpen() && now - lastWrite >= keepAliveNanos) {
            write(KEEPALIVE);
        }
    }

    private boolean write(String text) {
        lastWrite = System.nanoTime();
        return stream.write(text);
    }

    /** True once the client's stream closed (finished, overflowed, or the client went away). */
    boolean isClosed() {
        return !stream.isOpen();
    }

    /** True when it was closed because its client fell behind. */
    boolean overflowed() {
        return overflowed;
    }

    /** Ends the stream once the frames already written are sent; no frame is accepted after. */
    void finish() {
        finishing = true;
        stream.end();
    }

    /** Stops at once. */
    void close() {
        finishing = true;
        stream.abort();
    }
}
