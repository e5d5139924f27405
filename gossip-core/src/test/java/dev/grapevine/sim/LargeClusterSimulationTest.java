package dev.grapevine.sim;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A thousand nodes in one JVM on virtual time. */
class LargeClusterSimulationTest {

    @Test
    void thousandNodesJoinedThroughOneSeedConvergeToOneIdenticalView() {
        int n = 1000;
        try (SimCluster c = new SimCluster(1000, GossipConfig.lan())) {
            c.startAndJoin(n, Duration.ofSeconds(10));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, n)), Duration.ofMinutes(5)),
                    "1000 nodes should converge");
            Map<String, String> first = SimCluster.view(c.nodes.get(0));
            assertEquals(n, first.size());
            for (GossipNode node : c.nodes) {
                assertEquals(first, SimCluster.view(node), "view of " + node.name());
            }
            assertTrue(c.failures.isEmpty(), c.failures.toString());
            // And a crash is still seen by everyone at this size.
            c.net.crash(SimCluster.address(500));
            assertTrue(c.runUntil(() -> c.allSee(c.except(500), "node500", MemberStatus.FAILED),
                    Duration.ofMinutes(2)));
        }
    }

    @Test
    void twoThousandNodesRunInOneJvmAndAgreeOnTheMembership() {
        int n = 2000;
        try (SimCluster c = new SimCluster(2000, GossipConfig.lan())) {
            c.startAndJoin(n, Duration.ofSeconds(20));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, n)), Duration.ofMinutes(5)),
                    "2000 nodes should converge");
            assertTrue(c.failures.isEmpty(), c.failures.toString());
        }
    }
}
