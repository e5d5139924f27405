package dev.grapevine.events;

/**
 * A Lamport logical clock, as Serf keeps for user events and queries.
 *
 * <p>Serf orders and deduplicates user events by the Lamport time they were sent at rather than by wall
 * clocks, which cluster members do not share. Each node increments its clock when it sends an event and
 * witnesses the time on every event it receives, so an event sent after another one was seen always carries
 * a larger time. The arithmetic is that of Serf's {@code serf.LamportClock}: {@code Increment} returns the new
 * value, and {@code Witness} moves to {@code v + 1} only when {@code v} is at or past the current time.
 *
 * <p>Not thread-safe: owned by the protocol thread, like the rest of the node's state (Serf's version is
 * atomic because goroutines share it; here a single thread does). Times are non-negative and never wrap:
 * an operation that would pass {@link Long#MAX_VALUE} throws {@link ArithmeticException} and leaves the
 * clock unchanged, because a wrapped clock would make every later event look ancient. Values from the
 * network should be bounded by the caller before being witnessed: a single peer sending a time near
 * {@code Long.MAX_VALUE} would otherwise exhaust the clock for the whole cluster.
 */
public final class LamportClock {

    private long time;

    /** A clock at time 0. */
    public LamportClock() {
    }

    /** The current time. */
    public long time() {
        return time;
    }

    /**
     * Advances the clock by one and returns the new time (Serf's {@code Increment}): the value to stamp on an
     * event being sent now. The first call on a fresh clock returns 1.
     *
     * @throws ArithmeticException if the clock is at {@link Long#MAX_VALUE}; the clock is unchanged
     */
    public long increment() {
        time = Math.incrementExact(time);
        return time;
    }

    /**
     * Takes into account a time seen on a received message (Serf's {@code Witness}): if {@code v} is at or
     * past the current time, the clock moves to {@code v + 1}, so anything this node sends from now on is
     * ordered after what it has seen. A smaller {@code v} changes nothing.
     *
     * @throws IllegalArgumentException if {@code v} is negative
     * @throws ArithmeticException      if {@code v} is {@link Long#MAX_VALUE}; the clock is unchanged
     */
    public void witness(long v) {
        requireNonNegative(v);
        if (v >= time) {
            time = Math.incrementExact(v);
        }
    }

    /**
     * Sets the clock to {@code max(time(), v)}: used when loading a snapshot, where the saved value is the
     * last time reached, not a time seen on a message (hence no {@code + 1}). Never moves the clock back, so
     * restoring an old snapshot into a running node cannot reuse times already sent.
     *
     * @throws IllegalArgumentException if {@code v} is negative
     */
    public void restore(long v) {
        requireNonNegative(v);
        time = Math.max(time, v);
    }

    @Override
    public String toString() {
        return "LamportClock[" + time + "]";
    }

    private static void requireNonNegative(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("Lamport time must be non-negative: " + v);
        }
    }
}
