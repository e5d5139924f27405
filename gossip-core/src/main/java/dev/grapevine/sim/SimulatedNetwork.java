package dev.grapevine.sim;

import dev.grapevine.DropReason;
import dev.grapevine.GossipRuntime;
import dev.grapevine.Interner;
import dev.grapevine.Stats;
import dev.grapevine.time.Cancellable;
import dev.grapevine.transport.Transport;
import dev.grapevine.transport.TransportOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * A deterministic discrete-event simulation of a network of gossip nodes: virtual time, a seeded in-memory
 * network, thousands of nodes on one thread.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>One event queue.</b> Every timer, executed task, datagram in flight and request frame is an
 *       {@code Event} in a single priority queue (a 4-ary heap with primitive keys) ordered by (virtual
 *       time, sequence). The sequence is a
 *       counter assigned when the event is queued, so simultaneous events run in the order they were queued.
 *       Virtual time starts at 0 and moves only when {@link #runFor} or {@link #runUntil} run events.</li>
 *   <li><b>Determinism.</b> All randomness (latency, loss) comes from {@link Random}s derived from the seed
 *       and drawn in event order; no decision depends on wall-clock time, identity hash codes or hash-map
 *       iteration order (addresses are looked up in hash maps, never iterated; host-wide operations walk
 *       lists in registration order). Two runs with the same seed and the same driving code produce the
 *       same events in the same order, bit for bit.</li>
 *   <li><b>Threads.</b> The simulation thread is the one that created the network, or the last one that
 *       called a {@code run*} method. Every host's {@link dev.grapevine.time.Scheduler} reports that thread
 *       as its protocol thread; {@code execute} from any other thread goes through a concurrent queue that
 *       is drained into the event queue at the next step. All other methods belong to the simulation thread
 *       (they throw {@link IllegalStateException} when called from another thread while a run is in
 *       progress). Listeners run inline.</li>
 *   <li><b>Addresses and hosts.</b> An address ({@code Endpoint}) keeps its partition group and link
 *       settings across restarts; a host is one process bound there. Crashing or closing a host frees the
 *       address for a new host; events of the old one are dropped lazily when they come due.</li>
 *   <li><b>Datagrams</b> are copied at send, dropped at send by loss, partitions and absent destinations,
 *       and checked again on arrival (the receiving host is resolved from the address then, so a restarted
 *       node receives what was sent to its address). They are delivered only if the link is up both when
 *       they leave and when they arrive.</li>
 *   <li><b>Requests</b> are reliable (no loss), model one TCP connection each, and call back exactly once,
 *       always from a later event: reply, refusal ({@link ConnectException}, after one latency), closed
 *       stream ({@link EOFException}), oversized frame ({@link IOException}), or {@link TimeoutException}
 *       when nothing came back in time (e.g. across a partition).</li>
 *   <li><b>Faults.</b> {@link #crash} stops a host for good; {@link #pause} freezes it (events due meanwhile
 *       are held and run, in their original order, at {@link #resume}; datagrams are held up to
 *       {@link #PAUSED_DATAGRAM_BUFFER}, like a socket buffer); {@link #partition} and {@link #heal} cut and
 *       restore links by group.</li>
 *   <li><b>Cost.</b> Events are small objects (a handful of fields, no capturing lambdas); a cancelled timer
 *       drops its task at once and leaves the queue when it comes due, or earlier when cancelled events make
 *       up half the queue. Per event the work is O(log queue) plus a hash lookup, independent of the number
 *       of hosts.</li>
 * </ul>
 *
 * <p>Exceptions thrown by node code fail the run with a {@link SimulationException} by default; see
 * {@link #setFailOnTaskException}. The counters ({@link #eventsRun()}, {@link #datagramsDelivered()}...)
 * are meant to be read on the simulation thread.
 *
 * <p>See the package documentation for an example.
 */
public final class SimulatedNetwork implements GossipRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedNetwork.class);

    /** How many datagrams a paused host buffers; more are dropped, like a full socket receive buffer. */
    public static final int PAUSED_DATAGRAM_BUFFER = 1024;

    /** Default of {@link #setMaxEventsPerInstant}: 10 million events at one virtual instant. */
    public static final long DEFAULT_MAX_EVENTS_PER_INSTANT = 10_000_000L;

    /** How often {@link #runUntil} checks its condition, in virtual time. */
    public static final Duration CONDITION_CHECK_INTERVAL = Duration.ofMillis(10);

    /** Default lower bound of link latency. */
    public static final Duration DEFAULT_MIN_LATENCY = Duration.ofMillis(1);

    /** Default upper bound of link latency. */
    public static final Duration DEFAULT_MAX_LATENCY = Duration.ofMillis(3);

    /** The largest UDP payload; larger datagrams fail to send. */
    static final int MAX_DATAGRAM_SIZE = 65507;

    private static final long CHECK_INTERVAL_NANOS = CONDITION_CHECK_INTERVAL.toNanos();
    private static final int FIRST_EPHEMERAL_PORT = 49152;
    private static final int LAST_PORT = 65535;
    private static final int PURGE_MIN_CANCELLED = 1 << 14;
    private static final Executor INLINE = Runnable::run;

    private final long seed;
    /** Latency and loss draws, in send order. */
    private final Random linkRandom;
    /** Handed to scenario code by {@link #random()}: its draws never shift the network's own. */
    private final Random userRandom;
    private long seedSequence;

    private final EventQueue queue = new EventQueue(4096);
    private final ConcurrentLinkedQueue<Event.Task> external = new ConcurrentLinkedQueue<>();
    /** Lookups only: never iterated. */
    private final Map<InetSocketAddress, Endpoint> endpoints = new HashMap<>();
    /** Every endpoint in registration order, for network-wide operations. */
    private final List<Endpoint> endpointOrder = new ArrayList<>();
    /** Canonical member names, addresses and tags for every node of this network. */
    private final Interner interner = new Interner();

    private volatile Thread simulationThread;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean closed;

    private long now;
    private long nextSeq;
    private long cancelledQueued;
    private long instant = -1;
    private long instantEvents;
    private long maxEventsPerInstant = DEFAULT_MAX_EVENTS_PER_INSTANT;

    private long minLatency = DEFAULT_MIN_LATENCY.toNanos();
    private long maxLatency = DEFAULT_MAX_LATENCY.toNanos();
    private double loss;
    private int nextGroup = 1;
    private int nextEphemeralPort = FIRST_EPHEMERAL_PORT;

    private boolean failOnTaskException = true;
    private long taskExceptions;
    private long eventsRun;
    private long datagramsSent;
    private long datagramsDelivered;
    private long datagramsDropped;
    private long requestsSent;

    /**
     * Creates an empty network at virtual time 0.
     *
     * @param seed the seed every random decision of the run derives from
     */
    public SimulatedNetwork(long seed) {
        this.seed = seed;
        this.linkRandom = new Random(mix(seed, -1));
        this.userRandom = new Random(mix(seed, -2));
        this.simulationThread = Thread.currentThread();
    }

    // ------------------------------------------------------------------------------------------------------
    // GossipRuntime

    /**
     * Starts a simulated host at {@code address}. Port 0 picks a free port from 49152 up, deterministically.
     *
     * @throws BindException when a live host is already bound at the address
     * @throws IOException   when the network is closed
     */
    @Override
    public Binding bind(InetSocketAddress address, TransportOptions options, Stats stats) throws IOException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(stats, "stats");
        checkThread();
        if (closed) {
            throw new IOException("simulated network is closed");
        }
        InetSocketAddress at = address.getPort() == 0 ? ephemeral(address) : address;
        Endpoint ep = endpoint(at);
        if (ep.host != null) {
            throw new BindException("address in use: " + at);
        }
        Host host = new Host(this, ep, options, stats);
        ep.host = host;
        ep.crashed = false;
        LOG.debug("bound simulated host {} at {} ns", at, now);
        return host;
    }

    /** Runs listeners inline, in order, on the simulation thread. */
    @Override
    public Executor listenerExecutor() {
        return INLINE;
    }

    /** {@inheritDoc} One for every node of this network. */
    @Override
    public Interner interner() {
        return interner;
    }

    /**
     * Drops everything: every host is closed (without callbacks), pending events and tasks are discarded.
     * Later {@code run*} calls throw; later binds fail. Idempotent.
     */
    @Override
    public void close() {
        checkThread();
        if (closed) {
            return;
        }
        closed = true;
        for (Endpoint ep : endpointOrder) {
            Host h = ep.host;
            if (h != null) {
                h.state = Host.CLOSED;
                h.held = null;
                for (Event.Call c = h.takeCalls(); c != null; c = c.next) {
                    c.done = true;
                }
                ep.host = null;
            }
        }
        queue.clear();
        external.clear();
    }

    // ------------------------------------------------------------------------------------------------------
    // Running

    /**
     * Advances virtual time by exactly {@code duration}, running every event due up to and including the new
     * time, in (time, sequence) order.
     *
     * @throws SimulationException   when node code threw (see {@link #setFailOnTaskException})
     * @throws IllegalStateException when the runaway guard trips, the network is closed, or a run is
     *                               already in progress
     */
    public void runFor(Duration duration) {
        long d = nonNegativeNanos(duration, "duration");
        advanceTo(saturatedAdd(now, d));
    }

    /**
     * Runs until {@code condition} holds or {@code max} virtual time has passed. The condition is checked
     * once at the start and then every {@link #CONDITION_CHECK_INTERVAL} of virtual time (and at the end);
     * when it holds, virtual time stays at that check.
     *
     * @return true when the condition became true, false when {@code max} ran out
     */
    public boolean runUntil(BooleanSupplier condition, Duration max) {
        Objects.requireNonNull(condition, "condition");
        long deadline = saturatedAdd(now, nonNegativeNanos(max, "max"));
        if (closed) {
            throw new IllegalStateException("simulated network is closed");
        }
        if (running.get()) {
            throw new IllegalStateException("the simulation is already running (re-entrant or concurrent run)");
        }
        simulationThread = Thread.currentThread();
        if (condition.getAsBoolean()) {
            return true;
        }
        while (now < deadline) {
            advanceTo(Math.min(saturatedAdd(now, CHECK_INTERVAL_NANOS), deadline));
            if (condition.getAsBoolean()) {
                return true;
            }
        }
        return false;
    }

    private void advanceTo(long target) {
        if (closed) {
            throw new IllegalStateException("simulated network is closed");
        }
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("the simulation is already running (re-entrant or concurrent run)");
        }
        simulationThread = Thread.currentThread();
        try {
            for (;;) {
                if (!external.isEmpty()) {
                    drainExternal();
                }
                if (queue.isEmpty() || queue.peekTime() > target) {
                    break;
                }
                Event e = queue.poll();
                if (e.isCancelled()) {
                    if (cancelledQueued > 0) {
                        cancelledQueued--;
                    }
                    continue;
                }
                now = e.time;
                if (e.time != instant) {
                    instant = e.time;
                    instantEvents = 0;
                }
                if (++instantEvents > maxEventsPerInstant) {
                    throw new IllegalStateException("runaway simulation: more than " + maxEventsPerInstant
                            + " events at virtual time " + now + " ns (a task rescheduling itself with no"
                            + " delay?); last event on " + e.where());
                }
                eventsRun++;
                try {
                    e.fire(this);
                } catch (Throwable t) {
                    taskFailed(e, t);
                }
            }
            if (target > now) {
                now = target;
            }
        } finally {
            running.set(false);
        }
    }

    private void drainExternal() {
        Event.Task t;
        while ((t = external.poll()) != null) {
            if (t.owner.isLive()) {
                enqueue(t, now);
            }
        }
    }

    private void taskFailed(Event e, Throwable t) {
        if (t instanceof VirtualMachineError vme) {
            throw vme;
        }
        taskExceptions++;
        if (failOnTaskException) {
            throw new SimulationException(e.where(), now, t);
        }
        LOG.warn("task of simulated host {} failed at virtual time {} ns", e.where(), now, t);
    }

    /** Current virtual time in nanoseconds (0 at creation). */
    public long now() {
        return now;
    }

    /** Virtual time elapsed since creation. */
    public Duration elapsed() {
        return Duration.ofNanos(now);
    }

    /** The seed this network was created with. */
    public long seed() {
        return seed;
    }

    /**
     * A new {@link Random} seeded from the network's seed sequence: the n-th call returns the same generator
     * in every run with the same seed. Give one to each node.
     */
    public Random newRandom() {
        return new Random(mix(seed, ++seedSequence));
    }

    /**
     * A generator for scenario code (which node to crash, what to send...), seeded from the network's seed.
     * It is separate from the generator for latency and loss, so drawing from it does not change the network's
     * own decisions.
     */
    public Random random() {
        return userRandom;
    }

    // ------------------------------------------------------------------------------------------------------
    // Configuration

    /**
     * Makes node code exceptions fail the run (true, the default: {@code run*} throws a
     * {@link SimulationException}) or only be logged and counted (false).
     */
    public void setFailOnTaskException(boolean fail) {
        this.failOnTaskException = fail;
    }

    /** How many tasks or callbacks of nodes threw so far. */
    public long taskExceptions() {
        return taskExceptions;
    }

    /**
     * Sets the runaway guard: more than {@code max} events at one virtual instant make the run throw
     * {@link IllegalStateException}. Defaults to {@link #DEFAULT_MAX_EVENTS_PER_INSTANT}.
     */
    public void setMaxEventsPerInstant(long max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive, was " + max);
        }
        this.maxEventsPerInstant = max;
    }

    /**
     * Sets the default link latency: each datagram and frame takes a time drawn uniformly from
     * [{@code min}, {@code max}] (inclusive, nanosecond resolution).
     */
    public void setLatency(Duration min, Duration max) {
        long[] b = latencyBounds(min, max);
        checkThread();
        minLatency = b[0];
        maxLatency = b[1];
    }

    /** Overrides the latency of the directed link {@code from} to {@code to} (see {@link #setLatency}). */
    public void setLinkLatency(InetSocketAddress from, InetSocketAddress to, Duration min, Duration max) {
        Objects.requireNonNull(to, "to");
        long[] b = latencyBounds(min, max);
        checkThread();
        Endpoint.Link link = endpoint(Objects.requireNonNull(from, "from")).linkForUpdate(to);
        link.minLatency = b[0];
        link.maxLatency = b[1];
    }

    /**
     * Sets the default probability, in [0, 1], that a datagram is lost. Requests are never lost, except over a
     * link that loses everything (see {@link #setLinkLoss}).
     */
    public void setLoss(double probability) {
        checkProbability(probability);
        checkThread();
        this.loss = probability;
    }

    /**
     * Overrides the loss probability of the directed link {@code from} to {@code to}. At 1.0, requests between
     * the two addresses fail too, in both directions (a TCP connection needs packets both ways): the requester
     * times out, as on a real network where one direction drops everything.
     */
    public void setLinkLoss(InetSocketAddress from, InetSocketAddress to, double probability) {
        Objects.requireNonNull(to, "to");
        checkProbability(probability);
        checkThread();
        endpoint(Objects.requireNonNull(from, "from")).linkForUpdate(to).loss = probability;
    }

    /** Removes the latency and loss overrides of the directed link {@code from} to {@code to}. */
    public void resetLink(InetSocketAddress from, InetSocketAddress to) {
        checkThread();
        Endpoint ep = endpoints.get(Objects.requireNonNull(from, "from"));
        if (ep != null) {
            ep.resetLink(Objects.requireNonNull(to, "to"));
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Partitions and faults

    /**
     * Cuts every link between the addresses in {@code side} and all others, both ways: the side becomes a new
     * partition group, and hosts only reach hosts of their own group. Calling it again with another side makes
     * a further group. Addresses need not be bound yet; a restarted host keeps its address's group.
     */
    public void partition(Collection<InetSocketAddress> side) {
        Objects.requireNonNull(side, "side");
        checkThread();
        if (side.isEmpty()) {
            return;
        }
        int group = nextGroup++;
        for (InetSocketAddress a : side) {
            endpoint(Objects.requireNonNull(a, "address")).group = group;
        }
        LOG.debug("partitioned {} addresses into group {} at {} ns", side.size(), group, now);
    }

    /** Restores every link cut by {@link #partition}. Traffic in flight when it was cut stays lost. */
    public void heal() {
        checkThread();
        for (Endpoint ep : endpointOrder) {
            ep.group = 0;
        }
        LOG.debug("healed all partitions at {} ns", now);
    }

    /** True when no partition separates {@code a} from {@code b}. */
    public boolean connected(InetSocketAddress a, InetSocketAddress b) {
        Endpoint ea = endpoints.get(Objects.requireNonNull(a, "a"));
        Endpoint eb = endpoints.get(Objects.requireNonNull(b, "b"));
        return (ea == null ? 0 : ea.group) == (eb == null ? 0 : eb.group);
    }

    /**
     * Crashes the host at {@code address}: its pending timers never run, traffic to it is dropped, requests
     * to it are refused, its own sends are dropped, its outstanding requests never call back. It cannot be
     * resumed, but the address can be bound again to start a new node.
     *
     * @throws IllegalArgumentException when no live host is bound there
     */
    public void crash(InetSocketAddress address) {
        checkThread();
        Host h = liveHost(address);
        h.state = Host.CRASHED;
        h.paused = false;
        h.held = null;
        h.heldDatagrams = 0;
        for (Event.Call c = h.takeCalls(); c != null; c = c.next) {
            c.done = true;
        }
        h.endpoint.host = null;
        h.endpoint.crashed = true;
        LOG.debug("crashed simulated host {} at {} ns", address, now);
    }

    /**
     * Freezes the host at {@code address} (like SIGSTOP or a long GC pause): nothing of it runs until
     * {@link #resume}. Its timers due meanwhile, requests sent to it and up to
     * {@link #PAUSED_DATAGRAM_BUFFER} datagrams are held and run at resume, in the order they came due.
     * Does nothing if it is already paused.
     *
     * @throws IllegalArgumentException when no live host is bound there
     */
    public void pause(InetSocketAddress address) {
        checkThread();
        liveHost(address).paused = true;
        LOG.debug("paused simulated host {} at {} ns", address, now);
    }

    /**
     * Resumes a paused host: what it held is queued at the current instant, in its original order, after
     * the events already queued for this instant. Does nothing if it is not paused.
     *
     * @throws IllegalArgumentException when no live host is bound there
     */
    public void resume(InetSocketAddress address) {
        checkThread();
        Host h = liveHost(address);
        if (!h.paused) {
            return;
        }
        h.paused = false;
        ArrayDeque<Event> held = h.held;
        h.held = null;
        h.heldDatagrams = 0;
        if (held != null) {
            for (Event e : held) {
                if (!e.isCancelled()) {
                    e.redelivered = true;
                    enqueue(e, now);
                }
            }
        }
        LOG.debug("resumed simulated host {} at {} ns ({} held events)", address, now,
                held == null ? 0 : held.size());
    }

    /** True when a live host is bound at {@code address} and paused. */
    public boolean isPaused(InetSocketAddress address) {
        Endpoint ep = endpoints.get(Objects.requireNonNull(address, "address"));
        return ep != null && ep.host != null && ep.host.paused;
    }

    /** True when the last host bound at {@code address} crashed and no new one was bound since. */
    public boolean isCrashed(InetSocketAddress address) {
        Endpoint ep = endpoints.get(Objects.requireNonNull(address, "address"));
        return ep != null && ep.host == null && ep.crashed;
    }

    /** True when a live (possibly paused) host is bound at {@code address}. */
    public boolean isBound(InetSocketAddress address) {
        Endpoint ep = endpoints.get(Objects.requireNonNull(address, "address"));
        return ep != null && ep.host != null;
    }

    // ------------------------------------------------------------------------------------------------------
    // Totals

    /** Events run so far (skipped cancelled events not included). */
    public long eventsRun() {
        return eventsRun;
    }

    /** Events waiting in the queue, including cancelled ones not yet removed. */
    public int pendingEvents() {
        return queue.size();
    }

    /** Datagrams sent by live hosts. */
    public long datagramsSent() {
        return datagramsSent;
    }

    /** Datagrams handed to a receiving node. */
    public long datagramsDelivered() {
        return datagramsDelivered;
    }

    /** Datagrams lost: loss, partitions, absent, crashed, closed or full receivers, oversized, dead senders. */
    public long datagramsDropped() {
        return datagramsDropped;
    }

    /** Requests opened by live hosts. */
    public long requestsSent() {
        return requestsSent;
    }

    @Override
    public String toString() {
        return "SimulatedNetwork{seed=" + seed + ", now=" + now + "ns, events=" + eventsRun + ", pending="
                + queue.size() + ", datagrams sent/delivered/dropped=" + datagramsSent + "/"
                + datagramsDelivered + "/" + datagramsDropped + "}";
    }

    // ------------------------------------------------------------------------------------------------------
    // Host operations (called by Host's scheduler and transport views)

    boolean inSimulationThread() {
        return Thread.currentThread() == simulationThread;
    }

    /** Rejects calls from a foreign thread while a run is in progress (they would corrupt the queue). */
    void checkThread() {
        if (running.get() && Thread.currentThread() != simulationThread) {
            throw new IllegalStateException("simulated network used from thread " + Thread.currentThread().getName()
                    + " while it runs on " + simulationThread.getName()
                    + "; use Scheduler.execute to hand work over");
        }
    }

    Cancellable scheduleTask(Host h, long delayNanos, Runnable task) {
        Objects.requireNonNull(task, "task");
        checkThread();
        Event.Task t = new Event.Task(h, task);
        if (!h.isLive() || closed) {
            t.task = null;
            return t;
        }
        enqueue(t, saturatedAdd(now, Math.max(0, delayNanos)));
        return t;
    }

    void execute(Host h, Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            return;
        }
        if (Thread.currentThread() == simulationThread) {
            if (h.isLive()) {
                enqueue(new Event.Task(h, task), now);
            }
        } else {
            external.add(new Event.Task(h, task));
        }
    }

    void runTask(Event.Task t) {
        Host h = t.owner;
        if (!h.isLive()) {
            return;
        }
        if (h.paused) {
            h.hold(t);
            return;
        }
        Runnable r = t.task;
        t.task = null;
        r.run();
    }

    void noteCancelled() {
        cancelledQueued++;
        if (cancelledQueued >= PURGE_MIN_CANCELLED && cancelledQueued > queue.size() / 2) {
            queue.purgeCancelled();
            cancelledQueued = 0;
        }
    }

    void sendDatagram(Host h, InetSocketAddress to, ByteBuffer datagram) {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(datagram, "datagram");
        checkThread();
        int n = datagram.remaining();
        if (!h.isLive()) {
            datagram.position(datagram.limit());
            datagramsDropped++;
            return;
        }
        if (n > MAX_DATAGRAM_SIZE) {
            datagram.position(datagram.limit());
            h.stats.recordDrop(DropReason.SEND_FAILED);
            datagramsDropped++;
            return;
        }
        byte[] copy = new byte[n];
        datagram.get(copy);
        h.stats.recordSent(n);
        datagramsSent++;
        Endpoint src = h.endpoint;
        Endpoint dst = endpoints.get(to);
        if (dst == null || dst.host == null || dst.group != src.group) {
            datagramsDropped++;
            return;
        }
        double p = lossOf(src, to);
        if (p > 0 && linkRandom.nextDouble() < p) {
            datagramsDropped++;
            return;
        }
        enqueue(new Event.Datagram(src, dst, copy), saturatedAdd(now, latency(src, to)));
    }

    void arriveDatagram(Event.Datagram d) {
        Host h = d.to.host;
        if (h == null || (!d.redelivered && d.from.group != d.to.group)) {
            datagramsDropped++;
            return;
        }
        if (h.paused) {
            if (h.heldDatagrams >= PAUSED_DATAGRAM_BUFFER) {
                datagramsDropped++;
            } else {
                h.heldDatagrams++;
                h.hold(d);
            }
            return;
        }
        if (h.inbound == null) {
            datagramsDropped++;
            return;
        }
        int n = d.data.length;
        h.stats.recordReceived(n);
        if (n > h.options.receiveBufferSize()) {
            h.stats.recordDrop(DropReason.OVERSIZED);
            datagramsDropped++;
            return;
        }
        datagramsDelivered++;
        h.inbound.onDatagram(d.from.address, ByteBuffer.wrap(d.data));
    }

    void request(Host h, InetSocketAddress to, ByteBuffer request, long timeoutNanos, Transport.Reply reply) {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(reply, "reply");
        checkThread();
        byte[] copy = new byte[request.remaining()];
        request.get(copy);
        if (!h.isLive()) {
            if (h.state == Host.CLOSED && !closed) {
                Event.Call c = new Event.Call(h, to, timeoutNanos, reply);
                enqueue(new Event.Failure(c, new IOException("transport at " + h.endpoint.address
                        + " is closed"), true), now);
            }
            return; // a crashed process gets no callbacks
        }
        h.stats.recordStreamOpened();
        requestsSent++;
        Event.Call c = new Event.Call(h, to, timeoutNanos, reply);
        h.addCall(c);
        enqueue(c, saturatedAdd(now, Math.max(0, timeoutNanos)));
        Endpoint src = h.endpoint;
        Endpoint dst = endpoints.get(to);
        if (dst != null && dst.group != src.group) {
            return; // the connection attempt is lost: the requester times out
        }
        if (lossOf(src, to) >= 1.0 || (dst != null && lossOf(dst, src.address) >= 1.0)) {
            return; // a link that drops every packet, either way, carries no connection: the requester times out
        }
        long lat = latency(src, to);
        Host dh = dst == null ? null : dst.host;
        if (dh == null) {
            enqueue(new Event.Failure(c, new ConnectException("Connection refused: " + to), false),
                    saturatedAdd(now, lat));
        } else {
            enqueue(new Event.Request(c, dh, copy), saturatedAdd(now, lat));
        }
    }

    void arriveRequest(Event.Request r) {
        Event.Call c = r.call;
        Host dest = r.dest;
        Endpoint src = c.requester.endpoint;
        if (!r.redelivered && src.group != dest.endpoint.group) {
            return; // lost in a partition: the requester times out
        }
        if (!dest.isLive() || dest.inbound == null) {
            failBack(c, dest, new ConnectException("Connection refused: " + dest.endpoint.address));
            return;
        }
        if (dest.paused) {
            dest.hold(r);
            return;
        }
        dest.stats.recordStreamAccepted();
        if (r.data.length > dest.options.maxFrameSize()) {
            dest.stats.recordDrop(DropReason.OVERSIZED);
            failBack(c, dest, new IOException("request of " + r.data.length + " bytes exceeds the max frame size "
                    + dest.options.maxFrameSize() + " of " + dest.endpoint.address));
            return;
        }
        ByteBuffer answer = dest.inbound.onRequest(src.address, ByteBuffer.wrap(r.data));
        if (answer == null) {
            failBack(c, dest, new EOFException("stream closed by " + dest.endpoint.address + " without a reply"));
            return;
        }
        byte[] out = new byte[answer.remaining()];
        answer.duplicate().get(out);
        enqueue(new Event.Response(c, dest, out), saturatedAdd(now, latency(dest.endpoint, src.address)));
    }

    private void failBack(Event.Call c, Host from, Exception cause) {
        enqueue(new Event.Failure(c, cause, false),
                saturatedAdd(now, latency(from.endpoint, c.requester.endpoint.address)));
    }

    void arriveResponse(Event.Response r) {
        Event.Call c = r.call;
        Host h = c.requester;
        if (c.done || !h.isLive()) {
            return;
        }
        if (!r.redelivered && (r.responder.state == Host.CRASHED
                || r.responder.endpoint.group != h.endpoint.group)) {
            return; // lost with a crashed responder or in a partition: the requester times out
        }
        if (h.paused) {
            h.hold(r);
            return;
        }
        complete(c, false);
        if (r.data.length > h.options.maxFrameSize()) {
            h.stats.recordDrop(DropReason.OVERSIZED);
            c.reply.onFailure(new IOException("reply of " + r.data.length + " bytes exceeds the max frame size "
                    + h.options.maxFrameSize() + " of " + h.endpoint.address));
            return;
        }
        c.reply.onReply(ByteBuffer.wrap(r.data));
    }

    void arriveFailure(Event.Failure f) {
        Event.Call c = f.call;
        Host h = c.requester;
        if (c.done) {
            return;
        }
        if (!f.force) {
            if (!h.isLive()) {
                return;
            }
            if (h.paused) {
                h.hold(f);
                return;
            }
        }
        complete(c, false);
        c.reply.onFailure(f.cause);
    }

    void timeOut(Event.Call c) {
        Host h = c.requester;
        if (!h.isLive()) {
            return;
        }
        if (h.paused) {
            h.hold(c);
            return;
        }
        complete(c, true);
        c.reply.onFailure(new TimeoutException("no reply from " + c.target + " within " + c.timeoutNanos + " ns"));
    }

    private void complete(Event.Call c, boolean byTimeout) {
        c.done = true;
        c.requester.removeCall(c);
        if (!byTimeout) {
            noteCancelled(); // its timeout event is now dead weight in the queue
        }
    }

    void closeHost(Host h) {
        checkThread();
        if (!h.isLive()) {
            return;
        }
        h.state = Host.CLOSED;
        h.paused = false;
        h.held = null;
        h.heldDatagrams = 0;
        if (h.endpoint.host == h) {
            h.endpoint.host = null;
        }
        h.endpoint.crashed = false;
        Event.Call c = h.takeCalls();
        while (c != null) {
            Event.Call next = c.next;
            c.prev = null;
            c.next = null;
            enqueue(new Event.Failure(c, new IOException("transport at " + h.endpoint.address + " closed"), true),
                    now);
            c = next;
        }
        LOG.debug("closed simulated host {} at {} ns", h.endpoint.address, now);
    }

    // ------------------------------------------------------------------------------------------------------
    // Internals

    private void enqueue(Event e, long time) {
        e.time = time;
        e.seq = nextSeq++;
        queue.add(e);
    }

    private Endpoint endpoint(InetSocketAddress address) {
        Endpoint ep = endpoints.get(address);
        if (ep == null) {
            ep = new Endpoint(address);
            endpoints.put(address, ep);
            endpointOrder.add(ep);
        }
        return ep;
    }

    private Host liveHost(InetSocketAddress address) {
        Endpoint ep = endpoints.get(Objects.requireNonNull(address, "address"));
        if (ep == null || ep.host == null) {
            throw new IllegalArgumentException("no live simulated host at " + address);
        }
        return ep.host;
    }

    private InetSocketAddress ephemeral(InetSocketAddress address) throws BindException {
        for (int tries = LAST_PORT - FIRST_EPHEMERAL_PORT + 1; tries > 0; tries--) {
            int port = nextEphemeralPort;
            nextEphemeralPort = port == LAST_PORT ? FIRST_EPHEMERAL_PORT : port + 1;
            InetSocketAddress candidate = address.isUnresolved()
                    ? InetSocketAddress.createUnresolved(address.getHostString(), port)
                    : new InetSocketAddress(address.getAddress(), port);
            Endpoint ep = endpoints.get(candidate);
            if (ep == null || ep.host == null) {
                return candidate;
            }
        }
        throw new BindException("no free ephemeral port at " + address.getHostString());
    }

    private long latency(Endpoint from, InetSocketAddress to) {
        long min = minLatency;
        long max = maxLatency;
        Endpoint.Link link = from.link(to);
        if (link != null && link.minLatency >= 0) {
            min = link.minLatency;
            max = link.maxLatency;
        }
        if (max <= min) {
            return min;
        }
        long span = max - min;
        long d = (long) (linkRandom.nextDouble() * ((double) span + 1));
        return min + Math.min(d, span);
    }

    private double lossOf(Endpoint from, InetSocketAddress to) {
        Endpoint.Link link = from.link(to);
        return link != null && link.loss >= 0 ? link.loss : loss;
    }

    private static long[] latencyBounds(Duration min, Duration max) {
        long lo = nonNegativeNanos(min, "min");
        long hi = nonNegativeNanos(max, "max");
        if (hi < lo) {
            throw new IllegalArgumentException("max latency " + max + " is below min latency " + min);
        }
        return new long[] {lo, hi};
    }

    private static long nonNegativeNanos(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static void checkProbability(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1], was " + p);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** SplitMix64 of the seed and a stream index: well-spread, independent seeds for derived generators. */
    private static long mix(long seed, long index) {
        long z = seed + index * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
