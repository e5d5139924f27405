package dev.grapevine.sim;

import dev.grapevine.ClusterEvent;
import dev.grapevine.ClusterListener;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GossipNode#addListener(ClusterListener, boolean)} with replay: a listener added at any moment of a
 * cluster forming sees this node's own join first, then exactly one join for every member, and every change
 * after, with nothing lost or repeated between the replay and the live events (simulated time, seeded).
 */
class ReplayListenerTest {

    /** What a listener saw, as a Serf event script would keep it: who is in, and every join it was told. */
    private static final class Recorder implements ClusterListener {
        final List<ClusterEvent.MemberEvent> events = new ArrayList<>();
        final Set<String> in = new HashSet<>();
        final List<String> problems = new ArrayList<>();

        @Override
        public void onEvent(ClusterEvent event) {
            if (!(event instanceof ClusterEvent.MemberEvent m)) {
                return;
            }
            events.add(m);
            String who = m.member().name();
            if (event instanceof ClusterEvent.MemberJoined) {
                if (!in.add(who)) {
                    problems.add("a second join of " + who + " with no leave or failure between");
                }
            } else if (event instanceof ClusterEvent.MemberLeft || event instanceof ClusterEvent.MemberFailed) {
                if (!in.remove(who)) {
                    problems.add(event.getClass().getSimpleName() + " of " + who + ", never told it joined");
                }
            }
        }
    }

    @ParameterizedTest(name = "attached {0} ms after 20 joiners start, coalescing {1}")
    @CsvSource({"0, false", "3, false", "40, false", "250, false", "1500, false", "0, true", "40, true",
            "250, true"})
    void aListenerAddedWhileTwentyNodesJoinSeesAllTwentyOneOnceItselfFirst(long attachAfterMillis,
                                                                           boolean coalesce) {
        GossipConfig config = GossipConfig.lan().toBuilder().coalesceMemberEvents(coalesce).build();
        try (SimCluster c = new SimCluster(31 + attachAfterMillis, config)) {
            GossipNode seed = c.start(0);
            for (int i = 1; i <= 20; i++) {
                c.start(i);
            }
            for (int i = 1; i <= 20; i++) {
                c.nodes.get(i).join(List.of(SimCluster.address(0))); // all at the same instant
            }
            c.net.runFor(Duration.ofMillis(attachAfterMillis));
            Recorder r = new Recorder();
            seed.addListener(r, true);
            Set<String> all = c.names(0, 21);
            assertTrue(c.runUntil(() -> r.in.equals(all), Duration.ofSeconds(60)), "the listener's view: " + r.in);
            c.net.runFor(Duration.ofSeconds(5)); // nothing more arrives late
            assertEquals(all, r.in);
            assertTrue(r.problems.isEmpty(), r.problems.toString());
            ClusterEvent.MemberEvent first = r.events.get(0);
            assertTrue(first instanceof ClusterEvent.MemberJoined && first.member().name().equals(seed.name()),
                    "its own join first: " + first);
            assertEquals(21, r.events.stream().filter(e -> e instanceof ClusterEvent.MemberJoined).count());
        }
    }

    @Test
    void theReplayIsTheMembersUpNowAndChangesFollowIt() {
        try (SimCluster c = new SimCluster(41, GossipConfig.lan())) {
            c.startAndJoin(8, Duration.ZERO);
            List<GossipNode> all = c.nodes.subList(0, 8);
            assertTrue(c.runUntil(() -> c.allSeeLive(all, c.names(0, 8)), Duration.ofSeconds(30)));
            GossipNode observer = c.nodes.get(3);
            c.net.crash(SimCluster.address(5));
            assertTrue(c.runUntil(() -> observer.member(SimCluster.name(5)).map(m -> m.status() == MemberStatus.FAILED)
                    .orElse(false), Duration.ofSeconds(60)));

            Recorder r = new Recorder();
            observer.addListener(r, true);
            c.net.runFor(Duration.ofMillis(1));
            Set<String> up = c.names(0, 8);
            up.remove(SimCluster.name(5));
            assertEquals(up, r.in, "the failed member is not replayed");
            assertEquals(observer.name(), r.events.get(0).member().name());

            c.nodes.get(6).leave();
            assertTrue(c.runUntil(() -> !r.in.contains(SimCluster.name(6)), Duration.ofSeconds(30)),
                    "a leave after the replay reaches it");
            assertTrue(r.events.get(r.events.size() - 1) instanceof ClusterEvent.MemberLeft);

            assertTrue(observer.removeListener(r), "a replayed listener is removed by the listener given");
            int seen = r.events.size();
            c.nodes.get(7).leave();
            c.net.runFor(Duration.ofSeconds(10));
            assertEquals(seen, r.events.size(), "nothing after its removal");
            assertFalse(r.problems.iterator().hasNext(), r.problems.toString());
        }
    }
}
