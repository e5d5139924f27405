package dev.grapevine.events;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The recent-user-event buffer Serf uses to deliver each user event once although gossip delivers it many
 * times (Serf's {@code eventBuffer}).
 *
 * <p>User events carry no id: an event is its Lamport time, name and payload. The buffer is a ring of
 * {@code size} slots indexed by {@code ltime % size}; a slot remembers the one Lamport time it currently
 * stands for and every distinct (name, payload) seen at that time (several nodes may send different events
 * at the same Lamport time). Memory is therefore bounded by the ring, not by how long the node has run, at
 * the price of forgetting: an event older than the window cannot be told apart from a new one, so it is
 * refused ({@link Outcome#TOO_OLD}) rather than risk delivering it twice. {@link #recent()} is what a
 * push-pull exchange carries, so that a node that missed a broadcast still gets the recent events.
 *
 * <p><b>Per-slot cap.</b> A slot keeps at most {@code maxPerSlot} events (64 by default); a further distinct
 * event at the same time evicts the oldest one in the slot. The risk: if more than {@code maxPerSlot}
 * distinct events share one Lamport time (that many nodes sending within one clock tick, or a hostile
 * sender) and an evicted one arrives again, it is reported {@link Outcome#NEW} and delivered twice. Events
 * are at-least-once in Serf anyway; the cap is what keeps a flood at one Lamport time from growing a slot
 * without bound. Names and payloads are kept as given, so their size must be bounded by the caller (Serf
 * caps a user event at 512 bytes by default).
 *
 * <p>Not thread-safe: owned by the protocol thread.
 */
public final class EventBuffer {

    /** Serf's default {@code EventBuffer} size. */
    public static final int DEFAULT_SIZE = 512;
    /** Default most events kept at one Lamport time. */
    public static final int DEFAULT_MAX_PER_SLOT = 64;

    /** Outcome of offering an event. */
    public enum Outcome {
        /** Not seen before: deliver it (and pass it on). */
        NEW,
        /** Already seen at this Lamport time: drop it. */
        DUPLICATE,
        /** Older than the buffer remembers: whether it was seen is unknown, so drop it. */
        TOO_OLD
    }

    /**
     * One buffered event. Equality and hash are by content, the payload compared byte by byte. Immutable: the
     * payload is copied in and out, so neither the caller nor a receiver of {@link #recent()} can change what
     * the buffer compares against.
     */
    public record Entry(long ltime, String name, byte[] payload) {

        /** Checks and copies. */
        public Entry {
            if (ltime < 0) {
                throw new IllegalArgumentException("Lamport time must be non-negative: " + ltime);
            }
            Objects.requireNonNull(name, "name");
            payload = Objects.requireNonNull(payload, "payload").clone();
        }

        /** A copy of the payload. */
        @Override
        public byte[] payload() {
            return payload.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && ltime == e.ltime && name.equals(e.name) && Arrays.equals(payload, e.payload);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * Long.hashCode(ltime) + name.hashCode()) + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "Entry[ltime=" + ltime + ", name=" + name + ", payload=" + payload.length + " bytes]";
        }

        /** Same event as ({@code n}, {@code p}), ignoring the time (the slot already matched it). */
        private boolean sameEvent(String n, byte[] p) {
            return name.equals(n) && Arrays.equals(payload, p);
        }
    }

    /** The events seen at one Lamport time, oldest first. */
    private static final class Slot {
        final long ltime;
        final List<Entry> events = new ArrayList<>(1);

        Slot(long ltime) {
            this.ltime = ltime;
        }
    }

    private final Slot[] slots;
    private final int maxPerSlot;
    /**
     * The largest clock passed to {@link #offer}: {@link #recent()} leaves out slots that {@code offer} would
     * now call too old, so a push-pull never ships an event its receiver should refuse anyway.
     */
    private long highestClock;

    /** A buffer of {@code size} Lamport times, at most {@value #DEFAULT_MAX_PER_SLOT} events each. */
    public EventBuffer(int size) {
        this(size, DEFAULT_MAX_PER_SLOT);
    }

    /**
     * A buffer of {@code size} Lamport times, at most {@code maxPerSlot} events each.
     *
     * @throws IllegalArgumentException if either is less than 1
     */
    public EventBuffer(int size, int maxPerSlot) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1: " + size);
        }
        if (maxPerSlot < 1) {
            throw new IllegalArgumentException("maxPerSlot must be at least 1: " + maxPerSlot);
        }
        this.slots = new Slot[size];
        this.maxPerSlot = maxPerSlot;
    }

    /** Number of Lamport times the buffer spans. */
    public int size() {
        return slots.length;
    }

    /**
     * Records the event unless it was seen already or is too old to tell (Serf's {@code handleUserEvent}
     * checks, in the same order).
     *
     * <p>{@code currentClock} is the node's event clock after witnessing {@code ltime}, as Serf does. The event
     * is {@link Outcome#TOO_OLD} when {@code currentClock > size && ltime < currentClock - size}, and also when
     * its slot already stands for a newer Lamport time: the slot has moved past it, so whether it was seen is
     * unknown (this second rule only matters if the caller passed a clock that had not witnessed the newer
     * time; it keeps a late old event from wiping a newer slot and so re-admitting its events).
     *
     * @param payload compared by content and copied; the caller may reuse the array
     * @throws IllegalArgumentException if {@code ltime} is negative
     */
    public Outcome offer(long ltime, String name, byte[] payload, long currentClock) {
        if (ltime < 0) {
            throw new IllegalArgumentException("Lamport time must be non-negative: " + ltime);
        }
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(payload, "payload");
        highestClock = Math.max(highestClock, currentClock);
        if (tooOld(ltime, currentClock)) {
            return Outcome.TOO_OLD;
        }
        int idx = (int) (ltime % slots.length);
        Slot slot = slots[idx];
        if (slot != null && slot.ltime > ltime) {
            return Outcome.TOO_OLD;
        }
        if (slot == null || slot.ltime != ltime) {
            // The slot held an older time (or nothing): that time has left the window, reuse the slot.
            slot = new Slot(ltime);
            slots[idx] = slot;
        } else {
            for (Entry e : slot.events) {
                if (e.sameEvent(name, payload)) {
                    return Outcome.DUPLICATE;
                }
            }
            if (slot.events.size() >= maxPerSlot) {
                slot.events.remove(0);     // see the class javadoc for the risk this takes
            }
        }
        slot.events.add(new Entry(ltime, name, payload));
        return Outcome.NEW;
    }

    /**
     * Every event still in the buffer, oldest Lamport time first and, within one time, in the order first
     * seen. Slots overwritten by a newer time, and times that {@link #offer} would now call too old given the
     * largest clock it was passed, are left out. A new list each call.
     */
    public List<Entry> recent() {
        List<Slot> live = new ArrayList<>();
        for (Slot s : slots) {
            if (s != null && !tooOld(s.ltime, highestClock)) {
                live.add(s);
            }
        }
        live.sort(Comparator.comparingLong(s -> s.ltime));
        List<Entry> out = new ArrayList<>();
        for (Slot s : live) {
            out.addAll(s.events);
        }
        return out;
    }

    private boolean tooOld(long ltime, long currentClock) {
        return currentClock > slots.length && ltime < currentClock - slots.length;
    }
}
