package dev.grapevine.transport;

import dev.grapevine.time.Cancellable;
import dev.grapevine.time.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A protocol thread: one named daemon thread that waits on a {@link Selector} and runs socket handlers,
 * one-shot timers and submitted tasks, one at a time. Many nodes (and their transports) can share one loop.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>Lifecycle.</b> The constructor starts the thread; {@link #close()} stops it. There is no
 *       separate {@code start()}.</li>
 *   <li><b>Waiting.</b> Each turn the thread calls {@link Selector#selectNow()} if tasks are queued,
 *       {@link Selector#select(long)} until the earliest timer deadline (rounded up to the next millisecond,
 *       at least 1 ms) if there are timers, and {@link Selector#select()} otherwise. It never spins: an idle
 *       loop sleeps in the kernel.</li>
 *   <li><b>Turn order.</b> Ready channels first, then every timer due at the start of the timer phase, then
 *       up to {@value #MAX_TASKS_PER_TURN} queued tasks (FIFO). A task that re-submits itself therefore
 *       cannot starve the sockets.</li>
 *   <li><b>Timers.</b> A binary heap ({@link PriorityQueue}) ordered by deadline, then by insertion
 *       sequence, on {@link System#nanoTime()}. Cancelling only sets a flag; cancelled timers are dropped
 *       when they reach the head of the heap, or in bulk when they make up most of it.</li>
 *   <li><b>Tasks.</b> {@link #execute} may be called from any thread: the task goes on a
 *       {@link ConcurrentLinkedQueue} and the selector is woken (not when called from the loop thread).</li>
 *   <li><b>Failures.</b> A task, timer or handler that throws is logged and the loop continues. A handler
 *       that throws also loses its channel (see {@link IoHandler}).</li>
 * </ul>
 *
 * <p>The channel registration methods ({@link #register}) are an SPI for transports, not for the engine.
 */
public final class EventLoop implements Scheduler, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    /** Tasks run per turn at most, so sockets and timers are served between long bursts of tasks. */
    static final int MAX_TASKS_PER_TURN = 1024;

    /** Cancelled timers tolerated in the heap before a bulk purge (when also more than half the heap). */
    private static final int PURGE_THRESHOLD = 256;

    private static final long NANOS_PER_MILLI = 1_000_000L;

    /** Longest delay honoured (about 73 years); longer ones are shortened to it. */
    private static final long MAX_DELAY_NANOS = Long.MAX_VALUE >> 2;

    private final String name;
    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private long timerSequence;
    private int cancelledTimers;

    /**
     * Opens a selector and starts the loop thread.
     *
     * @param name the thread's name, e.g. {@code "grapevine-loop-1"}
     * @throws IOException when the selector cannot be opened
     */
    public EventLoop(String name) throws IOException {
        this.name = Objects.requireNonNull(name, "name");
        this.selector = Selector.open();
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** The loop's name, which is also its thread's name. */
    public String name() {
        return name;
    }

    /** {@inheritDoc} Uses {@link System#nanoTime()}. */
    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    /**
     * {@inheritDoc}
     *
     * <p>A non-positive delay runs the task on the next turn; delays beyond about 73 years are capped. Timers that never fire because the loop was
     * closed are silently discarded.
     *
     * @throws IllegalStateException when called from another thread than the loop's
     */
    @Override
    public Cancellable schedule(long delayNanos, Runnable task) {
        Objects.requireNonNull(task, "task");
        checkInLoop("schedule");
        // Capped so that deadline arithmetic never overflows (comparisons use deadline differences).
        long delay = Math.min(Math.max(0L, delayNanos), MAX_DELAY_NANOS);
        Timer timer = new Timer(System.nanoTime() + delay, timerSequence++, task);
        timers.add(timer);
        return timer;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Tasks run in submission order. After {@link #close()} tasks are ignored (logged at debug level).
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed.get()) {
            LOG.debug("{}: closed, ignoring task {}", name, task);
            return;
        }
        tasks.add(task);
        if (Thread.currentThread() != thread) {
            selector.wakeup();
        }
    }

    /** {@inheritDoc} */
    @Override
    public boolean inProtocolThread() {
        return Thread.currentThread() == thread;
    }

    /** True once {@link #close()} has been called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * SPI for transports: puts {@code channel} in non-blocking mode and registers it with this loop's
     * selector; {@code handler} is called on the loop thread whenever the channel is ready. The returned key
     * carries the handler as its attachment; change its interest set with
     * {@link SelectionKey#interestOps(int)}. Closing the channel deregisters it.
     *
     * @param channel the channel to watch; it is switched to non-blocking mode
     * @param ops     the initial interest set ({@link SelectionKey#OP_READ} etc.)
     * @param handler called on the loop thread when the channel is ready
     * @return the selection key, with {@code handler} attached
     * @throws IOException           when the channel is closed or cannot be made non-blocking
     * @throws IllegalStateException when called from another thread than the loop's, or after close
     */
    public SelectionKey register(SelectableChannel channel, int ops, IoHandler handler) throws IOException {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(handler, "handler");
        checkInLoop("register");
        if (closed.get()) {
            throw new IllegalStateException(name + " is closed");
        }
        channel.configureBlocking(false);
        return channel.register(selector, ops, handler);
    }

    /**
     * Stops the loop: the thread finishes its current turn and exits, closing every registered channel
     * and the selector. Waits for the thread to end, unless called from the loop thread itself (then the
     * thread exits when the current task returns). Queued tasks and timers are discarded. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            if (!inProtocolThread()) {
                awaitThread();
            }
            return;
        }
        if (inProtocolThread()) {
            return;
        }
        selector.wakeup();
        awaitThread();
    }

    private void awaitThread() {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "EventLoop[" + name + (closed.get() ? ", closed]" : "]");
    }

    private void checkInLoop(String what) {
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException(what + " must be called on " + name + ", not on "
                    + Thread.currentThread().getName());
        }
    }

    // ---------------------------------------------------------------------------------------- loop thread

    private void run() {
        LOG.debug("{}: started", name);
        try {
            while (!closed.get()) {
                select();
                if (closed.get()) {
                    break;
                }
                processSelectedKeys();
                runDueTimers();
                runTasks();
            }
        } catch (ClosedSelectorException e) {
            LOG.debug("{}: selector closed", name);
        } finally {
            shutdown();
        }
    }

    private void select() {
        try {
            if (!tasks.isEmpty()) {
                selector.selectNow();
                return;
            }
            Timer next = firstLiveTimer();
            if (next == null) {
                selector.select();
                return;
            }
            long remaining = next.deadline - System.nanoTime();
            if (remaining <= 0) {
                selector.selectNow();
            } else {
                // Round up so the timer is due when select returns, rather than waking early and spinning.
                long millis = Math.max(1L, (remaining + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI);
                selector.select(millis);
            }
        } catch (IOException e) {
            LOG.warn("{}: select failed", name, e);
        }
    }

    private void processSelectedKeys() {
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            if (!key.isValid()) {
                continue;
            }
            IoHandler handler = (IoHandler) key.attachment();
            try {
                handler.onReady(key);
            } catch (Throwable t) {
                LOG.error("{}: I/O handler {} failed; closing its channel", name, handler, t);
                key.cancel();
                closeQuietly(key);
            }
        }
    }

    private Timer firstLiveTimer() {
        Timer head = timers.peek();
        while (head != null && head.cancelled) {
            timers.poll();
            cancelledTimers = Math.max(0, cancelledTimers - 1);
            head = timers.peek();
        }
        return head;
    }

    private void runDueTimers() {
        long now = System.nanoTime();
        Timer head;
        while ((head = firstLiveTimer()) != null && head.deadline - now <= 0) {
            timers.poll();
            head.fired = true;
            runSafely(head.task, "timer");
        }
        if (cancelledTimers > PURGE_THRESHOLD && cancelledTimers > timers.size() / 2) {
            timers.removeIf(t -> t.cancelled);
            cancelledTimers = 0;
        }
    }

    private void runTasks() {
        for (int i = 0; i < MAX_TASKS_PER_TURN && !closed.get(); i++) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            runSafely(task, "task");
        }
    }

    private void runSafely(Runnable task, String kind) {
        try {
            task.run();
        } catch (Throwable t) {
            LOG.error("{}: {} {} failed", name, kind, task, t);
        }
    }

    private void shutdown() {
        int dropped = tasks.size();
        tasks.clear();
        timers.clear();
        if (dropped > 0) {
            LOG.debug("{}: discarded {} queued tasks on close", name, dropped);
        }
        try {
            for (SelectionKey key : selector.keys()) {
                closeQuietly(key);
            }
        } catch (ClosedSelectorException ignored) {
            // already closed
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.warn("{}: closing the selector failed", name, e);
        }
        LOG.debug("{}: stopped", name);
    }

    private void closeQuietly(SelectionKey key) {
        try {
            key.channel().close();
        } catch (IOException e) {
            LOG.debug("{}: closing {} failed", name, key.channel(), e);
        }
    }

    /** A one-shot timer; its own cancellation handle. Touched only on the loop thread, except the flag. */
    private final class Timer implements Cancellable, Comparable<Timer> {
        final long deadline;
        final long sequence;
        final Runnable task;
        volatile boolean cancelled;
        boolean fired;

        Timer(long deadline, long sequence, Runnable task) {
            this.deadline = deadline;
            this.sequence = sequence;
            this.task = task;
        }

        @Override
        public void cancel() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            // The purge counter is loop-confined; a cancel from elsewhere is still removed lazily at the head.
            if (inProtocolThread() && !fired) {
                cancelledTimers++;
            }
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(deadline - o.deadline, 0L);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }

        @Override
        public String toString() {
            return "Timer[" + task + "]";
        }
    }
}
