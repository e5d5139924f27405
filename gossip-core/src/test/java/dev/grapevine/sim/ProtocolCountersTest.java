package dev.grapevine.sim;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.MemberStatus;
import dev.grapevine.Stats;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probe, suspicion and push-pull counters of {@link Stats} on a simulated cluster (deterministic). */
class ProtocolCountersTest {

    private static long sum(SimCluster c, java.util.function.ToLongFunction<Stats> counter) {
        return c.nodes.stream().mapToLong(n -> counter.applyAsLong(n.stats())).sum();
    }

    private static SimCluster threeNodes(long seed) {
        SimCluster c = new SimCluster(seed, GossipConfig.lan());
        c.startAndJoin(3, Duration.ofSeconds(1));
        assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 3)), Duration.ofSeconds(30)), "converged");
        return c;
    }

    @Test
    void healthyClusterProbesAcksAndSyncsWithoutSuspicions() {
        try (SimCluster c = threeNodes(51)) {
            c.net.runFor(Duration.ofSeconds(20));
            for (GossipNode n : c.nodes) {
                Stats s = n.stats();
                assertTrue(s.probesSent() >= 15, n.name() + " probes " + s.probesSent());
                // Every probe on a lossless network is acked (one may still be in flight).
                assertTrue(s.acksReceived() >= s.probesSent() - 1, n.name() + " acks " + s.acksReceived());
                assertEquals(0, s.suspicionsRaised(), n.name());
                assertEquals(0, s.suspicionsRefuted(), n.name());
                assertEquals(0, s.indirectProbesSent(), n.name());
                assertEquals(0, s.nacksReceived(), n.name());
            }
            // Each join is one exchange started by the joiner and accepted by node0.
            assertTrue(c.nodes.get(1).stats().pushPullsInitiated() >= 1);
            assertTrue(c.nodes.get(0).stats().pushPullsAccepted() >= 2);
            assertEquals(sum(c, Stats::pushPullsInitiated), sum(c, Stats::pushPullsAccepted),
                    "every exchange started is accepted by someone on a lossless network");
        }
    }

    @Test
    void pausedMemberIsProbedIndirectlySuspectedAndRefutes() {
        try (SimCluster c = threeNodes(52)) {
            c.net.pause(SimCluster.address(2));
            assertTrue(c.runUntil(() -> c.allSee(c.except(2), "node2", MemberStatus.SUSPECT)
                    || c.allSee(c.except(2), "node2", MemberStatus.FAILED), Duration.ofSeconds(30)));
            GossipNode a = c.nodes.get(0);
            GossipNode b = c.nodes.get(1);
            assertTrue(a.stats().suspicionsRaised() + b.stats().suspicionsRaised() >= 1, "someone suspected node2");
            assertTrue(a.stats().indirectProbesSent() + b.stats().indirectProbesSent() >= 1, "ping-req sent");
            assertTrue(a.stats().indirectProbesAnswered() + b.stats().indirectProbesAnswered() >= 1,
                    "the helper answered with a nack");
            assertTrue(a.stats().nacksReceived() + b.stats().nacksReceived() >= 1);
            c.net.resume(SimCluster.address(2));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 3)), Duration.ofMinutes(2)));
            assertTrue(c.nodes.get(2).stats().suspicionsRefuted() >= 1, "node2 refuted");
        }
    }
}
