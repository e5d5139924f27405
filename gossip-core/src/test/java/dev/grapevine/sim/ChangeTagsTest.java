package dev.grapevine.sim;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GossipNode#changeTags}: changes of different keys made at the same moment (a health checker's and an
 * operator's) all survive, where two read-then-replace {@code updateTags} calls lose one; the result spreads.
 */
class ChangeTagsTest {

    @Test
    void concurrentChangesOfDifferentKeysAllSurviveAndSpread() {
        try (SimCluster c = new SimCluster(7, GossipConfig.lan())) {
            c.start(0, Map.of("role", "app", "rack", "r1"), b -> { });
            c.start(1, Map.of("role", "app"), b -> { });
            c.nodes.get(1).join(List.of(SimCluster.address(0)));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 2)), Duration.ofSeconds(30)));
            GossipNode n = c.nodes.get(0);
            // Both issued before either is applied (the protocol thread runs them in turn).
            CompletableFuture<Map<String, String>> health = n.changeTags(Map.of("health", "passing"), List.of());
            CompletableFuture<Map<String, String>> operator = n.changeTags(Map.of("dc", "east"), List.of("rack"));
            c.net.runFor(Duration.ofMillis(100));
            assertEquals(Map.of("role", "app", "rack", "r1", "health", "passing"), health.join());
            assertEquals(Map.of("role", "app", "health", "passing", "dc", "east"), operator.join());
            assertEquals(operator.join(), n.localMember().tags());
            assertTrue(c.runUntil(() -> "east".equals(c.nodes.get(1).member("node0").orElseThrow().tag("dc"))
                    && "passing".equals(c.nodes.get(1).member("node0").orElseThrow().tag("health"))
                    && c.nodes.get(1).member("node0").orElseThrow().tag("rack") == null, Duration.ofSeconds(10)),
                    "spread");
            // No change, no new incarnation: the same tags again are not gossiped.
            Map<String, String> before = n.localMember().tags();
            assertEquals(before, n.changeTags(Map.of("dc", "east"), List.of("absent")).join());
            // Too large: refused, nothing changes.
            CompletableFuture<Map<String, String>> huge = n.changeTags(Map.of("big", "x".repeat(10_000)), List.of());
            c.net.runFor(Duration.ofMillis(100));
            assertTrue(huge.isCompletedExceptionally());
            assertEquals(before, n.localMember().tags());
        }
    }
}
