package dev.grapevine.sim;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link GossipNode#forceLeave}: Serf's force-leave on a simulated 5-node cluster, deterministic per seed. */
class ForceLeaveTest {

    private static final GossipConfig LAN = GossipConfig.lan();

    /** Five nodes, each recording "observer event member" for member events about others. */
    private static final class Cluster implements AutoCloseable {
        final SimCluster c;
        final List<String> seen = new ArrayList<>();

        Cluster(long seed) {
            c = new SimCluster(seed, LAN);
            for (int i = 0; i < 5; i++) {
                String self = SimCluster.name(i);
                c.start(i, Map.of("role", "app"), b -> b.listener(e -> {
                    if (e instanceof ClusterEvent.MemberEvent m && !m.member().name().equals(self)
                            && !(e instanceof ClusterEvent.MemberJoined)) {
                        seen.add(self + " " + e.getClass().getSimpleName() + " " + m.member().name());
                    }
                }));
            }
            for (int i = 1; i < 5; i++) {
                c.nodes.get(i).join(List.of(SimCluster.address(0)));
                c.net.runFor(Duration.ofMillis(200));
            }
            assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, 5)), Duration.ofSeconds(60)), "converged");
        }

        /** Closes node 4 without a leave and waits until the other four have it failed. */
        void crashNode4() {
            c.nodes.get(4).close();
            assertTrue(c.runUntil(() -> c.allSee(c.except(4), "node4", MemberStatus.FAILED), Duration.ofSeconds(60)),
                    "node4 failed everywhere");
        }

        long count(String observer, String event, String member) {
            return seen.stream().filter((observer + " " + event + " " + member)::equals).count();
        }

        @Override
        public void close() {
            c.close();
        }
    }

    @Test
    void failedMemberBecomesLeftOnEveryMember() {
        try (Cluster k = new Cluster(41)) {
            k.crashNode4();
            CompletableFuture<Void> done = k.c.nodes.get(1).forceLeave("node4", false);
            assertTrue(k.c.runUntil(() -> k.c.allSee(k.c.except(4), "node4", MemberStatus.LEFT),
                    Duration.ofSeconds(10)), "left everywhere");
            assertTrue(done.isDone() && !done.isCompletedExceptionally());
            for (GossipNode n : k.c.except(4)) {
                assertEquals(1, k.count(n.name(), "MemberLeft", "node4"), n.name() + ": " + k.seen);
            }
            // Not pruned: it stays as a tombstone, and push-pulls keep it left.
            k.c.net.runFor(Duration.ofSeconds(90));
            assertTrue(k.c.allSee(k.c.except(4), "node4", MemberStatus.LEFT), "stays left");
            assertTrue(k.seen.stream().noneMatch(s -> s.contains("MemberReaped")), k.seen.toString());
            // A left member without prune: nothing to do.
            CompletableFuture<Void> again = k.c.nodes.get(2).forceLeave("node4", false);
            k.c.net.runFor(Duration.ofSeconds(1));
            assertTrue(again.isDone() && !again.isCompletedExceptionally());
            assertTrue(k.c.allSee(k.c.except(4), "node4", MemberStatus.LEFT));
        }
    }

    @Test
    void pruneForgetsTheMemberEverywhere() {
        try (Cluster k = new Cluster(42)) {
            k.crashNode4();
            CompletableFuture<Void> done = k.c.nodes.get(2).forceLeave("node4", true);
            assertTrue(k.c.runUntil(() -> k.c.except(4).stream().allMatch(n -> n.member("node4").isEmpty()),
                    Duration.ofSeconds(10)), "gone from every members()");
            assertTrue(done.isDone() && !done.isCompletedExceptionally());
            for (GossipNode n : k.c.except(4)) {
                assertEquals(1, k.count(n.name(), "MemberLeft", "node4"), n.name() + ": " + k.seen);
                assertEquals(1, k.count(n.name(), "MemberReaped", "node4"), n.name() + ": " + k.seen);
                assertEquals(4, n.members().size());
            }
            // Push-pulls and gossip still carrying the old intent or state do not bring it back.
            k.c.net.runFor(Duration.ofSeconds(120));
            for (GossipNode n : k.c.except(4)) {
                assertTrue(n.member("node4").isEmpty(), n.name() + " still without node4");
                assertEquals(1, k.count(n.name(), "MemberReaped", "node4"), k.seen.toString());
            }
        }
    }

    @Test
    void pruneOfAMemberAlreadyLeftReapsIt() {
        try (Cluster k = new Cluster(43)) {
            k.crashNode4();
            k.c.nodes.get(1).forceLeave("node4", false);
            assertTrue(k.c.runUntil(() -> k.c.allSee(k.c.except(4), "node4", MemberStatus.LEFT),
                    Duration.ofSeconds(10)));
            k.c.nodes.get(3).forceLeave("node4", true);
            assertTrue(k.c.runUntil(() -> k.c.except(4).stream().allMatch(n -> n.member("node4").isEmpty()),
                    Duration.ofSeconds(10)), "reaped everywhere");
            for (GossipNode n : k.c.except(4)) {
                assertEquals(1, k.count(n.name(), "MemberReaped", "node4"), k.seen.toString());
            }
        }
    }

    @Test
    void refusedForUnknownSelfAndAliveMembers() {
        try (Cluster k = new Cluster(44)) {
            GossipNode n0 = k.c.nodes.get(0);
            IllegalArgumentException alive = assertThrows(IllegalArgumentException.class,
                    () -> n0.forceLeave("node2", true));
            assertEquals("member node2 is alive: force-leave only removes failed members", alive.getMessage());
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                    () -> n0.forceLeave("nobody", false));
            assertTrue(unknown.getMessage().contains("member nobody is not known"), unknown.getMessage());
            IllegalArgumentException self = assertThrows(IllegalArgumentException.class,
                    () -> n0.forceLeave("node0", false));
            assertTrue(self.getMessage().startsWith("member node0 is this node"), self.getMessage());
            k.c.net.runFor(Duration.ofSeconds(5));
            assertTrue(k.c.allSeeLive(k.c.nodes, k.c.names(0, 5)), "nothing changed");
        }
    }

    @Test
    void refusedForASuspectMember() {
        try (Cluster k = new Cluster(45)) {
            k.c.net.pause(SimCluster.address(3));
            GossipNode[] suspecting = new GossipNode[1];
            assertTrue(k.c.runUntil(() -> {
                for (GossipNode n : k.c.except(3)) {
                    if (n.member("node3").map(m -> m.status() == MemberStatus.SUSPECT).orElse(false)) {
                        suspecting[0] = n;
                        return true;
                    }
                }
                return false;
            }, Duration.ofSeconds(30)), "someone suspects node3");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> suspecting[0].forceLeave("node3", true));
            assertEquals("member node3 is suspect: force-leave only removes failed members", e.getMessage());
            k.c.net.resume(SimCluster.address(3));
            assertTrue(k.c.runUntil(() -> k.c.allSeeLive(k.c.nodes, k.c.names(0, 5)), Duration.ofMinutes(2)));
            assertFalse(k.seen.stream().anyMatch(s -> s.contains("Reaped")));
        }
    }
}
