package dev.grapevine.roles;

import dev.grapevine.Member;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoleViewPropertyTest {

    @Provide
    Arbitrary<List<Churn.Step>> churn() {
        return Churn.sequences();
    }

    @Property(tries = 500)
    void viewEqualsTheModelAfterEveryEvent(@ForAll("churn") List<Churn.Step> steps) {
        RoleView view = new RoleView(Roles.APP);
        List<List<Member>> notified = new ArrayList<>();
        view.addListener(notified::add);
        Churn.Model model = new Churn.Model();
        for (Churn.Step step : steps) {
            List<Member> before = view.members();
            int calls = notified.size();
            view.onEvent(step.event());
            model.apply(step);

            List<String> names = view.members().stream().map(Member::name).toList();
            assertEquals(model.expected(Roles.APP), names, () -> "after " + step);
            assertEquals(names.size(), view.size());
            assertEquals(names.isEmpty(), view.isEmpty());
            for (Member m : view.members()) {
                assertEquals(model.latest.get(m.name()), m, "the view holds each member's latest state");
            }
            assertThrows(UnsupportedOperationException.class, () -> view.members().clear());
            if (before.equals(view.members())) {
                assertEquals(calls, notified.size(), () -> "no change, no call: " + step);
                assertSame(before, view.members(), "the snapshot is only swapped on change");
            } else {
                assertEquals(calls + 1, notified.size(), () -> "one call per change: " + step);
                assertSame(view.members(), notified.get(notified.size() - 1));
            }
        }
    }

    @Property(tries = 200)
    void resetToTheLatestStatesChangesNothing(@ForAll("churn") List<Churn.Step> steps) {
        RoleView view = new RoleView(Roles.APP);
        Churn.Model model = new Churn.Model();
        for (Churn.Step step : steps) {
            view.onEvent(step.event());
            model.apply(step);
        }
        List<Member> before = view.members();
        int[] calls = {0};
        view.addListener(m -> calls[0]++);
        view.reset(model.latest.values());
        assertEquals(before, view.members());
        assertEquals(0, calls[0]);

        RoleView fresh = new RoleView(Roles.APP);
        fresh.reset(model.latest.values());
        assertEquals(before, fresh.members());
        assertTrue(fresh.members().stream().allMatch(m -> Roles.serves(m, Roles.APP)));
    }
}
