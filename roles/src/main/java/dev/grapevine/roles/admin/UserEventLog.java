package dev.grapevine.roles.admin;

import dev.grapevine.ClusterEvent;
import dev.grapevine.ClusterListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The last user events a node received, in a bounded ring: when full, each new event pushes out the oldest.
 * Thread-safe. It is a {@link ClusterListener}: pass it to {@code GossipNode.Builder.listener} to record events
 * from the node's very start, or let {@link AdminServer} make and attach one (it then records from the moment
 * the server starts).
 */
public final class UserEventLog implements ClusterListener {

    private static final Logger LOG = LoggerFactory.getLogger(UserEventLog.class);

    /** The default number of events kept. */
    public static final int DEFAULT_CAPACITY = 256;

    private final int capacity;
    private final Clock clock;
    private final ArrayDeque<ReceivedEvent> ring;
    private final List<Consumer<ReceivedEvent>> listeners = new CopyOnWriteArrayList<>();
    /** Events received in all, pushed out ones included; guarded by {@code ring}. */
    private long total;

    /** A log of the last {@value #DEFAULT_CAPACITY} events, stamped with the system clock. */
    public UserEventLog() {
        this(DEFAULT_CAPACITY, Clock.systemUTC());
    }

    /**
     * A log of the last {@code capacity} events.
     *
     * @param capacity how many events to keep, at least 1
     * @param clock    stamps each event's {@link ReceivedEvent#received()} time
     * @throws IllegalArgumentException when {@code capacity} is below 1
     */
    public UserEventLog(int capacity, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.capacity = capacity;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ring = new ArrayDeque<>(Math.min(capacity, 1024));
    }

    /** Records user events; other cluster events are ignored. */
    @Override
    public void onEvent(ClusterEvent event) {
        if (event instanceof ClusterEvent.UserEvent e) {
            record(new ReceivedEvent(e.name(), e.ltime(), e.payload(), clock.instant()));
        }
    }

    /** Records one event, pushing out the oldest when the log is full, then tells the listeners. */
    public void record(ReceivedEvent event) {
        Objects.requireNonNull(event, "event");
        synchronized (ring) {
            if (ring.size() == capacity) {
                ring.removeFirst();
            }
            ring.addLast(event);
            total++;
        }
        for (Consumer<ReceivedEvent> listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException x) {
                LOG.warn("user event log listener failed", x);
            }
        }
    }

    /** The events kept, oldest first and newest last. */
    public List<ReceivedEvent> events() {
        synchronized (ring) {
            return List.copyOf(ring);
        }
    }

    /** How many events were recorded in all, including those since pushed out of the ring. */
    public long total() {
        synchronized (ring) {
            return total;
        }
    }

    /** How many events the ring keeps. */
    public int capacity() {
        return capacity;
    }

    /**
     * Adds a listener called with each event after it is recorded, on the recording thread (the node's listener
     * thread): keep it short. An exception is logged and does not stop the other listeners.
     */
    public void addListener(Consumer<ReceivedEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added by {@link #addListener}. */
    public void removeListener(Consumer<ReceivedEvent> listener) {
        listeners.remove(listener);
    }
}
