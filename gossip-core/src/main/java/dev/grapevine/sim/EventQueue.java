package dev.grapevine.sim;

import java.util.Arrays;

/**
 * The simulation's priority queue: a 4-ary min-heap of events ordered by (time, sequence).
 *
 * <p>The keys live in primitive arrays next to the event references, so sifting compares longs in
 * contiguous memory instead of chasing an object per comparison (several times faster than
 * {@link java.util.PriorityQueue} with thousands of hosts). The order is total (sequences are unique), so
 * the pop order is fully determined by the keys.
 */
final class EventQueue {

    private long[] times;
    private long[] seqs;
    private Event[] events;
    private int size;

    EventQueue(int initialCapacity) {
        int cap = Math.max(16, initialCapacity);
        times = new long[cap];
        seqs = new long[cap];
        events = new Event[cap];
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Adds {@code e} with the time and sequence it carries. */
    void add(Event e) {
        if (size == events.length) {
            int cap = events.length * 2;
            times = Arrays.copyOf(times, cap);
            seqs = Arrays.copyOf(seqs, cap);
            events = Arrays.copyOf(events, cap);
        }
        siftUp(size++, e.time, e.seq, e);
    }

    /** The time of the earliest event; only valid when not empty. */
    long peekTime() {
        return times[0];
    }

    /** Removes and returns the earliest event, or null when empty. */
    Event poll() {
        if (size == 0) {
            return null;
        }
        Event first = events[0];
        int last = --size;
        Event moved = events[last];
        long t = times[last];
        long s = seqs[last];
        events[last] = null;
        if (last > 0) {
            siftDown(0, t, s, moved);
        }
        return first;
    }

    /** Drops every cancelled event and rebuilds the heap. */
    void purgeCancelled() {
        int n = 0;
        for (int i = 0; i < size; i++) {
            Event e = events[i];
            if (!e.isCancelled()) {
                times[n] = times[i];
                seqs[n] = seqs[i];
                events[n++] = e;
            }
        }
        Arrays.fill(events, n, size, null);
        size = n;
        for (int i = (n - 2) >> 2; i >= 0; i--) {
            siftDown(i, times[i], seqs[i], events[i]);
        }
    }

    void clear() {
        Arrays.fill(events, 0, size, null);
        size = 0;
    }

    private static boolean less(long t1, long s1, long t2, long s2) {
        return t1 < t2 || (t1 == t2 && s1 < s2);
    }

    private void siftUp(int k, long t, long s, Event e) {
        while (k > 0) {
            int parent = (k - 1) >> 2;
            if (!less(t, s, times[parent], seqs[parent])) {
                break;
            }
            times[k] = times[parent];
            seqs[k] = seqs[parent];
            events[k] = events[parent];
            k = parent;
        }
        times[k] = t;
        seqs[k] = s;
        events[k] = e;
    }

    private void siftDown(int k, long t, long s, Event e) {
        int n = size;
        for (;;) {
            int child = (k << 2) + 1;
            if (child >= n) {
                break;
            }
            int best = child;
            long bt = times[child];
            long bs = seqs[child];
            int end = Math.min(child + 4, n);
            for (int c = child + 1; c < end; c++) {
                long ct = times[c];
                long cs = seqs[c];
                if (less(ct, cs, bt, bs)) {
                    best = c;
                    bt = ct;
                    bs = cs;
                }
            }
            if (!less(bt, bs, t, s)) {
                break;
            }
            times[k] = bt;
            seqs[k] = bs;
            events[k] = events[best];
            k = best;
        }
        times[k] = t;
        seqs[k] = s;
        events[k] = e;
    }
}
