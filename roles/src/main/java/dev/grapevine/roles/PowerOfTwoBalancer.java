package dev.grapevine.roles;

import dev.grapevine.Member;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * Power of two choices: draws two distinct members of the view at random and picks the one with fewer
 * requests in flight (the first drawn on a tie). Nearly as even as least-outstanding at the cost of two
 * lookups, and no herding onto one idle member. Thread-safe; the random source is injectable for
 * deterministic tests.
 */
public final class PowerOfTwoBalancer implements OutstandingBalancer {

    private final RoleView view;
    private final Random random;
    private final Outstanding outstanding = new Outstanding();

    /** A power-of-two balancer over {@code view} with a fresh random source. */
    public PowerOfTwoBalancer(RoleView view) {
        this(view, new Random());
    }

    /** A power-of-two balancer over {@code view} drawing from {@code random} (for seeded tests). */
    public PowerOfTwoBalancer(RoleView view, Random random) {
        this.view = Objects.requireNonNull(view, "view");
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public synchronized Optional<Pick> pick() {
        List<Member> members = view.members();
        int n = members.size();
        if (n == 0) {
            return Optional.empty();
        }
        Member chosen;
        if (n == 1) {
            chosen = members.get(0);
        } else {
            int i = random.nextInt(n);
            int j = random.nextInt(n - 1);
            if (j >= i) {
                j++;
            }
            Member a = members.get(i);
            Member b = members.get(j);
            chosen = outstanding.get(b.name()) < outstanding.get(a.name()) ? b : a;
        }
        outstanding.acquire(chosen.name());
        return Optional.of(new Pick(chosen, outstanding));
    }

    @Override
    public int outstanding(String memberName) {
        return outstanding.get(memberName);
    }
}
