package dev.grapevine.time;

/** A scheduled task that can still be called off. */
@FunctionalInterface
public interface Cancellable {

    /** Cancels the task; does nothing if it already ran or was cancelled. */
    void cancel();

    /** A handle that cancels nothing. */
    Cancellable NONE = () -> { };
}
