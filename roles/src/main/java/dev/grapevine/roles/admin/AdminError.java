package dev.grapevine.roles.admin;

import java.util.Map;

/** An error answer of the admin API: a status, a message for the JSON body and extra headers. */
final class AdminError extends RuntimeException {
    private final int status;
    private final Map<String, String> headers;

    AdminError(int status, String message) {
        this(status, message, Map.of());
    }

    AdminError(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    /** The HTTP status. */
    int status() {
        return status;
    }

    /** Headers to add to the answer ({@code Allow}, {@code WWW-Authenticate}). */
    Map<String, String> headers() {
        return headers;
    }
}
