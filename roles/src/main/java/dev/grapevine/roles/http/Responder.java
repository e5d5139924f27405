package dev.grapevine.roles.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Answers one request. Callable from any thread, exactly once (a second answer throws
 * {@link IllegalStateException}). A {@code HEAD} request gets the headers of the answer without its body.
 */
public interface Responder {

    /**
     * Sends a complete answer with {@code Content-Length}.
     *
     * @param status  the status code
     * @param headers extra headers (a single value each); {@code Content-Length} is set here
     * @param body    the body, empty for none
     */
    void respond(int status, Map<String, String> headers, byte[] body);

    /** Sends {@code text} as {@code text/plain; charset=utf-8}. */
    default void text(int status, String text) {
        respond(status, Map.of("Content-Type", "text/plain; charset=utf-8"), text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Starts a streamed answer ({@code Transfer-Encoding: chunked}): the status and headers go out now, the body
     * as it is written to the returned stream. A stream does not count as a request in progress of the service
     * once started (it may last for hours); the code that opens streams bounds them.
     */
    ResponseStream stream(int status, Map<String, String> headers);

    /** True while the client's connection is open. */
    boolean isOpen();
}
