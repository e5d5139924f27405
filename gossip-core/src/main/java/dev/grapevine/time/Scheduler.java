package dev.grapevine.time;

import java.util.concurrent.Executor;

/**
 * The protocol thread of one or more nodes, as the engine sees it: a monotonic clock, one-shot timers and
 * a way for other threads to hand it work.
 *
 * <p>Production runs it on a real thread waiting on sockets ({@code dev.grapevine.transport.EventLoop});
 * tests and benchmarks run it on virtual time ({@code dev.grapevine.sim.SimulatedNetwork}). Everything the
 * engine does happens in tasks run by its scheduler, one at a time, so the engine needs no locks.
 */
public interface Scheduler extends Executor {

    /** Monotonic time in nanoseconds. Only differences are meaningful. */
    long nanoTime();

    /**
     * Runs {@code task} on the protocol thread once {@code delayNanos} have passed. Must be called from the
     * protocol thread.
     *
     * @return a handle that cancels the task if it has not run yet
     */
    Cancellable schedule(long delayNanos, Runnable task);

    /** Runs {@code task} on the protocol thread as soon as possible. Safe to call from any thread. */
    @Override
    void execute(Runnable task);

    /** True when the calling thread is the protocol thread of this scheduler. */
    boolean inProtocolThread();
}
