package dev.grapevine.handlers.template;

/**
 * When to act on a burst of changes: once no change came for {@code min}, but never later than {@code max}
 * after the first change of the burst (consul-template's {@code wait { min max }}). Pure state on a nanosecond
 * clock the caller passes in; not thread-safe (the watcher holds its lock around it).
 */
final class Quiescence {

    private final long minNanos;
    private final long maxNanos;
    private boolean pending;
    private long first;
    private long last;

    /** Requires {@code 0 <= minNanos <= maxNanos}. */
    Quiescence(long minNanos, long maxNanos) {
        if (minNanos < 0 || maxNanos < minNanos) {
            throw new IllegalArgumentException("need 0 <= min <= max, got min=" + minNanos + "ns max=" + maxNanos + "ns");
        }
        this.minNanos = minNanos;
        this.maxNanos = maxNanos;
    }

    /** Records a change at {@code now}; the first since the last {@link #fired()} starts a burst. */
    void changed(long now) {
        if (!pending) {
            pending = true;
            first = now;
        }
        last = now;
    }

    /** True while a burst waits to be acted on. */
    boolean pending() {
        return pending;
    }

    /** When the pending burst is due: the earlier of last change + min and first change + max. */
    long deadline() {
        if (!pending) {
            throw new IllegalStateException("no change pending");
        }
        long quiet = last + minNanos;
        long cap = first + maxNanos;
        // Compared as differences, so a clock near Long.MAX_VALUE wraps safely (System.nanoTime may).
        return quiet - cap <= 0 ? quiet : cap;
    }

    /** True when a burst is pending and due at {@code now}. */
    boolean due(long now) {
        return pending && now - deadline() >= 0;
    }

    /** The pending burst was acted on: the next change starts a new one. */
    void fired() {
        pending = false;
    }
}
