package dev.grapevine.time;


import java.util.PriorityQueue;

/**
 * A hand-driven scheduler on virtual time, for the coalescer's timer logic. A copy of the membership tests'
 * one (package-private there), plus {@link #queued()} and a switch for the protocol-thread check.
 */
public final class ManualScheduler implements Scheduler {

    private record Task(long at, long seq, Runnable r, boolean[] cancelled) { }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) ->
            a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private long now;
    private long seq;
    private boolean protocolThread = true;

    public ManualScheduler() {
    }

    /** Starts the clock at {@code start}, to check nothing assumes time begins at 0. */
    public ManualScheduler(long start) {
        this.now = start;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public Cancellable schedule(long delayNanos, Runnable task) {
        boolean[] cancelled = new boolean[1];
        tasks.add(new Task(now + delayNanos, seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    @Override
    public void execute(Runnable task) {
        schedule(0, task);
    }

    @Override
    public boolean inProtocolThread() {
        return protocolThread;
    }

    /** Makes {@link #inProtocolThread()} answer {@code b}. */
    public void protocolThread(boolean b) {
        protocolThread = b;
    }

    /** The earliest live deadline, or -1. */
    public long nextDeadline() {
        return tasks.stream().filter(t -> !t.cancelled[0]).mapToLong(Task::at).min().orElse(-1);
    }

    /** Tasks still in the queue, cancelled ones included (what a real timer heap would hold). */
    public int queued() {
        return tasks.size();
    }

    /** Moves time forward, running what falls due. */
    public void advance(long nanos) {
        long until = now + nanos;
        while (!tasks.isEmpty() && tasks.peek().at <= until) {
            Task t = tasks.poll();
            now = t.at;
            if (!t.cancelled[0]) {
                t.r.run();
            }
        }
        now = until;
    }
}
