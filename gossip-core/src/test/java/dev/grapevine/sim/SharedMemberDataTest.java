package dev.grapevine.sim;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nodes of one runtime keep one copy of each member's name, address and tags, and of its snapshot while they
 * agree on it (the runtime's interner), where
 * each used to keep the copy it decoded: the heap of a simulation grows as N squared, and this is most of it.
 */
class SharedMemberDataTest {

    private static final int N = 20;

    @Test
    void everyNodeOfANetworkHoldsTheSameNameAddressAndTagInstances() {
        try (SimCluster c = new SimCluster(11, GossipConfig.lan())) {
            c.startAndJoin(N, Duration.ofSeconds(2));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, N)), Duration.ofSeconds(60)));
            for (int subject = 0; subject < N; subject++) {
                Member reference = c.nodes.get(0).member(SimCluster.name(subject)).orElseThrow();
                assertEquals(Map.of("role", "app"), reference.tags());
                for (GossipNode observer : c.nodes) {
                    Member m = observer.member(SimCluster.name(subject)).orElseThrow();
                    String at = observer.name() + "'s view of " + m.name();
                    assertSame(reference.name(), m.name(), at);
                    assertSame(reference.address(), m.address(), at);
                    assertSame(reference.tags(), m.tags(), at);
                    // Settled, every node publishes the same snapshot (status, incarnation): one instance.
                    assertSame(reference, m, at);
                }
            }

            // A tag change reaches every node as one shared map, too.
            c.nodes.get(3).updateTags(Map.of("role", "db", "db.port", "5432"));
            assertTrue(c.runUntil(() -> c.nodes.stream().allMatch(o -> "db".equals(
                    o.member(SimCluster.name(3)).orElseThrow().tag("role"))), Duration.ofSeconds(60)));
            Map<String, String> tags = c.nodes.get(0).member(SimCluster.name(3)).orElseThrow().tags();
            assertEquals(Map.of("role", "db", "db.port", "5432"), tags);
            Member changed = c.nodes.get(0).member(SimCluster.name(3)).orElseThrow();
            for (GossipNode observer : c.nodes) {
                assertSame(tags, observer.member(SimCluster.name(3)).orElseThrow().tags(), observer.name());
                assertSame(changed, observer.member(SimCluster.name(3)).orElseThrow(), observer.name());
            }
        }
    }

    @Test
    void twoNetworksShareNothing() {
        try (SimCluster a = new SimCluster(12, GossipConfig.lan());
             SimCluster b = new SimCluster(12, GossipConfig.lan())) {
            for (SimCluster c : new SimCluster[]{a, b}) {
                c.startAndJoin(3, Duration.ofSeconds(1));
                assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 3)), Duration.ofSeconds(60)));
            }
            Member inA = a.nodes.get(0).member(SimCluster.name(2)).orElseThrow();
            Member inB = b.nodes.get(0).member(SimCluster.name(2)).orElseThrow();
            assertEquals(inA.name(), inB.name());
            assertEquals(inA.address(), inB.address());
            assertNotSame(inA.name(), inB.name(), "no interner is shared between runtimes (no global state)");
            assertNotSame(inA.address(), inB.address());
        }
    }
}
