package dev.grapevine.membership;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AwarenessTest {

    @Test
    void healthyNodeDoesNotScaleTimeouts() {
        assertEquals(500, new Awareness(8).scale(500));
    }

    @Test
    void missedAcksStretchTimeoutsUpToTheMaximum() {
        Awareness a = new Awareness(8);
        a.applyDelta(3);
        assertEquals(4 * 500, a.scale(500));
        a.applyDelta(100);
        assertEquals(7, a.score());
        assertEquals(8 * 500, a.scale(500));
    }

    @Test
    void successfulProbesRecoverButNeverBelowZero() {
        Awareness a = new Awareness(8);
        a.applyDelta(2);
        a.applyDelta(-1);
        assertEquals(1, a.score());
        a.applyDelta(-5);
        assertEquals(0, a.score());
    }

    @Test
    void maximumBelowOneIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Awareness(0));
    }
}
