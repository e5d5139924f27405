package dev.grapevine.sim;

import dev.grapevine.DropReason;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.QueryHandle;
import dev.grapevine.QueryOptions;
import dev.grapevine.QueryResult;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Queries on simulated clusters: filters, acks, responses, relays, deadlines. */
class QuerySimulationTest {

    private static Map<String, String> role(int i) {
        return Map.of("role", i % 3 == 0 ? "app" : i % 3 == 1 ? "front" : "dns");
    }

    private static SimCluster cluster(long seed, int n) {
        SimCluster c = new SimCluster(seed, GossipConfig.lan());
        c.answer = (self, q) -> ("load of " + self).getBytes(StandardCharsets.UTF_8);
        c.start(0, role(0));
        for (int i = 1; i < n; i++) {
            c.start(i, role(i));
        }
        for (int i = 1; i < n; i++) {
            c.nodes.get(i).join(List.of(SimCluster.address(0)));
            c.net.runFor(Duration.ofMillis(50));
        }
        assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, n)), Duration.ofSeconds(60)));
        return c;
    }

    @Test
    void tagFilteredQueryReachesOnlyMatchingMembersAndGathersAllTheirResponses() throws Exception {
        int n = 30;
        try (SimCluster c = cluster(41, n)) {
            QueryHandle h = c.nodes.get(1).query("load", new byte[0],
                    QueryOptions.defaults().filterTag("role", "app|dns").timeout(Duration.ofSeconds(5)));
            c.net.runFor(Duration.ofSeconds(6));
            QueryResult r = h.result().get();
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < n; i++) {
                if (i % 3 != 1) {
                    expected.add(SimCluster.name(i));
                }
            }
            assertEquals(expected, r.responders());
            assertTrue(r.responses().stream().allMatch(resp ->
                    new String(resp.payload(), StandardCharsets.UTF_8).equals("load of " + resp.from())));
        }
    }

    @Test
    void nodeNameFilterLimitsResponders() throws Exception {
        try (SimCluster c = cluster(42, 10)) {
            QueryHandle h = c.nodes.get(0).query("who", new byte[0],
                    QueryOptions.defaults().filterNodes(List.of("node3", "node7")).timeout(Duration.ofSeconds(3)));
            c.net.runFor(Duration.ofSeconds(4));
            assertEquals(Set.of("node3", "node7"), h.result().get().responders());
        }
    }

    @Test
    void acksAndResponsesAreCountedOncePerMemberUnderLossWithRelays() throws Exception {
        int n = 40;
        try (SimCluster c = cluster(43, n)) {
            Set<String> answered = new HashSet<>();
            c.answer = (self, q) -> {
                answered.add(self);
                return ("load of " + self).getBytes(StandardCharsets.UTF_8);
            };
            c.net.setLoss(0.10);
            List<String> streamed = new java.util.ArrayList<>();
            List<String> streamedAcks = new java.util.ArrayList<>();
            QueryHandle h = c.nodes.get(5).query("load", new byte[0], QueryOptions.defaults().requestAck(true)
                    .relayFactor(2).timeout(Duration.ofSeconds(8)).onResponse(resp -> streamed.add(resp.from()))
                    .onAck(streamedAcks::add));
            c.net.runFor(Duration.ofSeconds(9));
            QueryResult r = h.result().get();
            // Each answer travels three ways (direct and through two relays), so up to three copies arrive:
            // each member is still counted once.
            assertEquals(r.responders().size(), r.responses().size(), "one response per member");
            assertEquals(r.responders(), new HashSet<>(streamed));
            assertEquals(r.responses().size(), streamed.size(), "streamed once each");
            assertEquals(r.acks(), new HashSet<>(streamedAcks));
            assertEquals(r.acks().size(), streamedAcks.size(), "acks streamed once each");
            assertTrue(answered.containsAll(r.responders()), "only real answers are counted");
            assertTrue(c.names(0, n).containsAll(r.acks()));
            // With a copy lost at 10 % per hop, all three copies are lost for ~0.4 % of answers.
            assertTrue(r.responders().size() >= n - 2, "responses from " + r.responders().size() + " of " + n
                    + ", answered " + answered.size() + ", acks " + r.acks().size());
            assertTrue(r.acks().size() >= n - 2, "acks from " + r.acks().size() + " of " + n);
            assertTrue(c.nodes.get(5).stats().packetsReceived() > 0);
        }
    }

    @Test
    void relaysRecoverAnswersThatTheDirectPathLoses() throws Exception {
        int n = 20;
        try (SimCluster c = cluster(47, n)) {
            // Every direct path to the asker is dead; only relayed copies can arrive.
            for (int i = 0; i < n; i++) {
                if (i != 0) {
                    c.net.setLinkLoss(SimCluster.address(i), SimCluster.address(0), 1.0);
                }
            }
            c.net.setLinkLoss(SimCluster.address(1), SimCluster.address(0), 0.0);
            c.net.setLinkLoss(SimCluster.address(2), SimCluster.address(0), 0.0);
            QueryHandle direct = c.nodes.get(0).query("load", new byte[0],
                    QueryOptions.defaults().timeout(Duration.ofSeconds(3)));
            c.net.runFor(Duration.ofSeconds(4));
            QueryHandle relayed = c.nodes.get(0).query("load", new byte[0],
                    QueryOptions.defaults().relayFactor(3).timeout(Duration.ofSeconds(3)));
            c.net.runFor(Duration.ofSeconds(4));
            assertEquals(Set.of("node0", "node1", "node2"), direct.result().get().responders());
            // Each answer goes through 3 random members; about a third of them pick node1 or node2.
            assertTrue(relayed.result().get().responders().size() >= 5,
                    "relays through node1 and node2 bring answers: " + relayed.result().get().responders());
        }
    }

    @Test
    void responsesAfterTheDeadlineAreDroppedAndCounted() throws Exception {
        try (SimCluster c = cluster(44, 6)) {
            // Slow the asker's inbound links: every answer arrives after the 1 s deadline.
            for (int i = 1; i < 6; i++) {
                c.net.setLinkLatency(SimCluster.address(i), SimCluster.address(0), Duration.ofMillis(1500),
                        Duration.ofMillis(1600));
            }
            long lateBefore = c.nodes.get(0).stats().dropped(DropReason.LATE_RESPONSE);
            QueryHandle h = c.nodes.get(0).query("load", new byte[0],
                    QueryOptions.defaults().timeout(Duration.ofSeconds(1)));
            c.net.runFor(Duration.ofSeconds(5));
            QueryResult r = h.result().get();
            assertEquals(Set.of("node0"), r.responders(), "only the asker's own answer was in time");
            assertTrue(c.nodes.get(0).stats().dropped(DropReason.LATE_RESPONSE) - lateBefore >= 5);
        }
    }

    @Test
    void reachabilityCheckTellsWhoAnsweredAndWhoDidNot() throws Exception {
        try (SimCluster c = cluster(45, 8)) {
            c.net.partition(List.of(SimCluster.address(6)));
            var f = c.nodes.get(0).checkReachability(Duration.ofSeconds(2));
            c.net.runFor(Duration.ofSeconds(3));
            GossipNode.Reachability r = f.get();
            assertTrue(r.silent().contains("node6"), r.toString());
            assertEquals(c.names(0, 8).stream().filter(x -> !x.equals("node6")).collect(Collectors.toSet()),
                    r.answered());
        }
    }

    @Test
    void eachResponderAnswersOnlyOnceAndReservedNamesAreRefused() throws Exception {
        try (SimCluster c = cluster(46, 3)) {
            List<Exception> second = new java.util.ArrayList<>();
            c.answer = (self, q) -> {
                q.respond(new byte[]{1});
                try {
                    q.respond(new byte[]{2});
                } catch (IllegalStateException e) {
                    second.add(e);
                }
                return null;
            };
            QueryHandle h = c.nodes.get(0).query("once", new byte[0], QueryOptions.defaults()
                    .timeout(Duration.ofSeconds(2)));
            c.net.runFor(Duration.ofSeconds(3));
            assertEquals(3, h.result().get().responses().size());
            assertEquals(3, second.size());
            assertThrows(IllegalArgumentException.class,
                    () -> c.nodes.get(0).query("_grapevine_x", new byte[0], QueryOptions.defaults()));
        }
    }
}
