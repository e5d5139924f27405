package dev.grapevine.roles.http;

import io.netty.handler.codec.http.HttpObject;

/**
 * Receives what an upstream connection reads while it is leased: the answer's head, its contents and, last, a
 * {@code LastHttpContent}; or one failure. Called on the connection's loop. The listener owns (releases) every
 * message it gets.
 */
interface ResponseListener {

    /** A part of the answer: an {@code HttpResponse} head, then {@code HttpContent}s, the last one last. */
    void onResponse(HttpObject part);

    /** The connection failed or closed before the answer completed. Called at most once. */
    void onFailure(Throwable cause);

    /** The connection's send buffer went above (false) or back below (true) its high-water mark. */
    default void onWritabilityChanged(boolean writable) {
    }
}
