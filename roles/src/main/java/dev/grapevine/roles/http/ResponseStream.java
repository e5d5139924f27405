package dev.grapevine.roles.http;

/**
 * The body of a streamed answer (see {@link Responder#stream}), written piece by piece from any thread. Writes
 * never block: each is queued to the connection, and {@link #pendingWrites()} tells how many are not yet taken
 * by the socket, so the writer can cut off a client that reads too slowly instead of buffering without bound.
 */
public interface ResponseStream {

    /** Queues {@code text} (UTF-8) and flushes it; false when the stream is already closed. */
    boolean write(String text);

    /** Writes queued and not yet taken by the socket. */
    int pendingWrites();

    /** Ends the answer after what is queued; the connection stays open for the next request. Idempotent. */
    void end();

    /** Drops the connection at once (what is queued may be lost). Idempotent. */
    void abort();

    /** True until the stream ended, was aborted or the client went away. */
    boolean isOpen();

    /** Runs {@code action} once when the stream closes for any reason (at once if already closed). */
    void onClose(Runnable action);
}
