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
            countsAJoinAnEventAndACrash(c);
        }
    }

    @Test
    void aWarmClusterIsConvergedAndCountsTheSameChanges() {
        try (SimulatedCluster c = SimulatedCluster.warm(30, 3, GossipConfig.lan())) {
            countsAJoinAnEventAndACrash(c);
        }
    }

    /** On a converged cluster of 30: a join, an event and a crash, each counted until all have seen it. */
    private static void countsAJoinAnEventAndACrash(SimulatedCluster c) {
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
        SimulatedCluster.checkHeap(1000, 1L << 30, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimulatedCluster.checkHeap(10_000, 12L << 30, true));
        assertTrue(e.getMessage().startsWith(String.format("n: 10000 full-membership nodes need about %.1f GiB of heap"
                + " while they are built by joins (%.1f GiB of member views at %d B each, 8.9 GiB of queued broadcasts"
                + " at 58 B each", 1e8 * SimulatedCluster.HEAP_PER_MEMBER_VIEW / (1 << 30) + 8.85,
                1e8 * SimulatedCluster.HEAP_PER_MEMBER_VIEW / (1 << 30), SimulatedCluster.HEAP_PER_MEMBER_VIEW)),
                e.getMessage());
        // Built by joins, below 8,192 nodes a queue holds 2N broadcasts: the build needs more than the views.
        long views8000 = 64_000_000L * SimulatedCluster.HEAP_PER_MEMBER_VIEW;
        SimulatedCluster.checkHeap(8_000, views8000 + (1L << 30), false);
        assertThrows(IllegalArgumentException.class, () -> SimulatedCluster.checkHeap(8_000, views8000, true));
        // Warm-started: the member views only, at the warm cost per view.
        long warm10k = 100_000_000L * SimulatedCluster.HEAP_PER_WARM_MEMBER_VIEW;
        SimulatedCluster.checkHeap(10_000, warm10k, false);
        IllegalArgumentException warm = assertThrows(IllegalArgumentException.class,
                () -> SimulatedCluster.checkHeap(10_000, warm10k - 1, false));
        assertTrue(warm.getMessage().startsWith("n: 10000 warm-started full-membership nodes need about"),
                warm.getMessage());
        assertTrue(warm.getMessage().contains("for their member views"), warm.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SimulatedCluster.build(1, 1, GossipConfig.lan()));
        assertThrows(IllegalArgumentException.class, () -> SimulatedCluster.warm(1, 1, GossipConfig.lan()));
    }
}
