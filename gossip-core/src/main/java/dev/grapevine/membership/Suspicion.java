package dev.grapevine.membership;

import dev.grapevine.time.Cancellable;
import dev.grapevine.time.Scheduler;

import java.util.HashSet;
import java.util.Set;

/**
 * Lifeguard's dogpile suspicion timer for one suspected member.
 *
 * <p>A suspicion starts at a long timeout ({@code max}) and shrinks toward {@code min} as other members
 * independently confirm it: a lone accuser that is itself slow cannot get a healthy member killed quickly,
 * while a member that many see as down is declared failed fast. The arithmetic is
 * {@link #remainingNanos}, a pure function; this class only keeps the confirmations and the timer.
 */
public final class Suspicion {

    /** Confirmations that bring the timeout down to {@code min}; 0 means start at {@code min}. */
    private final int k;
    /** Timeout once {@code k} confirmations arrived. */
    private final long minNanos;
    /** Timeout with no confirmation. */
    private final long maxNanos;
    /** When the suspicion started (or {@linkplain #restart restarted}), on the scheduler's clock. */
    private long startNanos;
    /** Who has accused so far (the first accuser included); each counts once. */
    private final Set<String> confirmers = new HashSet<>();
    private final Scheduler scheduler;
    /** Declares the member failed. */
    private final Runnable onTimeout;
    private Cancellable timer;
    /** Confirmations after the first accusation. */
    private int confirmations;

    /**
     * Starts a suspicion raised by {@code from}.
     *
     * @param k         confirmations wanted before the timeout reaches {@code min}
     * @param minNanos  the shortest timeout
     * @param maxNanos  the longest timeout (no confirmation)
     * @param onTimeout run on the protocol thread when the suspicion expires
     */
    public Suspicion(String from, int k, long minNanos, long maxNanos, Scheduler scheduler, Runnable onTimeout) {
        this.k = k;
        this.minNanos = minNanos;
        this.maxNanos = maxNanos;
        this.scheduler = scheduler;
        this.onTimeout = onTimeout;
        this.startNanos = scheduler.nanoTime();
        confirmers.add(from);
        long timeout = k < 1 ? minNanos : maxNanos;
        timer = scheduler.schedule(timeout, onTimeout);
    }

    /**
     * Counts a confirmation from {@code from}. Returns true when it is new (and so worth passing on), in which
     * case the timer has been shortened; repeated confirmations from one member count once.
     */
    public boolean confirm(String from) {
        if (confirmations >= k || !confirmers.add(from)) {
            return false;
        }
        confirmations++;
        long elapsed = scheduler.nanoTime() - startNanos;
        long remaining = remainingNanos(confirmations, k, elapsed, minNanos, maxNanos);
        timer.cancel();
        timer = scheduler.schedule(Math.max(0, remaining), onTimeout);
        return true;
    }

    /** Confirmations counted so far (the first accusation excluded). */
    public int confirmations() {
        return confirmations;
    }

    private boolean held;

    /** True when this suspicion was held past its timeout at least once (see {@link #hold}). */
    public boolean held() {
        return held;
    }

    /**
     * Marks the suspicion held without touching its timer: raised while the accuser itself could not get
     * through, its accusation may never have reached anyone, so it must be told again before it can end.
     */
    public void markHeld() {
        held = true;
    }

    /** Holds the suspicion: marks it held and runs the timeout again {@code nanos} from now. */
    public void hold(long nanos) {
        held = true;
        extend(nanos);
    }

    /**
     * Starts over as a fresh suspicion by {@code from}, not held, with no confirmations: the full timeout
     * again (confirmations shorten it as at the start).
     */
    public void restart(String from) {
        held = false;
        confirmers.clear();
        confirmers.add(from);
        confirmations = 0;
        startNanos = scheduler.nanoTime();
        extend(k < 1 ? minNanos : maxNanos);
    }

    /** Runs the timeout again {@code nanos} from now. */
    public void extend(long nanos) {
        timer.cancel();
        timer = scheduler.schedule(nanos, onTimeout);
    }

    /** Stops the timer (the member refuted, or was declared dead otherwise). */
    public void cancel() {
        timer.cancel();
    }

    /**
     * Time left before a suspicion with {@code n} of {@code k} confirmations expires, {@code elapsed} after
     * it started. The timeout falls logarithmically from {@code max} (n = 0) to {@code min} (n = k) and never
     * below {@code min}. May be negative: the suspicion is overdue.
     */
    public static long remainingNanos(int n, int k, long elapsed, long min, long max) {
        if (k < 1) {
            return min - elapsed;
        }
        double frac = Math.log(n + 1.0) / Math.log(k + 1.0);
        double raw = max - frac * (max - min);
        // Whole milliseconds, as memberlist rounds, so both compute the same schedule.
        long timeout = (long) Math.floor(raw / 1_000_000.0) * 1_000_000L;
        if (timeout < min) {
            timeout = min;
        }
        return timeout - elapsed;
    }

    /**
     * The shortest suspicion timeout for a cluster of {@code n} members:
     * {@code suspicionMult * max(1, log10(n)) * probeInterval}.
     */
    public static long minTimeoutNanos(int suspicionMult, int n, long probeIntervalNanos) {
        double nodeScale = Math.max(1.0, Math.log10(Math.max(1.0, n)));
        // Computed in milliseconds like memberlist, to keep schedules comparable.
        double ms = suspicionMult * nodeScale * (probeIntervalNanos / 1_000_000.0);
        return (long) ms * 1_000_000L;
    }

    /** Confirmations sought for a cluster of {@code n}: {@code suspicionMult - 2}, none for tiny clusters. */
    public static int confirmationsWanted(int suspicionMult, int n) {
        int k = suspicionMult - 2;
        return n - 2 < k ? 0 : Math.max(0, k);
    }
}
