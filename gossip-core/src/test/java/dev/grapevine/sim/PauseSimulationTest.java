package dev.grapevine.sim;

import dev.grapevine.GossipConfig;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process frozen (SIGSTOP, a long GC pause) for less than the suspicion timeout is not declared failed by
 * anyone, and, thawed, declares no one failed itself although every timer it had is overdue at once; frozen for
 * longer, it is declared failed and comes back alive on its own once it runs again. Eight nodes, five seeds each.
 */
class PauseSimulationTest {

    private static final int N = 8;
    private static final int PAUSED = 3;

    private static SimCluster converged(long seed) {
        SimCluster c = new SimCluster(seed, GossipConfig.lan());
        c.startAndJoin(N, Duration.ofSeconds(2));
        assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, N)), Duration.ofSeconds(60)), "converged");
        c.failures.clear();
        return c;
    }

    @Test
    void aTwoSecondPauseMakesNoOneFail() {
        for (long seed = 171; seed < 176; seed++) {
            try (SimCluster c = converged(seed)) {
                c.net.pause(SimCluster.address(PAUSED));
                c.net.runFor(Duration.ofSeconds(2));
                c.net.resume(SimCluster.address(PAUSED));
                c.net.runFor(Duration.ofSeconds(30));
                assertEquals(0, c.failures.size(), "seed " + seed + ": " + c.failures);
                assertTrue(c.allSeeLive(c.nodes, c.names(0, N)), "seed " + seed);
            }
        }
    }

    @Test
    void aThirtySecondPauseIsAFailureThatHealsByItself() {
        for (long seed = 181; seed < 186; seed++) {
            try (SimCluster c = converged(seed)) {
                c.net.pause(SimCluster.address(PAUSED));
                c.net.runFor(Duration.ofSeconds(30));
                assertTrue(c.allSee(c.except(PAUSED), SimCluster.name(PAUSED), MemberStatus.FAILED), "seed " + seed);
                c.net.resume(SimCluster.address(PAUSED));
                long before = c.failures.size();
                assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, N)), Duration.ofSeconds(60)),
                        "seed " + seed + ": one cluster again after the thaw");
                // Thawed, the node itself declared none of the others failed.
                long byThawed = c.failures.stream().skip(before)
                        .filter(f -> f.startsWith(SimCluster.name(PAUSED) + " saw")).count();
                assertEquals(0, byThawed, "seed " + seed + ": " + c.failures);
                // Only the paused node was ever declared failed.
                assertTrue(c.failures.stream().allMatch(f -> f.endsWith(SimCluster.name(PAUSED) + " fail")),
                        "seed " + seed + ": " + c.failures);
            }
        }
    }
}
