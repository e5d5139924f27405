package dev.grapevine;

/** Receives cluster events, one at a time, in the order they happened. */
@FunctionalInterface
public interface ClusterListener {

    /** Called for each event. An exception is logged and does not stop later events. */
    void onEvent(ClusterEvent event);
}
