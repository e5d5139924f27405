package dev.grapevine.transport;

import dev.grapevine.GossipRuntime;
import dev.grapevine.Interner;
import dev.grapevine.Stats;
import dev.grapevine.time.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The production {@link GossipRuntime}: real UDP and TCP on two threads, shared by every node bound here.
 *
 * <ul>
 *   <li>{@code <name>-protocol}: one {@link EventLoop} that drives every bound {@link NioTransport} and runs
 *       the nodes' protocol tasks and timers.</li>
 *   <li>{@code <name>-listeners}: one daemon thread running listener callbacks in submission order, off the
 *       protocol thread. A listener that throws is logged; the thread carries on. Tasks submitted after
 *       {@link #close()} are dropped (logged at debug level).</li>
 * </ul>
 * {@link #close()} drains the listener thread briefly, then stops the loop (which closes every socket).
 */
public final class NetworkRuntime implements GossipRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(NetworkRuntime.class);

    /** How long {@link #close()} lets queued listener callbacks finish. */
    private static final long LISTENER_DRAIN_MILLIS = 2_000;

    private final String name;
    private final EventLoop loop;
    private final ThreadPoolExecutor listenerPool;
    private volatile Thread listenerThread;
    private final Executor listenerExecutor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Interner interner = new Interner();

    private NetworkRuntime(String name) throws IOException {
        this.name = name;
        this.loop = new EventLoop(name + "-protocol");
        this.listenerPool = new ThreadPoolExecutor(1, 1, 0L, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                runnable -> {
                    Thread t = new Thread(runnable, name + "-listeners");
                    t.setDaemon(true);
                    listenerThread = t;
                    return t;
                },
                (task, executor) -> LOG.debug("{}: closed, dropping listener task {}", name, task));
        this.listenerExecutor = task -> {
            Objects.requireNonNull(task, "task");
            listenerPool.execute(() -> {
                try {
                    task.run();
                } catch (Throwable t) {
                    LOG.error("{}: listener task {} failed", name, task, t);
                }
            });
        };
    }

    /**
     * Starts a runtime: its protocol thread {@code <name>-protocol} runs at once, its listener thread
     * {@code <name>-listeners} on first use.
     *
     * @param name prefix of the threads' names
     * @return the running runtime; close it to stop its threads
     * @throws UncheckedIOException when the selector cannot be opened
     */
    public static NetworkRuntime create(String name) {
        Objects.requireNonNull(name, "name");
        try {
            return new NetworkRuntime(name);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start runtime " + name, e);
        }
    }

    /** The runtime's name, the prefix of its threads' names. */
    public String name() {
        return name;
    }

    /** The protocol thread shared by every node bound here. */
    public EventLoop loop() {
        return loop;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Opens and binds the sockets on the calling thread (so bind errors are thrown here); the returned
     * transport is started later, on the loop, by its node.
     *
     * @throws IllegalStateException when the runtime is closed
     */
    @Override
    public Binding bind(InetSocketAddress address, TransportOptions options, Stats stats) throws IOException {
        if (closed.get()) {
            throw new IllegalStateException("runtime " + name + " is closed");
        }
        return new Binding(loop, new NioTransport(loop, address, options, stats));
    }

    /** {@inheritDoc} A single daemon thread; tasks run in order; exceptions are logged. */
    @Override
    public Executor listenerExecutor() {
        return listenerExecutor;
    }

    /** {@inheritDoc} One for every node bound here. */
    @Override
    public Interner interner() {
        return interner;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Stops accepting listener tasks, waits up to {@value #LISTENER_DRAIN_MILLIS} ms for queued ones
     * (not when called from the listener thread itself), then closes the loop, waiting for it to stop
     * (not when called from the loop thread). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        listenerPool.shutdown();
        if (Thread.currentThread() != listenerThread) {
            try {
                if (!listenerPool.awaitTermination(LISTENER_DRAIN_MILLIS, TimeUnit.MILLISECONDS)) {
                    LOG.warn("{}: listener tasks still running after {} ms; interrupting", name,
                            LISTENER_DRAIN_MILLIS);
                    listenerPool.shutdownNow();
                }
            } catch (InterruptedException e) {
                listenerPool.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        loop.close();
    }

    @Override
    public String toString() {
        return "NetworkRuntime[" + name + (closed.get() ? ", closed]" : "]");
    }

    /**
     * A transport bound by a {@link NetworkRuntime}, with the loop that drives it.
     *
     * @param loop      the runtime's protocol thread
     * @param transport the bound (not yet started) transport
     */
    public record Binding(EventLoop loop, NioTransport transport) implements GossipRuntime.Binding {

        /** Checks both parts are present. */
        public Binding {
            Objects.requireNonNull(loop, "loop");
            Objects.requireNonNull(transport, "transport");
        }

        /** {@inheritDoc} The runtime's {@link EventLoop}. */
        @Override
        public Scheduler scheduler() {
            return loop;
        }
    }
}
