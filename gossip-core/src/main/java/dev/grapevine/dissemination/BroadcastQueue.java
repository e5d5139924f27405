package dev.grapevine.dissemination;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * Messages waiting to be gossiped, each sent a limited number of times (infection-style dissemination).
 *
 * <p>Every gossip round and every probe or ack takes the messages that have been sent the fewest times
 * first, newest first among equals, as many as fit in the packet. A message is dropped once sent
 * {@link #retransmitLimit} times: {@code retransmitMult * ceil(log10(N + 1))} sends reach every member with
 * high probability. A newer message about the same subject (a member's name) replaces the older one, so
 * the queue holds at most one message per member plus unkeyed ones, and never grows past {@code capacity}:
 * when full, the most-sent oldest messages are evicted (they have had the most chances already).
 */
public final class BroadcastQueue {

    /** Least sent first, then newest (highest id) first. */
    private static final Comparator<Item> ORDER =
            Comparator.<Item>comparingInt(i -> i.transmits).thenComparing(i -> -i.id);

    /** Consecutive messages too large for what is left of the packet before a take gives up. */
    private static final int MAX_MISSES = 32;
    /** Keyed messages beyond which an emptied key index is replaced rather than kept at its peak size. */
    private static final int SHRINK_ABOVE = 64;

    private final TreeSet<Item> queue = new TreeSet<>(ORDER);
    /** Never iterated (lookups only), so replacing it changes nothing but its footprint. */
    private Map<String, Item> byKey = new HashMap<>();
    /** The most keyed messages held since {@link #byKey} was last replaced. */
    private int keyedPeak;
    private final int capacity;
    private long nextId;

    /** Creates a queue holding at most {@code capacity} messages. */
    public BroadcastQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * Queues {@code frame}. A pending message with the same non-null {@code key} is dropped (its
     * {@code onDone} runs). {@code onDone}, if not null, runs once the message leaves the queue: sent out
     * fully, replaced, or evicted.
     */
    public void add(String key, byte[] frame, Runnable onDone) {
        if (key != null) {
            Item old = byKey.remove(key);
            if (old != null) {
                queue.remove(old);
                old.finish();
            }
        }
        Item item = new Item(key, frame, nextId++, onDone);
        queue.add(item);
        if (key != null) {
            byKey.put(key, item);
            keyedPeak = Math.max(keyedPeak, byKey.size());
        }
        while (queue.size() > capacity) {
            Item evicted = queue.pollLast();
            forget(evicted);
        }
    }

    /**
     * Takes messages for one packet: least sent and newest first, as many as fit in {@code budget} bytes
     * where each costs its length plus {@code overhead.applyAsInt(length)}, at most {@code maxCount}. Each
     * taken message counts one send; those sent {@code limit} times leave the queue.
     */
    public List<byte[]> take(int budget, int maxCount, int limit, ToIntFunction<Integer> overhead) {
        if (queue.isEmpty() || maxCount <= 0) {
            return List.of();
        }
        List<Item> taken = new ArrayList<>();
        int remaining = budget;
        int misses = 0;
        for (Item item : queue) {
            int cost = item.frame.length + overhead.applyAsInt(item.frame.length);
            if (cost <= remaining) {
                taken.add(item);
                remaining -= cost;
                misses = 0;
                if (taken.size() >= maxCount || remaining <= 2) {
                    break;
                }
            } else if (++misses >= MAX_MISSES) {
                // The packet is nearly full: stop rather than scan a long queue for a frame small enough.
                break;
            }
        }
        List<byte[]> frames = new ArrayList<>(taken.size());
        for (Item item : taken) {
            frames.add(item.frame);
            queue.remove(item);
            item.transmits++;
            if (item.transmits >= limit) {
                forget(item);
            } else {
                queue.add(item);
            }
        }
        return frames;
    }

    /** Messages pending. */
    public int size() {
        return queue.size();
    }

    /** True when nothing waits. */
    public boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Drops everything (each {@code onDone} runs). */
    public void clear() {
        for (Item item : new ArrayList<>(queue)) {
            forget(item);
        }
        queue.clear();
        releaseKeyIndex();
    }

    /** How many times a message is sent in a cluster of {@code n}: {@code mult * ceil(log10(n + 1))}. */
    public static int retransmitLimit(int retransmitMult, int n) {
        int scale = (int) Math.ceil(Math.log10(n + 1.0));
        return retransmitMult * Math.max(1, scale);
    }

    private void forget(Item item) {
        if (item.key != null && byKey.get(item.key) == item) {
            byKey.remove(item.key);
            releaseKeyIndex();
        }
        item.finish();
    }

    /**
     * A hash map keeps the table of its largest size: after a burst (a node joining a cluster of 10,000
     * queues an announcement of each member) an idle queue would hold a table of tens of thousands of
     * empty slots for good. Once the burst is over, start again small.
     */
    private void releaseKeyIndex() {
        if (byKey.isEmpty() && keyedPeak > SHRINK_ABOVE) {
            byKey = new HashMap<>();
            keyedPeak = 0;
        }
    }

    private static final class Item {
        final String key;
        final byte[] frame;
        final long id;
        Runnable onDone;
        int transmits;

        Item(String key, byte[] frame, long id, Runnable onDone) {
            this.key = key;
            this.frame = frame;
            this.id = id;
            this.onDone = onDone;
        }

        void finish() {
            Runnable r = onDone;
            onDone = null;
            if (r != null) {
                r.run();
            }
        }
    }
}
