package dev.grapevine.membership;

import dev.grapevine.time.Cancellable;
import dev.grapevine.time.Scheduler;

import java.util.PriorityQueue;

/** A hand-driven scheduler for unit tests of timer logic. */
final class ManualScheduler implements Scheduler {

    private record Task(long at, long seq, Runnable r, boolean[] cancelled) { }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) ->
            a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private long now;
    private long seq;

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
        return true;
    }

    /** The earliest live deadline, or -1. */
    long nextDeadline() {
        return tasks.stream().filter(t -> !t.cancelled[0]).mapToLong(Task::at).min().orElse(-1);
    }

    /** Moves time forward, running what falls due. */
    void advance(long nanos) {
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
