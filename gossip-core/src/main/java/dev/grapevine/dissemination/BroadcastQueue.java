package dev.grapevine.dissemination;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 *
 * <p>Compact on purpose: a node that joins a large cluster queues an announcement of every member it learns,
 * and a simulation runs thousands of nodes in one JVM, so each message costs one small object. The messages
 * themselves are the nodes of the two structures that find them: a treap in the order above (its heap
 * priorities a fixed mix of the message's sequence number, so the shape, like the order, depends on nothing
 * random) and a chained hash table by key. Single-threaded (the protocol thread).
 */
public final class BroadcastQueue {

    /** Consecutive messages too large for what is left of the packet before a take gives up. */
    private static final int MAX_MISSES = 32;
    /** Key-table slots a queue starts with, and returns to once a burst has drained. */
    private static final int MIN_KEY_SLOTS = 16;

    private final int capacity;
    /** Root of the treap of every message, least sent and newest first. */
    private Item root;
    private int size;
    /** Keyed messages by key: chains through {@link Item#nextWithKey}; a power-of-two length. */
    private Item[] keyTable = new Item[MIN_KEY_SLOTS];
    private int keyed;
    private long nextId;
    /** Reused by in-order walks: the path of left turns still to visit. */
    private Item[] stack = new Item[64];

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
            Item old = removeKey(key);
            if (old != null) {
                root = remove(root, old);
                size--;
                old.finish();
            }
        }
        Item item = new Item(key, frame, nextId++, onDone);
        root = insert(root, item);
        size++;
        if (key != null) {
            putKey(item);
        }
        while (size > capacity) {
            Item evicted = last();
            root = remove(root, evicted);
            size--;
            forget(evicted);
        }
    }

    /**
     * Takes messages for one packet: least sent and newest first, as many as fit in {@code budget} bytes
     * where each costs its length plus {@code overhead.applyAsInt(length)}, at most {@code maxCount}. Each
     * taken message counts one send; those sent {@code limit} times leave the queue.
     */
    public List<byte[]> take(int budget, int maxCount, int limit, ToIntFunction<Integer> overhead) {
        if (root == null || maxCount <= 0) {
            return List.of();
        }
        List<Item> taken = new ArrayList<>(Math.min(maxCount, Math.min(size, 64)));
        int remaining = budget;
        int misses = 0;
        // In-order walk: descend left, visit, then the right subtree.
        int depth = 0;
        Item at = root;
        walk:
        while (at != null || depth > 0) {
            while (at != null) {
                push(depth++, at);
                at = at.left;
            }
            Item item = stack[--depth];
            stack[depth] = null;
            int cost = item.frame.length + overhead.applyAsInt(item.frame.length);
            if (cost <= remaining) {
                taken.add(item);
                remaining -= cost;
                misses = 0;
                if (taken.size() >= maxCount || remaining <= 2) {
                    break walk;
                }
            } else if (++misses >= MAX_MISSES) {
                // The packet is nearly full: stop rather than scan a long queue for a frame small enough.
                break walk;
            }
            at = item.right;
        }
        Arrays.fill(stack, 0, depth, null);
        List<byte[]> frames = new ArrayList<>(taken.size());
        for (Item item : taken) {
            frames.add(item.frame);
            root = remove(root, item);
            item.transmits++;
            if (item.transmits >= limit) {
                size--;
                forget(item);
            } else {
                root = insert(root, item);
            }
        }
        return frames;
    }

    /** Messages pending. */
    public int size() {
        return size;
    }

    /** True when nothing waits. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** Drops everything (each {@code onDone} runs, in queue order). */
    public void clear() {
        List<Item> all = new ArrayList<>(size);
        collect(root, all);
        root = null;
        size = 0;
        for (Item item : all) {
            forget(item);
        }
    }

    /** How many times a message is sent in a cluster of {@code n}: {@code mult * ceil(log10(n + 1))}. */
    public static int retransmitLimit(int retransmitMult, int n) {
        int scale = (int) Math.ceil(Math.log10(n + 1.0));
        return retransmitMult * Math.max(1, scale);
    }

    /** Removes a message that left the queue from the key table (if it is still there) and completes it. */
    private void forget(Item item) {
        if (item.key != null) {
            removeKeyed(item);
        }
        item.finish();
    }

    // ------------------------------------------------------------------------------------------------
    // The treap, ordered by (transmits ascending, id descending); ids are unique, so the order is total.

    private static boolean before(Item a, Item b) {
        return a.transmits != b.transmits ? a.transmits < b.transmits : a.id > b.id;
    }

    /** Heap priority: a fixed mix of the id (a treap wants priorities that look random to its keys). */
    private static long priority(Item i) {
        long z = i.id + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static Item insert(Item t, Item x) {
        x.left = null;
        x.right = null;
        return insertAt(t, x, priority(x));
    }

    private static Item insertAt(Item t, Item x, long px) {
        if (t == null) {
            return x;
        }
        // Rotate x up past t when it came to rest just below it with the higher priority.
        if (before(x, t)) {
            t.left = insertAt(t.left, x, px);
            return t.left == x && px > priority(t) ? rotateRight(t) : t;
        }
        t.right = insertAt(t.right, x, px);
        return t.right == x && px > priority(t) ? rotateLeft(t) : t;
    }

    /** Lifts t's left child into t's place. */
    private static Item rotateRight(Item t) {
        Item l = t.left;
        t.left = l.right;
        l.right = t;
        return l;
    }

    /** Lifts t's right child into t's place. */
    private static Item rotateLeft(Item t) {
        Item r = t.right;
        t.right = r.left;
        r.left = t;
        return r;
    }

    /** Removes {@code x}, which is in the tree rooted at {@code t}; returns the new root. */
    private static Item remove(Item t, Item x) {
        if (t == x) {
            Item joined = join(t.left, t.right);
            x.left = null;
            x.right = null;
            return joined;
        }
        if (before(x, t)) {
            t.left = remove(t.left, x);
        } else {
            t.right = remove(t.right, x);
        }
        return t;
    }

    /** Joins two treaps where everything in {@code a} comes before everything in {@code b}. */
    private static Item join(Item a, Item b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (priority(a) > priority(b)) {
            a.right = join(a.right, b);
            return a;
        }
        b.left = join(a, b.left);
        return b;
    }

    /** The message that comes last (most sent, then oldest). */
    private Item last() {
        Item t = root;
        while (t.right != null) {
            t = t.right;
        }
        return t;
    }

    private void push(int depth, Item item) {
        if (depth == stack.length) {
            stack = Arrays.copyOf(stack, depth * 2);
        }
        stack[depth] = item;
    }

    private static void collect(Item t, List<Item> out) {
        // Recursion depth is the treap's height: logarithmic in the size, with these priorities.
        if (t != null) {
            collect(t.left, out);
            out.add(t);
            collect(t.right, out);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // The key table: chained by Item.nextWithKey.

    private int slot(String key) {
        int h = key.hashCode();
        return (h ^ (h >>> 16)) & (keyTable.length - 1);
    }

    private void putKey(Item item) {
        int i = slot(item.key);
        item.nextWithKey = keyTable[i];
        keyTable[i] = item;
        if (++keyed > keyTable.length - (keyTable.length >>> 2)) {
            resizeKeys(keyTable.length * 2);
        }
    }

    /** Removes and returns the message with {@code key}, or null. */
    private Item removeKey(String key) {
        int i = slot(key);
        Item prev = null;
        for (Item e = keyTable[i]; e != null; prev = e, e = e.nextWithKey) {
            if (e.key.equals(key)) {
                unlink(i, prev, e);
                return e;
            }
        }
        return null;
    }

    /** Removes {@code item} itself from the key table, if it is there (a replaced message no longer is). */
    private void removeKeyed(Item item) {
        int i = slot(item.key);
        Item prev = null;
        for (Item e = keyTable[i]; e != null; prev = e, e = e.nextWithKey) {
            if (e == item) {
                unlink(i, prev, e);
                return;
            }
        }
    }

    private void unlink(int slot, Item prev, Item e) {
        if (prev == null) {
            keyTable[slot] = e.nextWithKey;
        } else {
            prev.nextWithKey = e.nextWithKey;
        }
        e.nextWithKey = null;
        if (--keyed == 0 && keyTable.length > MIN_KEY_SLOTS) {
            // A burst is over (a join into a large cluster queues an announcement per member): start small
            // again rather than keep its table for good.
            keyTable = new Item[MIN_KEY_SLOTS];
        }
    }

    private void resizeKeys(int slots) {
        Item[] old = keyTable;
        keyTable = new Item[slots];
        for (Item head : old) {
            for (Item e = head; e != null; ) {
                Item next = e.nextWithKey;
                int i = slot(e.key);
                e.nextWithKey = keyTable[i];
                keyTable[i] = e;
                e = next;
            }
        }
    }

    /** One pending message, and its links in the treap and the key table. */
    private static final class Item {
        final String key;
        final byte[] frame;
        final long id;
        Runnable onDone;
        int transmits;
        Item left;
        Item right;
        Item nextWithKey;

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
