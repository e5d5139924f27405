package dev.grapevine.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LamportClockTest {

    @Test
    void freshClockIsAtZero() {
        assertEquals(0, new LamportClock().time());
    }

    @Test
    void incrementReturnsTheValueAfterIncrementing() {
        LamportClock c = new LamportClock();
        assertEquals(1, c.increment());
        assertEquals(2, c.increment());
        assertEquals(2, c.time());
    }

    @Test
    void witnessOfALargerValueMovesOnePastIt() {
        LamportClock c = new LamportClock();
        c.witness(41);
        assertEquals(42, c.time());
    }

    @Test
    void witnessOfTheCurrentTimeMovesOnePastIt() {
        // Serf: time = v + 1 when v >= time, the equal case included.
        LamportClock c = new LamportClock();
        c.restore(7);
        c.witness(7);
        assertEquals(8, c.time());
    }

    @Test
    void witnessOfASmallerValueChangesNothing() {
        LamportClock c = new LamportClock();
        c.restore(10);
        c.witness(9);
        c.witness(0);
        assertEquals(10, c.time());
    }

    @Test
    void anEventSentAfterWitnessingIsOrderedAfterWhatWasSeen() {
        LamportClock c = new LamportClock();
        c.witness(100);
        assertTrue(c.increment() > 100);
    }

    @Test
    void restoreTakesTheMaximumWithoutAddingOne() {
        LamportClock c = new LamportClock();
        c.restore(50);
        assertEquals(50, c.time());
        c.restore(20);      // an older snapshot never moves the clock back
        assertEquals(50, c.time());
        c.restore(50);
        assertEquals(50, c.time());
    }

    @Test
    void negativeTimesAreRejected() {
        LamportClock c = new LamportClock();
        assertThrows(IllegalArgumentException.class, () -> c.witness(-1));
        assertThrows(IllegalArgumentException.class, () -> c.restore(Long.MIN_VALUE));
        assertEquals(0, c.time());
    }

    @Test
    void theClockNeverWrapsAndIsUnchangedWhenItRefuses() {
        LamportClock c = new LamportClock();
        c.restore(Long.MAX_VALUE - 1);
        assertEquals(Long.MAX_VALUE, c.increment());
        assertThrows(ArithmeticException.class, c::increment);
        assertEquals(Long.MAX_VALUE, c.time());

        LamportClock d = new LamportClock();
        assertThrows(ArithmeticException.class, () -> d.witness(Long.MAX_VALUE));
        assertEquals(0, d.time());
        d.witness(Long.MAX_VALUE - 1);
        assertEquals(Long.MAX_VALUE, d.time());
    }
}
