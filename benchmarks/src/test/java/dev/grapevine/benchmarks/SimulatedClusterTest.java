package dev.grapevine.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.MemberStatus;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class SimulatedClusterTest {

    private static final Duration LIMIT = Duration.ofMinutes(2);

    @Test
    void buildsAConvergedClusterAndCountsAJoinAnEventAndACrash() {
        try (SimulatedCluster c = SimulatedCluster.build(30, 3, GossipConfig.lan())) {
            assertEquals(30, c.nodes().size());
            for (GossipNode n : c.nodes()) {
                assertEquals(30, n.liveMembers().size(), n.name());
            }

            GossipNode fresh = c.start();
            c.watchMember(fresh.name());
            fresh.join(List.of(c.nodes().get(3).advertiseAddress()));
            long joinNanos = c.runUntil(c::joinedSeen, 30, LIMIT, "join");
            assertTrue(joinNanos > 0);
            assertEquals(30, c.joinedSeen());
            for (GossipNode n : c.nodes()) {
                assertEquals(MemberStatus.ALIVE, n.member(fresh.name()).orElseThrow().status(), n.name());
            }

            c.watchEvent("hello");
            c.randomNode().sendEvent("hello", new byte[] {1}, false);
            c.runUntil(c::eventSeen, 31, LIMIT, "event");
            assertEquals(31, c.eventSeen());

            GossipNode victim = c.nodes().get(7);
            c.watchMember(victim.name());
            c.crash(victim);
            assertFalse(c.nodes().contains(victim));
            long crashNanos = c.runUntil(c::failedSeen, 30, LIMIT, "crash");
            // Detection waits out the suspicion timeout: several probe intervals, never instant.
            assertTrue(crashNanos > GossipConfig.lan().probeInterval().toNanos(), "crash seen after " + crashNanos);
            for (GossipNode n : c.nodes()) {
                assertEquals(MemberStatus.FAILED, n.member(victim.name()).orElseThrow().status(), n.name());
            }
        }
    }

    @Test
    void runUntilSaysHowFarItGotWhenTimeRunsOut() {
        try (SimulatedCluster c = SimulatedCluster.build(5, 4, GossipConfig.lan())) {
            c.watchEvent("never-sent");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> c.runUntil(c::eventSeen, 5, Duration.ofSeconds(1), "silence"));
            assertEquals("silence: only 0 of 5 nodes after PT1S of virtual time", e.getMessage());
        }
    }

    @Test
    void refusesClustersThatCannotFitInTheHeap() {
        SimulatedCluster.checkHeap(1000, 1L << 30);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimulatedCluster.checkHeap(10_000, 12L << 30));
        assertTrue(e.getMessage().startsWith("n: 10000 full-membership nodes need about 25.6 GiB of heap while they"
                + " are built (16.8 GiB of member views at 180 B each, 8.9 GiB of queued broadcasts at 58 B each"),
                e.getMessage());
        // Below 8,192 nodes a queue holds 2N broadcasts; 8,000 nodes fit in 18 GiB, 8,100 do not.
        SimulatedCluster.checkHeap(8_000, 18L << 30);
        assertThrows(IllegalArgumentException.class, () -> SimulatedCluster.checkHeap(8_100, 18L << 30));
        assertThrows(IllegalArgumentException.class, () -> SimulatedCluster.build(1, 1, GossipConfig.lan()));
    }
}
