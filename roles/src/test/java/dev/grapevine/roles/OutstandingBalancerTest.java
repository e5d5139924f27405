package dev.grapevine.roles;

import dev.grapevine.ClusterEvent;
import dev.grapevine.Member;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutstandingBalancerTest {

    private static RoleView view(String... names) {
        RoleView view = new RoleView(Roles.APP);
        for (int i = 0; i < names.length; i++) {
            view.onEvent(new ClusterEvent.MemberJoined(Fixtures.app(names[i], i)));
        }
        return view;
    }

    private static String pickAndDone(OutstandingBalancer b) {
        try (Pick p = b.pick().orElseThrow()) {
            return p.member().name();
        }
    }

    @Test
    void tiesAreBrokenRoundRobin() {
        LeastOutstandingBalancer lo = new LeastOutstandingBalancer(view("a", "b", "c"));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            names.add(pickAndDone(lo));
        }
        assertEquals(List.of("a", "b", "c", "a", "b", "c"), names);
    }

    @Test
    void leastOutstandingAvoidsABusyMemberUntilDone() {
        LeastOutstandingBalancer lo = new LeastOutstandingBalancer(view("a", "b", "c"));
        Pick held = lo.pick().orElseThrow();
        assertEquals("a", held.member().name());
        assertEquals(1, lo.outstanding("a"));
        for (int i = 0; i < 20; i++) {
            assertNotEquals("a", pickAndDone(lo), "a has a request in flight, the others none");
        }
        // Two more held on b and c: now everyone has one; a is a candidate again.
        Pick b = lo.pick().orElseThrow();
        Pick c = lo.pick().orElseThrow();
        assertNotEquals(b.member().name(), c.member().name());
        assertNotEquals("a", b.member().name());
        assertNotEquals("a", c.member().name());
        b.done();
        c.done();

        held.done();
        held.done(); // idempotent
        assertEquals(0, lo.outstanding("a"));
        List<String> next = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            next.add(pickAndDone(lo));
        }
        assertTrue(next.contains("a"), "back in rotation after done(): " + next);
    }

    @Test
    void aMemberThatFailsIsOutOfRotationAtOnce() {
        RoleView view = view("a", "b");
        LeastOutstandingBalancer lo = new LeastOutstandingBalancer(view);
        Member a = view.members().get(0);
        view.onEvent(new ClusterEvent.MemberFailed(a));
        for (int i = 0; i < 5; i++) {
            assertEquals("b", pickAndDone(lo));
        }
        view.onEvent(new ClusterEvent.MemberFailed(view.members().get(0)));
        assertTrue(lo.pick().isEmpty());
        assertTrue(new PowerOfTwoBalancer(view, new Random(1)).pick().isEmpty());
        assertTrue(new RoundRobinBalancer(view).pick().isEmpty());
    }

    @Test
    void powerOfTwoRarelyPicksTheBusyMember() {
        RoleView view = view("a");
        PowerOfTwoBalancer p2c = new PowerOfTwoBalancer(view, new Random(42));
        List<Pick> busy = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            busy.add(p2c.pick().orElseThrow());
        }
        assertEquals(20, p2c.outstanding("a"));
        for (int i = 1; i < 5; i++) {
            view.onEvent(new ClusterEvent.MemberJoined(Fixtures.app("b" + i, i)));
        }
        int picksOfA = 0;
        java.util.Map<String, Integer> counts = new java.util.HashMap<>();
        List<Pick> inFlight = new ArrayList<>();
        Random r = new Random(7);
        for (int i = 0; i < 2000; i++) {
            Pick p = p2c.pick().orElseThrow();
            counts.merge(p.member().name(), 1, Integer::sum);
            if (p.member().name().equals("a")) {
                picksOfA++;
            }
            inFlight.add(p);
            // Keep a few requests in flight on the others, finishing them in random order.
            if (inFlight.size() > 6) {
                inFlight.remove(r.nextInt(inFlight.size())).done();
            }
        }
        assertTrue(picksOfA <= 20, "a held 20 leases and was picked " + picksOfA + " times of 2000");
        for (int i = 1; i < 5; i++) {
            assertTrue(counts.getOrDefault("b" + i, 0) > 300, "the load spreads over the others: " + counts);
        }
        busy.forEach(Pick::done);
        inFlight.forEach(Pick::done);
        assertEquals(0, p2c.outstanding("a"));
    }

    @Test
    void powerOfTwoIsDeterministicForASeed() {
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        PowerOfTwoBalancer x = new PowerOfTwoBalancer(view("a", "b", "c", "d"), new Random(3));
        PowerOfTwoBalancer y = new PowerOfTwoBalancer(view("a", "b", "c", "d"), new Random(3));
        for (int i = 0; i < 50; i++) {
            first.add(pickAndDone(x));
            second.add(pickAndDone(y));
        }
        assertEquals(first, second);
    }
}
