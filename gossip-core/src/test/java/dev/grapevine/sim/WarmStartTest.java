package dev.grapevine.sim;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nodes started with {@code assumeAlive} (every one given the list of all) form a converged cluster from
 * their first instant, and the protocol runs on it as on one built by joins: a newcomer joins, an event
 * spreads, a crash is detected, and a listed member that never started is found failed.
 */
class WarmStartTest {

    private static final int N = 30;

    private static List<Member> members(int n) {
        List<Member> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Member(SimCluster.name(i), SimCluster.address(i), Map.of("role", "app"), MemberStatus.ALIVE,
                    1));
        }
        return out;
    }

    @Test
    void aWarmClusterKnowsEveryoneAtOnceAndRunsTheProtocol() {
        try (SimCluster c = new SimCluster(21, GossipConfig.lan())) {
            List<Member> all = members(N + 1); // the last one never starts
            for (int i = 0; i < N; i++) {
                c.start(i, Map.of("role", "app"), b -> b.assumeAlive(all));
            }
            // One millisecond in (the starts have run; no exchange of state could have): everyone listed is
            // known alive.
            c.net.runFor(Duration.ofMillis(1));
            for (GossipNode o : c.nodes) {
                assertEquals(N + 1, o.liveMembers().size(), o.name());
            }
            // The member that never started is probed, suspected and declared failed by all.
            assertTrue(c.runUntil(() -> c.allSee(c.nodes, SimCluster.name(N), MemberStatus.FAILED),
                    Duration.ofSeconds(60)));
            assertTrue(c.allSeeLive(c.nodes, c.names(0, N)));

            GossipNode fresh = c.start(N + 1);
            fresh.join(List.of(SimCluster.address(4)));
            List<GossipNode> all31 = new ArrayList<>(c.nodes.subList(0, N));
            all31.add(fresh);
            java.util.Set<String> names = c.names(0, N);
            names.add(SimCluster.name(N + 1));
            assertTrue(c.runUntil(() -> c.allSeeLive(all31, names), Duration.ofSeconds(30)));

            c.nodes.get(7).sendEvent("warm", new byte[]{1}, false);
            assertTrue(c.runUntil(() -> all31.stream().allMatch(o -> c.userEvents.getOrDefault(o.name(), List.of())
                    .stream().anyMatch(u -> u.name().equals("warm"))), Duration.ofSeconds(30)));

            c.net.crash(SimCluster.address(9));
            List<GossipNode> survivors = new ArrayList<>(all31);
            survivors.remove(c.nodes.get(9));
            assertTrue(c.runUntil(() -> c.allSee(survivors, SimCluster.name(9), MemberStatus.FAILED),
                    Duration.ofSeconds(60)));
            assertTrue(c.events.stream().noneMatch(e -> e instanceof ClusterEvent.MemberFailed f
                    && !f.member().name().equals(SimCluster.name(9)) && !f.member().name().equals(SimCluster.name(N))),
                    "no false failure");
        }
    }

    @Test
    void onlyAliveMembersCanBeAssumed() {
        try (SimCluster c = new SimCluster(22, GossipConfig.lan())) {
            List<Member> list = List.of(new Member("x", SimCluster.address(5), Map.of(), MemberStatus.FAILED, 1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.start(0, Map.of(), b -> b.assumeAlive(list)));
            assertEquals("assumeAlive: member x is FAILED; only alive members can be assumed", e.getMessage());
        }
    }
}
