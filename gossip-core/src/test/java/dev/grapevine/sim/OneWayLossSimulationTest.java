package dev.grapevine.sim;

import dev.grapevine.GossipConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One-way loss, the case where the Rapid paper (Suresh et al., ATC 2018) saw memberlist flap healthy nodes: one
 * node that can send but not receive (or receive but not send) for a minute. Only that node may be declared
 * failed; no healthy node is, by anyone, the impaired node included (its view is judged too: a node whose every
 * probe fails must not condemn the others on its own word). At 100 % the simulator fails stream requests over
 * the cut link as well, as TCP fails on a real network.
 */
class OneWayLossSimulationTest {

    private static final int N = 8;
    private static final int IMPAIRED = 5;

    /** Failures declared of healthy nodes, by anyone (the impaired node's own declarations included). */
    private static long healthyFailures(SimCluster c) {
        return c.failures.stream().filter(f -> !f.endsWith(" " + SimCluster.name(IMPAIRED) + " fail")).count();
    }

    private static void cut(SimCluster c, boolean inbound, double loss) {
        for (int i = 0; i < N; i++) {
            if (i != IMPAIRED) {
                if (inbound) {
                    c.net.setLinkLoss(SimCluster.address(i), SimCluster.address(IMPAIRED), loss);
                } else {
                    c.net.setLinkLoss(SimCluster.address(IMPAIRED), SimCluster.address(i), loss);
                }
            }
        }
    }

    /** Five seeds from {@code first}: the outcome must not hang on one lucky schedule. */
    private static void run(long first, boolean inbound, double loss) {
        for (long seed = first; seed < first + 5 * 1000; seed += 1000) {
            runOnce(seed, inbound, loss);
        }
    }

    private static void runOnce(long seed, boolean inbound, double loss) {
        try (SimCluster c = new SimCluster(seed, GossipConfig.lan())) {
            c.startAndJoin(N, Duration.ofSeconds(2));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, N)), Duration.ofSeconds(60)), "converged");
            c.failures.clear();
            cut(c, inbound, loss);
            c.net.runFor(Duration.ofSeconds(60));
            boolean impairedFailed = c.allSee(c.except(IMPAIRED), SimCluster.name(IMPAIRED),
                    dev.grapevine.MemberStatus.FAILED);
            // The link comes back: what the impaired node held meanwhile must not turn into deaths now.
            cut(c, inbound, 0.0);
            c.net.runFor(Duration.ofSeconds(60));
            assertTrue(c.allSeeLive(c.nodes, c.names(0, N)), "seed " + seed + ": one cluster again after the fault");
            assertEquals(0, healthyFailures(c), "seed " + seed + ", " + (inbound ? "inbound" : "outbound") + " loss " + loss
                    + " at node" + IMPAIRED + ": healthy nodes declared failed: " + c.failures);
            if (loss >= 1.0) {
                // The impaired node itself is a real failure to the others: detected, by every healthy node.
                assertTrue(impairedFailed, "seed " + seed + ": node" + IMPAIRED + " detected: " + c.failures);
            }
        }
    }

    @Test
    void aNodeThatCannotReceiveMakesNoHealthyNodeFail() {
        run(151, true, 1.0);
    }

    @Test
    void aNodeThatReceivesHalfMakesNoHealthyNodeFail() {
        run(152, true, 0.5);
    }

    @Test
    void aNodeThatCannotSendMakesNoHealthyNodeFail() {
        run(153, false, 1.0);
    }

    @Test
    void aNodeThatSendsHalfMakesNoHealthyNodeFail() {
        run(154, false, 0.5);
    }
}
