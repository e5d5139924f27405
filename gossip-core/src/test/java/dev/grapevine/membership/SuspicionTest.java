package dev.grapevine.membership;

import dev.grapevine.time.ManualScheduler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SuspicionTest {

    private static final long S = 1_000_000_000L;

    @Test
    void minimumTimeoutScalesWithLog10OfClusterSize() {
        // suspicionMult 4, probe 1 s: 4 s up to 10 members, 8 s at 100, 12 s at 1000.
        assertEquals(4 * S, Suspicion.minTimeoutNanos(4, 1, S));
        assertEquals(4 * S, Suspicion.minTimeoutNanos(4, 10, S));
        assertEquals(8 * S, Suspicion.minTimeoutNanos(4, 100, S));
        assertEquals(12 * S, Suspicion.minTimeoutNanos(4, 1000, S));
    }

    @Test
    void unconfirmedSuspicionLastsTheMaximum() {
        assertEquals(24 * S, Suspicion.remainingNanos(0, 2, 0, 4 * S, 24 * S));
    }

    @Test
    void eachConfirmationShortensTheTimeoutLogarithmically() {
        long one = Suspicion.remainingNanos(1, 2, 0, 4 * S, 24 * S);
        long two = Suspicion.remainingNanos(2, 2, 0, 4 * S, 24 * S);
        // frac = log(2)/log(3) = 0.6309 -> 24 - 0.6309*20 = 11.38 s, floored to the millisecond.
        assertEquals(11_381_000_000L, one);
        assertEquals(4 * S, two);
    }

    @Test
    void timeoutNeverFallsBelowMinimumAndElapsedTimeCounts() {
        assertEquals(4 * S, Suspicion.remainingNanos(10, 2, 0, 4 * S, 24 * S));
        assertEquals(-S, Suspicion.remainingNanos(2, 2, 5 * S, 4 * S, 24 * S));
    }

    @Test
    void noConfirmationsWantedMeansMinimumFromTheStart() {
        assertEquals(4 * S, Suspicion.remainingNanos(0, 0, 0, 4 * S, 24 * S));
    }

    @Test
    void tinyClustersWantNoConfirmations() {
        assertEquals(0, Suspicion.confirmationsWanted(4, 3));
        assertEquals(2, Suspicion.confirmationsWanted(4, 4));
        assertEquals(2, Suspicion.confirmationsWanted(4, 100));
    }

    @Test
    void confirmationsFromOneMemberCountOnceAndReschedule() {
        ManualScheduler clock = new ManualScheduler();
        boolean[] fired = new boolean[1];
        Suspicion s = new Suspicion("a", 2, 4 * S, 24 * S, clock, () -> fired[0] = true);
        assertEquals(24 * S, clock.nextDeadline());
        assertTrue(s.confirm("b"));
        assertEquals(false, s.confirm("b"));
        assertEquals(false, s.confirm("a"));
        assertEquals(11_381_000_000L, clock.nextDeadline());
        clock.advance(3 * S);
        assertTrue(s.confirm("c"));
        // Two confirmations: the minimum (4 s) from the start, 1 s from now.
        assertEquals(4 * S, clock.nextDeadline());
        clock.advance(S);
        assertTrue(fired[0]);
    }
}
