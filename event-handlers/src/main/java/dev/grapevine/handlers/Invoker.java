package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;

import java.util.List;

/** What a {@link Lane} runs: a script or a Java handler. */
interface Invoker {

    /** How the handler is named in logs and {@link HandlerStats}. */
    String description();

    /** Which events it gets. */
    EventFilter filter();

    /** True when consecutive member events of one type may be handed over together. */
    boolean batchesMemberEvents();

    /** Called once on the handler's thread before its first run. */
    void attached(GossipNode node) throws Exception;

    /**
     * Runs the handler for {@code batch} (one event, or several member events of one type).
     *
     * @throws Exception when the run failed; the lane logs and counts it
     */
    void invoke(List<ClusterEvent> batch, GossipNode node, Invocation invocation) throws Exception;

    /** Called once after the handler's thread stopped. */
    void closed();
}
