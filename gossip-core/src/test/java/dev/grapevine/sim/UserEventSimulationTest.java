package dev.grapevine.sim;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** User events on simulated clusters: exactly-once delivery, catch-up after a partition, coalescing. */
class UserEventSimulationTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, Integer> counts(List<ClusterEvent.UserEvent> seen) {
        Map<String, Integer> c = new HashMap<>();
        if (seen != null) {
            for (ClusterEvent.UserEvent e : seen) {
                c.merge(e.name() + "/" + new String(e.payload(), StandardCharsets.UTF_8), 1, Integer::sum);
            }
        }
        return c;
    }

    @Test
    void hundredEventsReachEveryOneOfFiveHundredMembersExactlyOnceUnderLoss() {
        int n = 500;
        try (SimCluster c = new SimCluster(31, GossipConfig.lan())) {
            c.startAndJoin(n, Duration.ofSeconds(5));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, n)), Duration.ofMinutes(3)));
            c.net.setLoss(0.05);
            Random r = new Random(7);
            for (int i = 0; i < 100; i++) {
                c.nodes.get(r.nextInt(n)).sendEvent("deploy", utf8("v" + i), false);
                c.net.runFor(Duration.ofMillis(100));
            }
            assertTrue(c.runUntil(() -> c.nodes.stream().allMatch(node ->
                    counts(c.userEvents.get(node.name())).size() == 100), Duration.ofMinutes(2)),
                    "every member receives all 100 events");
            c.net.runFor(Duration.ofSeconds(60));
            for (GossipNode node : c.nodes) {
                Map<String, Integer> got = counts(c.userEvents.get(node.name()));
                assertEquals(100, got.size(), node.name());
                assertTrue(got.values().stream().allMatch(v -> v == 1), node.name() + " duplicates: " + got);
            }
        }
    }

    @Test
    void nodePartitionedAwayDuringTheEventsReceivesThemAfterTheHeal() {
        try (SimCluster c = new SimCluster(32, GossipConfig.lan())) {
            c.startAndJoin(20, Duration.ofSeconds(2));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 20)), Duration.ofSeconds(60)));
            c.net.partition(List.of(SimCluster.address(13)));
            for (int i = 0; i < 10; i++) {
                c.nodes.get(i).sendEvent("config", utf8("c" + i), false);
                c.net.runFor(Duration.ofMillis(200));
            }
            c.net.runFor(Duration.ofSeconds(10));
            assertTrue(counts(c.userEvents.get("node13")).isEmpty(), "cut off: nothing yet");
            c.net.heal();
            assertTrue(c.runUntil(() -> counts(c.userEvents.get("node13")).size() == 10, Duration.ofMinutes(3)),
                    "after the heal the missed events arrive");
            c.net.runFor(Duration.ofSeconds(30));
            assertTrue(counts(c.userEvents.get("node13")).values().stream().allMatch(v -> v == 1));
        }
    }

    @Test
    void eventMissedDuringABlipIsRepairedWithoutWaitingForPeriodicPushPull() {
        // Periodic push-pull off: the event reaches node4 after the heal through later gossip or the quiet-peer
        // comparisons on pings and acks (MembershipEngineTest pins the event-clock trigger itself).
        GossipConfig noPushPull = GossipConfig.lan().toBuilder().pushPullInterval(Duration.ZERO).build();
        try (SimCluster c = new SimCluster(37, noPushPull)) {
            c.startAndJoin(5, Duration.ofSeconds(1));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 5)), Duration.ofSeconds(30)));
            c.net.partition(List.of(SimCluster.address(4)));
            c.nodes.get(0).sendEvent("blip", utf8("missed"), false);
            c.net.runFor(Duration.ofMillis(300)); // shorter than a probe round: no one suspects node4
            c.net.heal();
            assertTrue(c.runUntil(() -> counts(c.userEvents.get("node4")).size() == 1, Duration.ofSeconds(30)),
                    "node4 gets the event it missed during the blip");
        }
    }

    @Test
    void coalescedBurstDeliversOnlyTheNewest() {
        try (SimCluster c = new SimCluster(33, GossipConfig.lan())) {
            c.startAndJoin(8, Duration.ofSeconds(1));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 8)), Duration.ofSeconds(60)));
            for (int i = 0; i < 10; i++) {
                c.nodes.get(0).sendEvent("reload", utf8("r" + i), true);
                c.net.runFor(Duration.ofMillis(50));
            }
            c.nodes.get(1).sendEvent("other", utf8("x"), false);
            c.net.runFor(Duration.ofSeconds(10));
            for (GossipNode node : c.nodes) {
                Map<String, Integer> got = counts(c.userEvents.get(node.name()));
                assertEquals(Map.of("reload/r9", 1, "other/x", 1), got, node.name());
            }
        }
    }

    @Test
    void joiningNodeIgnoresPastEventsUnlessAskedToReplay() {
        try (SimCluster c = new SimCluster(34, GossipConfig.lan())) {
            c.startAndJoin(5, Duration.ofSeconds(1));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 5)), Duration.ofSeconds(30)));
            c.nodes.get(0).sendEvent("old", utf8("before"), false);
            c.net.runFor(Duration.ofSeconds(5));
            GossipNode late = c.start(5);
            GossipNode replaying = c.start(6, Map.of(), b -> b.replayEventsOnJoin(true));
            late.join(List.of(SimCluster.address(0)));
            replaying.join(List.of(SimCluster.address(0)));
            c.net.runFor(Duration.ofSeconds(5));
            c.nodes.get(1).sendEvent("new", utf8("after"), false);
            c.net.runFor(Duration.ofSeconds(60));
            assertEquals(Map.of("new/after", 1), counts(c.userEvents.get("node5")));
            assertEquals(Map.of("old/before", 1, "new/after", 1), counts(c.userEvents.get("node6")));
        }
    }

    @Test
    void oversizedOrReservedEventsAreRejectedAtTheCall() {
        try (SimCluster c = new SimCluster(35, GossipConfig.lan())) {
            GossipNode n = c.start(0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> n.sendEvent("big", new byte[600], false));
            assertTrue(e.getMessage().contains("userEventSizeLimit"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> n.sendEvent("_grapevine_x", new byte[1], false));
            assertThrows(IllegalArgumentException.class, () -> n.sendEvent("", new byte[1], false));
            IntStream.range(0, 3).forEach(i -> n.sendEvent("ok", new byte[100], false));
        }
    }

    /** A typed event payload. */
    record Deploy(String version, int replicas) { }

    @Test
    void typedEventsTravelThroughTheKryoCodec() throws Exception {
        var codec = dev.grapevine.payload.KryoPayloadCodec.builder(Deploy.class).maxPayloadBytes(256).build();
        try (SimCluster c = new SimCluster(36, GossipConfig.lan())) {
            c.startAndJoin(5, Duration.ofSeconds(1));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 5)), Duration.ofSeconds(30)));
            c.nodes.get(2).sendEvent("deploy", new Deploy("1.4.2", 3), codec, false);
            c.net.runFor(Duration.ofSeconds(5));
            for (GossipNode node : c.nodes) {
                List<ClusterEvent.UserEvent> got = c.userEvents.get(node.name());
                assertEquals(1, got.size(), node.name());
                assertEquals(new Deploy("1.4.2", 3), got.get(0).payload(codec));
            }
        }
    }
}
