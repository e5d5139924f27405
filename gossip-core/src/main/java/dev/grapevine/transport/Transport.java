package dev.grapevine.transport;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * How a node reaches others: unreliable datagrams to any address, and a reliable request/response stream
 * for large messages (push-pull state exchange, fallback probes).
 *
 * <p>A transport belongs to one node and is driven by that node's protocol thread: every method is called
 * on it, and every callback ({@link Inbound}, {@link Reply}) runs on it. Buffers handed to the transport
 * are read before the call returns (or copied); buffers handed to callbacks are valid only during the
 * callback.
 */
public interface Transport {

    /** The address this transport is bound to (port resolved when 0 was asked for). */
    InetSocketAddress boundAddress();

    /** Starts delivering inbound traffic to {@code inbound}. Called once, on the protocol thread. */
    void start(Inbound inbound);

    /**
     * Sends one datagram, best effort. Failures (unreachable, full buffers) are counted and dropped, never
     * thrown: the protocol treats a lost datagram as it treats any loss.
     */
    void sendDatagram(InetSocketAddress to, ByteBuffer datagram);

    /**
     * Opens a reliable stream to {@code to}, sends {@code request} as one frame and waits for one frame in
     * reply. Exactly one of {@link Reply#onReply} or {@link Reply#onFailure} is called, within
     * {@code timeoutNanos}.
     */
    void request(InetSocketAddress to, ByteBuffer request, long timeoutNanos, Reply reply);

    /** The largest stream frame this transport accepts, in bytes. */
    int maxFrameSize();

    /** Releases sockets. Pending requests fail. Called on the protocol thread. */
    void close();

    /** What the transport hands to its node. */
    interface Inbound {

        /** A datagram arrived. */
        void onDatagram(InetSocketAddress from, ByteBuffer datagram);

        /**
         * A stream request arrived; returns the frame to send back, or null to close the stream without
         * answering.
         */
        ByteBuffer onRequest(InetSocketAddress from, ByteBuffer request);
    }

    /** The outcome of {@link #request}. */
    interface Reply {

        /** The peer answered with {@code frame}. */
        void onReply(ByteBuffer frame);

        /** No answer: refused, reset, timed out, or an oversized frame. */
        void onFailure(Exception cause);
    }
}
