package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;

/**
 * A cluster event handler written in Java: the counterpart of a script handler, run by the same
 * {@link EventDispatcher} with the same filtering (Serf's syntax, from {@link #events()}), the same ordering
 * (one event at a time, in the order they happened), the same timeout and the same isolation (an exception
 * or a slow handler is logged and delays no other handler and no membership work).
 *
 * <p>Register one with {@link EventDispatcher.Builder#handler(EventHandler)}, or let
 * {@link EventDispatcher.Builder#discover()} find it through {@link java.util.ServiceLoader}: list the class
 * in {@code META-INF/services/dev.grapevine.handlers.EventHandler} and give it a public no-argument
 * constructor.
 *
 * <p>A handler answers a query by calling {@link ClusterEvent.Query#respond} itself. On timeout the handler's
 * thread is interrupted; a handler that ignores interrupts holds up only its own later events.
 */
public interface EventHandler {

    /**
     * Handles one event, on this handler's own thread.
     *
     * @throws Exception anything; it is logged and counted, and the next event is handled as usual
     */
    void handle(ClusterEvent event) throws Exception;

    /**
     * Which events to handle, in Serf's filter syntax ({@code member-join,user:deploy}); the default,
     * {@code *}, is every event. Read once, at registration.
     */
    default String events() {
        return "*";
    }

    /**
     * Called once on the handler's thread, before its first event, with the node whose events it handles.
     * The default does nothing.
     */
    default void attached(GossipNode node) {
    }
}
