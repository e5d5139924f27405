package dev.grapevine.sim;

import dev.grapevine.GossipRuntime;
import dev.grapevine.Stats;
import dev.grapevine.time.Cancellable;
import dev.grapevine.time.Scheduler;
import dev.grapevine.transport.Transport;
import dev.grapevine.transport.TransportOptions;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * One simulated process bound at an address: its state (live, paused, crashed, closed), the events it held
 * while paused, its outstanding requests, and the {@link Scheduler} and {@link Transport} views handed to
 * the node. All behaviour is delegated to the {@link SimulatedNetwork}; only the simulation thread touches
 * the fields.
 */
final class Host implements GossipRuntime.Binding {

    static final int LIVE = 0;
    static final int CRASHED = 1;
    static final int CLOSED = 2;

    final SimulatedNetwork net;
    final Endpoint endpoint;
    final TransportOptions options;
    final Stats stats;
    private final Scheduler scheduler = new HostScheduler();
    private final Transport transport = new HostTransport();

    int state = LIVE;
    boolean paused;
    /** Events due while paused, in the order they came due; null when none. */
    ArrayDeque<Event> held;
    /** How many of {@link #held} are datagrams (bounded like a socket receive buffer). */
    int heldDatagrams;
    Transport.Inbound inbound;
    /** Outstanding requests, oldest first (intrusive list: O(1) add and remove, deterministic order). */
    private Event.Call firstCall;
    private Event.Call lastCall;

    Host(SimulatedNetwork net, Endpoint endpoint, TransportOptions options, Stats stats) {
        this.net = net;
        this.endpoint = endpoint;
        this.options = options;
        this.stats = stats;
    }

    @Override
    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public Transport transport() {
        return transport;
    }

    boolean isLive() {
        return state == LIVE;
    }

    /** Keeps {@code e} until the host resumes. */
    void hold(Event e) {
        if (held == null) {
            held = new ArrayDeque<>();
        }
        held.add(e);
    }

    void addCall(Event.Call c) {
        c.prev = lastCall;
        if (lastCall == null) {
            firstCall = c;
        } else {
            lastCall.next = c;
        }
        lastCall = c;
    }

    void removeCall(Event.Call c) {
        if (c.prev == null) {
            if (firstCall != c) {
                return; // not listed (already removed)
            }
            firstCall = c.next;
        } else {
            c.prev.next = c.next;
        }
        if (c.next == null) {
            lastCall = c.prev;
        } else {
            c.next.prev = c.prev;
        }
        c.prev = null;
        c.next = null;
    }

    /** Unlinks and returns the outstanding calls (oldest first, chained by {@code next}). */
    Event.Call takeCalls() {
        Event.Call head = firstCall;
        firstCall = null;
        lastCall = null;
        return head;
    }

    @Override
    public String toString() {
        return "Host{" + endpoint.address + (state == CRASHED ? ", crashed" : state == CLOSED ? ", closed" : "")
                + (paused ? ", paused" : "") + "}";
    }

    /** The host's protocol thread: virtual time on the simulation thread. */
    private final class HostScheduler implements Scheduler {

        @Override
        public long nanoTime() {
            return net.now();
        }

        @Override
        public Cancellable schedule(long delayNanos, Runnable task) {
            return net.scheduleTask(Host.this, delayNanos, task);
        }

        @Override
        public void execute(Runnable task) {
            net.execute(Host.this, task);
        }

        @Override
        public boolean inProtocolThread() {
            return net.inSimulationThread();
        }

        @Override
        public String toString() {
            return "SimScheduler{" + endpoint.address + "}";
        }
    }

    /** The host's sockets: the simulated network. */
    private final class HostTransport implements Transport {

        @Override
        public InetSocketAddress boundAddress() {
            return endpoint.address;
        }

        @Override
        public void start(Inbound in) {
            Objects.requireNonNull(in, "inbound");
            net.checkThread();
            if (inbound != null) {
                throw new IllegalStateException("transport at " + endpoint.address + " already started");
            }
            inbound = in;
        }

        @Override
        public void sendDatagram(InetSocketAddress to, ByteBuffer datagram) {
            net.sendDatagram(Host.this, to, datagram);
        }

        @Override
        public void request(InetSocketAddress to, ByteBuffer request, long timeoutNanos, Reply reply) {
            net.request(Host.this, to, request, timeoutNanos, reply);
        }

        @Override
        public int maxFrameSize() {
            return options.maxFrameSize();
        }

        @Override
        public void close() {
            net.closeHost(Host.this);
        }

        @Override
        public String toString() {
            return "SimTransport{" + endpoint.address + "}";
        }
    }
}
