package dev.grapevine.roles;

import dev.grapevine.Member;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BalancerPropertyTest {

    @Provide
    Arbitrary<List<Churn.Step>> churn() {
        return Churn.sequences();
    }

    @Property(tries = 300)
    void picksAreAlwaysCurrentMembers(@ForAll("churn") List<Churn.Step> steps, @ForAll long seed) {
        RoleView view = new RoleView(Roles.APP);
        RoundRobinBalancer rr = new RoundRobinBalancer(view);
        LeastOutstandingBalancer lo = new LeastOutstandingBalancer(view);
        PowerOfTwoBalancer p2c = new PowerOfTwoBalancer(view, new Random(seed));
        Random random = new Random(seed);
        List<Pick> held = new ArrayList<>();
        Churn.Model model = new Churn.Model();
        Set<String> gone = new HashSet<>();
        for (Churn.Step step : steps) {
            view.onEvent(step.event());
            model.apply(step);
            String name = "m" + step.index();
            switch (step.kind()) {
                case FAILED, LEFT, REAPED -> gone.add(name);
                case JOINED, UPDATED -> gone.remove(name);
                default -> { }
            }
            List<String> expected = model.expected(Roles.APP);
            for (int i = 0; i < 4; i++) {
                check(rr.pick(), expected, gone);
                Optional<Pick> a = lo.pick();
                check(a.map(Pick::member), expected, gone);
                Optional<Pick> b = p2c.pick();
                check(b.map(Pick::member), expected, gone);
                a.ifPresent(held::add);
                b.ifPresent(held::add);
            }
            // Finish a random part of the requests in flight, so the counts vary.
            held.removeIf(p -> {
                if (random.nextBoolean()) {
                    p.done();
                    return true;
                }
                return false;
            });
        }
        held.forEach(Pick::done);
        for (int i = 0; i < Churn.MEMBERS; i++) {
            assertEquals(0, lo.outstanding("m" + i));
            assertEquals(0, p2c.outstanding("m" + i));
        }
    }

    private static void check(Optional<Member> pick, List<String> expected, Set<String> gone) {
        if (expected.isEmpty()) {
            assertTrue(pick.isEmpty(), "an empty view picks nothing");
            return;
        }
        Member m = pick.orElseThrow();
        assertTrue(expected.contains(m.name()), () -> m.name() + " is not in " + expected);
        assertTrue(Roles.serves(m, Roles.APP));
        assertFalse(gone.contains(m.name()), "never a member after its failure, leave or reap");
    }

    @Property(tries = 100)
    void roundRobinIsExactlyFairOnAStableView(@ForAll("sizes") int n, @ForAll("rounds") int k) {
        RoleView view = new RoleView(Roles.APP);
        for (int i = 0; i < n; i++) {
            view.onEvent(new dev.grapevine.ClusterEvent.MemberJoined(Fixtures.app("a" + i, i)));
        }
        RoundRobinBalancer rr = new RoundRobinBalancer(view);
        java.util.Map<String, Integer> counts = new java.util.HashMap<>();
        for (int i = 0; i < k * n; i++) {
            counts.merge(rr.pick().orElseThrow().name(), 1, Integer::sum);
        }
        assertEquals(n, counts.size());
        counts.values().forEach(c -> assertEquals(k, c));
    }

    @Provide
    Arbitrary<Integer> sizes() {
        return net.jqwik.api.Arbitraries.integers().between(1, 10);
    }

    @Provide
    Arbitrary<Integer> rounds() {
        return net.jqwik.api.Arbitraries.integers().between(1, 20);
    }
}
