package dev.grapevine.handlers;

/**
 * One run of a handler, which the timeout or {@link EventDispatcher#close()} may cancel (the run records
 * which). Cancelling runs the action the handler registered (a script kills its process tree) or, when it
 * registered none, interrupts the handler's thread. A cancel after the run finished does nothing.
 */
final class Invocation {

    private final Thread worker;
    private Runnable onCancel;
    private boolean cancelled;
    private boolean timedOut;
    private boolean finished;

    Invocation(Thread worker) {
        this.worker = worker;
    }

    /** Registers how to stop this run; runs it at once if the run was already cancelled. */
    synchronized void onCancel(Runnable action) {
        if (cancelled && !finished) {
            action.run();
        } else {
            onCancel = action;
        }
    }

    /**
     * Stops the run, if it is still going.
     *
     * @param timeout true when the timeout stops it, false when {@code close()} does
     */
    synchronized void cancel(boolean timeout) {
        if (cancelled || finished) {
            return;
        }
        cancelled = true;
        timedOut = timeout;
        if (onCancel != null) {
            onCancel.run();
        } else {
            worker.interrupt();
        }
    }

    /** True once {@link #cancel} took effect. */
    synchronized boolean cancelled() {
        return cancelled;
    }

    /** True when the timeout stopped the run (before it ended by itself). */
    synchronized boolean timedOut() {
        return timedOut;
    }

    /** Marks the run over: later cancels do nothing. */
    synchronized void finish() {
        finished = true;
        onCancel = null;
    }
}
