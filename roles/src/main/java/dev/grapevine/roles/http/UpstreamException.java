package dev.grapevine.roles.http;

import java.io.IOException;

/**
 * A call to an upstream server that failed, saying how far it got, which decides whether it may be sent again
 * elsewhere: a failure at {@link Stage#CONNECT} sent nothing (any method may be retried); at {@link Stage#SEND}
 * the request, or part of it, may have reached the server (only idempotent methods may be retried); at
 * {@link Stage#RESPONSE} an answer had begun (nothing may be retried: part of it is already on its way).
 */
public final class UpstreamException extends IOException {

    private static final long serialVersionUID = 1L;

    /** How far the call got. */
    public enum Stage {
        /** No connection: refused, unreachable, timed out, or the pool's queue was full. Nothing was sent. */
        CONNECT,
        /** Connected and sending or waiting for the answer's head; the server may have seen the request. */
        SEND,
        /** The answer's head had arrived; its body did not complete. */
        RESPONSE
    }

    private final Stage stage;
    private final boolean timeout;

    /**
     * @param stage   how far the call got
     * @param timeout whether a timeout ended it
     * @param message what happened, naming the upstream
     * @param cause   the underlying failure, or null
     */
    public UpstreamException(Stage stage, boolean timeout, String message, Throwable cause) {
        super(message, cause);
        this.stage = stage;
        this.timeout = timeout;
    }

    /** How far the call got. */
    public Stage stage() {
        return stage;
    }

    /** True when a timeout ended the call. */
    public boolean isTimeout() {
        return timeout;
    }

    /** True when nothing was sent, so any method may be sent elsewhere. */
    public boolean nothingSent() {
        return stage == Stage.CONNECT;
    }
}
