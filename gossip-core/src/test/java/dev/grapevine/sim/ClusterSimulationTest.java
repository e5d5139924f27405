package dev.grapevine.sim;

import dev.grapevine.ClusterEvent;
import dev.grapevine.ClusterListener;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.JoinException;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole-cluster protocol behaviour on virtual time: deterministic for each seed. */
class ClusterSimulationTest {

    private static final GossipConfig LAN = GossipConfig.lan();

    @Test
    void smallClusterConvergesToIdenticalViews() {
        try (SimCluster c = new SimCluster(1, LAN)) {
            c.startAndJoin(20, Duration.ofSeconds(2));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 20)), Duration.ofSeconds(60)),
                    "20 nodes should converge");
            Map<String, String> first = SimCluster.view(c.nodes.get(0));
            for (GossipNode n : c.nodes) {
                assertEquals(first, SimCluster.view(n), "view of " + n.name());
            }
            assertTrue(c.failures.isEmpty(), c.failures.toString());
        }
    }

    @Test
    void crashedNodeIsMarkedFailedByEveryMember() {
        try (SimCluster c = new SimCluster(2, LAN)) {
            c.startAndJoin(30, Duration.ofSeconds(3));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 30)), Duration.ofSeconds(60)));
            long crashedAt = c.net.now();
            c.net.crash(SimCluster.address(7));
            assertTrue(c.runUntil(() -> c.allSee(c.except(7), "node7", MemberStatus.FAILED),
                    Duration.ofSeconds(60)), "every member should mark node7 failed");
            double seconds = (c.net.now() - crashedAt) / 1e9;
            assertTrue(seconds < 30, "detected by all in " + seconds + " s");
            assertTrue(c.failures.stream().allMatch(f -> f.endsWith("node7 fail")), c.failures.toString());
        }
    }

    @Test
    void leftNodeIsReportedLeftNotFailed() {
        try (SimCluster c = new SimCluster(3, LAN)) {
            c.startAndJoin(15, Duration.ofSeconds(2));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 15)), Duration.ofSeconds(60)));
            CompletableFuture<Void> left = c.nodes.get(4).leave();
            assertTrue(c.runUntil(left::isDone, Duration.ofSeconds(10)), "leave completes");
            c.nodes.get(4).close();
            assertTrue(c.runUntil(() -> c.allSee(c.except(4), "node4", MemberStatus.LEFT), Duration.ofSeconds(30)));
            c.net.runFor(Duration.ofSeconds(60));
            assertTrue(c.allSee(c.except(4), "node4", MemberStatus.LEFT), "stays left");
            assertTrue(c.failures.isEmpty(), c.failures.toString());
        }
    }

    @Test
    void noHealthyNodeIsDeclaredFailedUnderTenPercentLoss() {
        try (SimCluster c = new SimCluster(4, LAN)) {
            c.net.setLoss(0.10);
            c.startAndJoin(50, Duration.ofSeconds(5));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 50)), Duration.ofSeconds(120)),
                    "converges despite loss");
            c.net.runFor(Duration.ofMinutes(10));
            assertTrue(c.failures.isEmpty(), "false failures: " + c.failures);
            assertTrue(c.allSeeLive(c.nodes, c.names(0, 50)));
        }
    }

    @Test
    void partitionHealsIntoOneCluster() {
        try (SimCluster c = new SimCluster(5, LAN)) {
            c.startAndJoin(20, Duration.ofSeconds(2));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 20)), Duration.ofSeconds(60)));
            List<java.net.InetSocketAddress> half = java.util.stream.IntStream.range(0, 10)
                    .mapToObj(SimCluster::address).toList();
            c.net.partition(half);
            List<GossipNode> a = c.where(i -> i < 10);
            List<GossipNode> b = c.where(i -> i >= 10);
            assertTrue(c.runUntil(() -> c.allSeeLive(a, c.names(0, 10)) && c.allSeeLive(b, c.names(10, 20)),
                    Duration.ofSeconds(120)), "each side sees only itself alive");
            c.net.heal();
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 20)), Duration.ofMinutes(5)),
                    "halves merge again after the partition is removed");
        }
    }

    @Test
    void pausedNodeIsDeclaredFailedAndRefutesAfterResume() {
        try (SimCluster c = new SimCluster(6, LAN)) {
            c.startAndJoin(10, Duration.ofSeconds(1));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 10)), Duration.ofSeconds(60)));
            long before = c.nodes.get(3).localMember().incarnation();
            c.net.pause(SimCluster.address(3));
            assertTrue(c.runUntil(() -> c.allSee(c.except(3), "node3", MemberStatus.FAILED), Duration.ofSeconds(60)),
                    "a paused node is declared failed");
            c.net.resume(SimCluster.address(3));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 10)), Duration.ofMinutes(3)),
                    "after resuming it refutes and is alive everywhere");
            assertTrue(c.nodes.get(3).localMember().incarnation() > before, "refuted with a higher incarnation");
        }
    }

    @Test
    void removedListenerHearsNothingMore() {
        try (SimCluster c = new SimCluster(8, LAN)) {
            c.startAndJoin(5, Duration.ofSeconds(1));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 5)), Duration.ofSeconds(60)));
            List<ClusterEvent> kept = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<ClusterEvent> removed = new java.util.concurrent.CopyOnWriteArrayList<>();
            ClusterListener gone = removed::add;
            c.nodes.get(0).addListener(kept::add);
            c.nodes.get(0).addListener(gone);
            assertTrue(c.nodes.get(0).removeListener(gone));
            assertFalse(c.nodes.get(0).removeListener(gone), "a second removal finds nothing");
            c.nodes.get(3).updateTags(Map.of("role", "front"));
            assertTrue(c.runUntil(() -> !kept.isEmpty(), Duration.ofSeconds(30)), "the kept listener hears the update");
            assertTrue(removed.isEmpty(), "the removed listener hears nothing: " + removed);
        }
    }

    @Test
    void tagChangeReachesEveryMember() {
        try (SimCluster c = new SimCluster(7, LAN)) {
            c.startAndJoin(25, Duration.ofSeconds(2));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 25)), Duration.ofSeconds(60)));
            c.nodes.get(9).updateTags(Map.of("role", "front", "http.port", "8080"));
            assertTrue(c.runUntil(() -> c.nodes.stream().allMatch(n ->
                    "front".equals(n.member("node9").orElseThrow().tag("role"))), Duration.ofSeconds(30)));
            assertTrue(c.events.stream().anyMatch(e -> e instanceof ClusterEvent.MemberUpdated u
                    && u.member().name().equals("node9")));
        }
    }

    @Test
    void joiningANodeThatIsDownFailsWithAClearError() {
        try (SimCluster c = new SimCluster(8, LAN)) {
            GossipNode n = c.start(0);
            CompletableFuture<Integer> f = n.join(List.of(SimCluster.address(99)));
            c.net.runFor(Duration.ofSeconds(15));
            assertTrue(f.isDone(), "join must not hang");
            ExecutionException e = assertThrows(ExecutionException.class, f::get);
            assertInstanceOf(JoinException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains(SimCluster.address(99).toString()), e.getCause().getMessage());
        }
    }

    @Test
    void joinThroughSeveralAddressesCountsEachReached() throws Exception {
        try (SimCluster c = new SimCluster(9, LAN)) {
            c.start(0);
            c.start(1);
            GossipNode n = c.start(2);
            CompletableFuture<Integer> f = n.join(List.of(SimCluster.address(0), SimCluster.address(1),
                    SimCluster.address(50)));
            c.net.runFor(Duration.ofSeconds(15));
            assertEquals(2, f.get());
        }
    }

    @Test
    void oversizedTagsAreRejectedAtTheCall() {
        try (SimCluster c = new SimCluster(10, LAN)) {
            GossipNode n = c.start(0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> n.updateTags(Map.of("big", "x".repeat(600))));
            assertTrue(e.getMessage().contains("maxTagsBytes"), e.getMessage());
        }
    }

    @Test
    void aHostNameJoinsThroughEveryAddressItResolvesTo() throws Exception {
        try (SimCluster c = new SimCluster(11, LAN)) {
            c.start(0);
            c.start(1);
            c.start(2);
            GossipNode n = c.start(3, Map.of(), b -> b.resolver(host -> {
                if (!host.equals("seeds.cluster.test")) {
                    throw new java.net.UnknownHostException(host);
                }
                return List.of(SimCluster.address(0).getAddress(), SimCluster.address(1).getAddress(),
                        SimCluster.address(2).getAddress());
            }));
            CompletableFuture<Integer> f = n.join("seeds.cluster.test:7946");
            c.net.runFor(Duration.ofSeconds(5));
            assertEquals(3, f.get(), "joined through all three addresses of the name");
            CompletableFuture<Integer> unknown = n.join("nowhere.test:7946");
            c.net.runFor(Duration.ofSeconds(1));
            ExecutionException e = assertThrows(ExecutionException.class, unknown::get);
            assertTrue(e.getCause().getMessage().contains("nowhere.test"), e.getCause().getMessage());
        }
    }

    @Test
    void retryJoinKeepsTryingUntilTheSeedIsUp() {
        try (SimCluster c = new SimCluster(12, LAN)) {
            c.start(1, Map.of(), b -> b.retryJoin(Duration.ofSeconds(5), 0,
                    SimCluster.address(0).getAddress().getHostAddress() + ":7946"));
            c.net.runFor(Duration.ofSeconds(17));
            assertEquals(1, c.nodes.get(1).members().size(), "seed not up yet: alone");
            c.start(0);
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 2)), Duration.ofSeconds(30)),
                    "the retrying node joined once the seed came up");
        }
    }

    @Test
    void retryJoinCalledOnARunningNodeJoinsOnceTheSeedIsUp() {
        try (SimCluster c = new SimCluster(15, LAN)) {
            c.start(1);
            c.nodes.get(1).retryJoin(Duration.ofSeconds(5), 0,
                    SimCluster.address(0).getAddress().getHostAddress() + ":7946");
            c.net.runFor(Duration.ofSeconds(12));
            assertEquals(1, c.nodes.get(1).members().size(), "seed not up yet: alone");
            c.start(0);
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 2)), Duration.ofSeconds(30)));
            assertThrows(IllegalArgumentException.class, () -> c.nodes.get(1).retryJoin(Duration.ZERO, 0, "x"));
            assertThrows(IllegalArgumentException.class, () -> c.nodes.get(1).retryJoin(Duration.ofSeconds(1), 0));
        }
    }

    @Test
    void retryJoinGivesUpAfterMaxAttempts() {
        try (SimCluster c = new SimCluster(13, LAN)) {
            c.start(1, Map.of(), b -> b.retryJoin(Duration.ofSeconds(5), 2,
                    SimCluster.address(0).getAddress().getHostAddress() + ":7946"));
            c.net.runFor(Duration.ofSeconds(20));
            c.start(0);
            c.net.runFor(Duration.ofSeconds(60));
            assertEquals(1, c.nodes.get(1).members().size(), "no third attempt after two failed");
            assertEquals(1, c.nodes.get(0).members().size());
        }
    }

    @Test
    void probingACrashedNodeDoesNotMakeHealthyProbersDistrustThemselves() {
        try (SimCluster c = new SimCluster(14, LAN)) {
            c.startAndJoin(12, Duration.ofSeconds(1));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 12)), Duration.ofSeconds(60)));
            c.net.crash(SimCluster.address(5));
            // Sample health while the crashed node is being probed and suspected.
            int worst = 0;
            for (int s = 0; s < 20; s++) {
                c.net.runFor(Duration.ofMillis(500));
                for (GossipNode n : c.except(5)) {
                    worst = Math.max(worst, n.healthScore());
                }
            }
            // The helpers' nacks arrive in time, telling each prober its own link is fine.
            assertTrue(worst <= 1, "worst health score " + worst);
            assertTrue(c.allSee(c.except(5), "node5", MemberStatus.FAILED));
        }
    }

    @Test
    void nameConflictIsDecidedByTheMajorityAndTheLoserStops() throws Exception {
        try (SimCluster c = new SimCluster(15, LAN)) {
            c.startAndJoin(6, Duration.ofSeconds(1));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 6)), Duration.ofSeconds(30)));
            // A second process calls itself node2, from another address.
            java.net.InetSocketAddress elsewhere = SimCluster.address(50);
            GossipNode impostor = GossipNode.builder().name("node2").bind(elsewhere).config(LAN).runtime(c.net)
                    .random(c.net.newRandom()).start();
            impostor.join(List.of(SimCluster.address(0)));
            assertTrue(c.runUntil(impostor::isClosed, Duration.ofSeconds(30)), "the newcomer lost the vote and stopped");
            c.net.runFor(Duration.ofSeconds(30));
            assertTrue(!c.nodes.get(2).isClosed(), "the original keeps its name");
            for (GossipNode n : c.nodes) {
                assertEquals(SimCluster.address(2), n.member("node2").orElseThrow().address(), n.name());
                assertEquals(MemberStatus.ALIVE, n.member("node2").orElseThrow().status(), n.name());
            }
        }
    }

    @Test
    void failedMembersNameIsReclaimedOnlyAfterTheReclaimTime() {
        GossipConfig reclaim = LAN.toBuilder().deadNodeReclaimTime(Duration.ofSeconds(60)).build();
        try (SimCluster c = new SimCluster(16, reclaim)) {
            c.startAndJoin(4, Duration.ofSeconds(1));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 4)), Duration.ofSeconds(30)));
            c.net.crash(SimCluster.address(3));
            assertTrue(c.runUntil(() -> c.allSee(c.except(3), "node3", MemberStatus.FAILED), Duration.ofSeconds(60)));
            java.net.InetSocketAddress moved = SimCluster.address(33);
            try {
                GossipNode again = GossipNode.builder().name("node3").bind(moved).config(reclaim).runtime(c.net)
                        .random(c.net.newRandom()).start();
                again.join(List.of(SimCluster.address(0)));
                c.net.runFor(Duration.ofSeconds(5));
                assertEquals(SimCluster.address(3), c.nodes.get(0).member("node3").orElseThrow().address(),
                        "too soon: the name still belongs to the failed address");
                assertTrue(c.runUntil(() -> c.except(3).stream().allMatch(n ->
                        moved.equals(n.member("node3").orElseThrow().address())
                                && n.member("node3").orElseThrow().status() == MemberStatus.ALIVE),
                        Duration.ofMinutes(3)), "after the reclaim time the new address takes the name");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void coalescedMemberEventsDeliverOnlyTheLatestChangePerMember() {
        GossipConfig coalescing = LAN.toBuilder().coalesceMemberEvents(true).build();
        try (SimCluster c = new SimCluster(17, coalescing)) {
            c.startAndJoin(6, Duration.ofSeconds(1));
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 6)), Duration.ofSeconds(30)));
            c.net.runFor(Duration.ofSeconds(10));
            c.events.clear();
            for (int i = 0; i < 5; i++) {
                c.nodes.get(3).updateTags(Map.of("role", "app", "version", "v" + i));
                c.net.runFor(Duration.ofMillis(150));
            }
            c.net.runFor(Duration.ofSeconds(10));
            List<ClusterEvent.MemberUpdated> updates = c.events.stream()
                    .filter(e -> e instanceof ClusterEvent.MemberUpdated u && u.member().name().equals("node3"))
                    .map(e -> (ClusterEvent.MemberUpdated) e).toList();
            // One per observer (node3 itself included), each with the final tags.
            assertEquals(6, updates.size(), updates.toString());
            assertTrue(updates.stream().allMatch(u -> "v4".equals(u.member().tag("version"))));
        }
    }
}
