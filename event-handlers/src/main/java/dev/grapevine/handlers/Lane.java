package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One handler's bounded queue and its own thread, which runs the handler for one event (or one batch of
 * member events of a type) at a time, in arrival order, under a timeout. {@link #offer} never blocks: when
 * the queue is full the oldest waiting event is dropped, counted and logged.
 */
final class Lane {

    private static final Logger LOG = LoggerFactory.getLogger(Lane.class);
    /** At most one "queue full" warning per lane this often (each carries the running count). */
    private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final int index;
    private final Invoker invoker;
    private final int capacity;
    private final int maxBatch;
    private final Duration timeout;
    private final Duration slowWarning;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<ClusterEvent> queue = new ArrayDeque<>();
    private boolean closed;
    private Invocation current;
    private long lastDropLog;
    private long dropped;
    private long invocations;
    private long events;
    private long failures;
    private long timeouts;

    private Thread thread;

    Lane(int index, Invoker invoker, int capacity, int maxBatch, Duration timeout, Duration slowWarning) {
        this.index = index;
        this.invoker = invoker;
        this.capacity = capacity;
        this.maxBatch = maxBatch;
        this.timeout = timeout;
        this.slowWarning = slowWarning;
    }

    /** What this lane runs. */
    Invoker invoker() {
        return invoker;
    }

    String name() {
        return "handler " + index + " " + invoker.description();
    }

    /** Queues {@code event} if the handler wants it; never blocks. */
    void offer(ClusterEvent event) {
        if (!invoker.filter().matches(event)) {
            return;
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (queue.size() >= capacity) {
                ClusterEvent oldest = queue.pollFirst();
                dropped++;
                long now = System.nanoTime();
                if (dropped == 1 || now - lastDropLog >= DROP_LOG_INTERVAL_NANOS) {
                    lastDropLog = now;
                    LOG.warn("{}: queue full ({} events), dropped the oldest ({}); {} dropped so far", name(),
                            capacity, oldest, dropped);
                }
            }
            queue.addLast(event);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Starts the handler's thread. */
    void start(GossipNode node, String threadName, ScheduledExecutorService watchdog) {
        thread = new Thread(() -> run(node, watchdog), threadName);
        thread.setDaemon(true);
        thread.start();
    }

    private void run(GossipNode node, ScheduledExecutorService watchdog) {
        try {
            invoker.attached(node);
        } catch (Exception | LinkageError e) {
            LOG.warn("{}: failed when attached to {}", name(), node.name(), e);
        }
        while (true) {
            List<ClusterEvent> batch;
            Invocation invocation = new Invocation(Thread.currentThread());
            try {
                batch = take(invocation);
            } catch (InterruptedException e) {
                continue; // a late cancel of the previous run, or close(): take() checks which
            }
            if (batch == null) {
                return;
            }
            runOnce(batch, node, invocation, watchdog);
        }
    }

    private void runOnce(List<ClusterEvent> batch, GossipNode node, Invocation invocation,
                         ScheduledExecutorService watchdog) {
        EventType type = EventType.of(batch.get(0));
        long start = System.nanoTime();
        ScheduledFuture<?> slow = watchdog.schedule(() -> LOG.warn("{}: still running on {} after {}", name(),
                type, text(slowWarning)), slowWarning.toNanos(), TimeUnit.NANOSECONDS);
        ScheduledFuture<?> kill = watchdog.schedule(() -> invocation.cancel(true), timeout.toNanos(),
                TimeUnit.NANOSECONDS);
        Throwable failure = null;
        try {
            invoker.invoke(batch, node, invocation);
        } catch (Exception | LinkageError | AssertionError | StackOverflowError e) {
            failure = e;
        } finally {
            slow.cancel(false);
            kill.cancel(false);
            invocation.finish();
        }
        Thread.interrupted(); // a cancel that raced with the end of the run must not stop the next one
        boolean wasTimedOut = invocation.timedOut();
        boolean stopping;
        lock.lock();
        try {
            current = null;
            invocations++;
            events += batch.size();
            stopping = closed;
            if (wasTimedOut) {
                timeouts++;
            } else if (failure != null && !stopping) {
                failures++;
            }
        } finally {
            lock.unlock();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String what = type + (batch.size() > 1 ? " (" + batch.size() + " events)" : "");
        if (wasTimedOut) {
            LOG.warn("{}: {} timed out after {} and was stopped (a script's process tree is killed, a Java"
                    + " handler's thread interrupted)", name(), what, text(timeout));
        } else if (stopping) {
            LOG.info("{}: {} stopped by close after {} ms", name(), what, ms);
        } else if (failure instanceof ScriptInvoker.ScriptFailedException) {
            LOG.warn("{}: {} failed after {} ms: {}", name(), what, ms, failure.getMessage());
        } else if (failure != null) {
            LOG.warn("{}: {} failed after {} ms", name(), what, ms, failure);
        } else {
            LOG.debug("{}: {} done in {} ms", name(), what, ms);
        }
    }

    /**
     * Waits for the next event, then takes it with the member events of the same type right behind it (up to
     * the batch size) when the handler batches. Null once closed.
     */
    private List<ClusterEvent> take(Invocation next) throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !closed) {
                notEmpty.await();
            }
            if (closed) {
                return null;
            }
            ClusterEvent first = queue.pollFirst();
            List<ClusterEvent> batch = new ArrayList<>();
            batch.add(first);
            if (invoker.batchesMemberEvents() && first instanceof ClusterEvent.MemberEvent) {
                EventType type = EventType.of(first);
                while (batch.size() < maxBatch && !queue.isEmpty() && EventType.of(queue.peekFirst()) == type) {
                    batch.add(queue.pollFirst());
                }
            }
            current = next;
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the thread: the queue is discarded, a running script is killed (a Java handler interrupted), and
     * the thread is waited for at most {@code wait}.
     */
    void close(Duration wait) {
        Invocation running;
        int discarded;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            discarded = queue.size();
            queue.clear();
            running = current;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        if (discarded > 0) {
            LOG.info("{}: {} queued event(s) discarded at close", name(), discarded);
        }
        if (running != null) {
            running.cancel(false);
        }
        if (thread != null) {
            try {
                thread.join(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.warn("{}: its thread {} did not stop within {} (a handler that ignores interrupts)", name(),
                        thread.getName(), text(wait));
            }
        }
        invoker.closed();
    }

    /** "1 s", "1500 ms": a duration for people. */
    static String text(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    /** True while its thread runs. */
    boolean isAlive() {
        return thread != null && thread.isAlive();
    }

    HandlerStats stats() {
        lock.lock();
        try {
            return new HandlerStats(name(), invocations, events, failures, timeouts, dropped, queue.size());
        } finally {
            lock.unlock();
        }
    }
}
