package dev.grapevine.roles.http;

/**
 * Answers the requests of an {@link HttpService}. It is called on an event loop of the service's
 * {@link HttpLoop}, once the whole request (body included, within the service's limit) has arrived, and must
 * not block: it answers through {@code responder} at once or later, from any thread (after calling another
 * service asynchronously, for example). Exactly one answer per request; an exception thrown before answering
 * becomes a 500.
 */
@FunctionalInterface
public interface HttpHandler {

    /** Handles one request. */
    void handle(Request request, Responder responder) throws Exception;
}
