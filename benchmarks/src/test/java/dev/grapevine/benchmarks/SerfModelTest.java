package dev.grapevine.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SerfModelTest {

    @Test
    void reproducesSerfsPublishedFigures() {
        // Serf's docs: 200 ms interval, fanout 3: 99.99 % of 1,000 nodes in 2.2 s, of 10,000 in 2.6 s.
        assertEquals(2.2, SerfModel.serfDefaults(1000, 0).secondsToReach(0.9999), 1e-9);
        assertEquals(2.6, SerfModel.serfDefaults(10_000, 0).secondsToReach(0.9999), 1e-9);
    }

    @Test
    void startsNearOneNodeAndRisesMonotonicallyToAll() {
        SerfModel m = SerfModel.serfDefaults(1000, 0);
        assertEquals(1.0 / 1002, m.informedAt(0), 1e-12);
        double previous = 0;
        for (double t = 0; t < 5; t += 0.05) {
            double f = m.informedAt(t);
            assertTrue(f > previous && f < 1, "at " + t + ": " + f);
            previous = f;
        }
        assertTrue(m.informedAt(5) > 0.999999);
    }

    @Test
    void lossSlowsTheSpreadByTheSurvivingShare() {
        SerfModel clean = SerfModel.serfDefaults(1000, 0);
        SerfModel lossy = SerfModel.serfDefaults(1000, 0.1);
        // With 10 % loss a round is worth 0.9 of a clean one.
        assertEquals(clean.informedAfterRounds(9), lossy.informedAfterRounds(10), 1e-12);
        assertTrue(lossy.secondsToReach(0.9999) > clean.secondsToReach(0.9999));
    }

    @Test
    void rejectsParametersOutsideTheModel() {
        assertThrows(IllegalArgumentException.class, () -> new SerfModel(1, 0.2, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new SerfModel(10, 0, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> new SerfModel(10, 0.2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SerfModel(10, 0.2, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> SerfModel.serfDefaults(10, 0).secondsToReach(1));
    }
}
