package dev.grapevine.membership;

import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProbeRingTest {

    private static NodeState node(int i) {
        return new NodeState("n" + i, new InetSocketAddress("127.0.0.1", 7000 + i), Map.of(), 1,
                MemberStatus.ALIVE, 0);
    }

    @Test
    void everyMemberIsProbedOncePerPass() {
        ProbeRing ring = new ProbeRing(new Random(1));
        for (int i = 0; i < 20; i++) {
            ring.add(node(i));
        }
        for (int pass = 0; pass < 3; pass++) {
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                seen.add(ring.next(n -> true).name());
            }
            assertEquals(20, seen.size(), "pass " + pass);
        }
    }

    @Test
    void membersAddedAtOnceAreProbedOncePerPassInAShuffledOrder() {
        ProbeRing ring = new ProbeRing(new Random(3));
        ring.add(node(0));
        List<NodeState> more = new java.util.ArrayList<>();
        for (int i = 1; i < 40; i++) {
            more.add(node(i));
        }
        ring.addAll(more);
        assertEquals(40, ring.size());
        List<String> firstPass = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            firstPass.add(ring.next(n -> true).name());
        }
        assertEquals(40, new HashSet<>(firstPass).size());
        assertTrue(!firstPass.subList(1, 40).equals(more.stream().map(NodeState::name).toList())
                && !firstPass.subList(0, 39).equals(more.stream().map(NodeState::name).toList()),
                "not probed in the order given: " + firstPass);
        ring.addAll(List.of());
        assertEquals(40, ring.size());
    }

    @Test
    void ineligibleMembersAreSkippedAndNoneEligibleGivesNull() {
        ProbeRing ring = new ProbeRing(new Random(1));
        for (int i = 0; i < 5; i++) {
            ring.add(node(i));
        }
        for (int i = 0; i < 10; i++) {
            assertEquals("n3", ring.next(n -> n.name().equals("n3")).name());
        }
        assertNull(ring.next(n -> false));
    }

    @Test
    void randomPicksDistinctEligibleMembers() {
        ProbeRing ring = new ProbeRing(new Random(7));
        for (int i = 0; i < 50; i++) {
            ring.add(node(i));
        }
        List<NodeState> picked = ring.random(3, n -> !n.name().equals("n0"));
        assertEquals(3, picked.size());
        assertEquals(3, new HashSet<>(picked).size());
        assertTrue(picked.stream().noneMatch(n -> n.name().equals("n0")));
    }

    @Test
    void removedMemberIsNoLongerProbed() {
        ProbeRing ring = new ProbeRing(new Random(3));
        NodeState gone = node(1);
        ring.add(node(0));
        ring.add(gone);
        ring.add(node(2));
        ring.remove(gone);
        for (int i = 0; i < 10; i++) {
            assertTrue(ring.next(n -> true) != gone);
        }
    }
}
