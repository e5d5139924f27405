package dev.grapevine.roles;

import dev.grapevine.Member;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Picks the member of the view with the fewest requests in flight; ties are broken round robin (the scan for
 * the minimum starts one member further on each pick). Picks are serialized so the counts they compare are
 * exact; {@link Pick#done()} needs no lock.
 */
public final class LeastOutstandingBalancer implements OutstandingBalancer {

    private final RoleView view;
    private final Outstanding outstanding = new Outstanding();
    private long next;

    /** A least-outstanding balancer over {@code view}. */
    public LeastOutstandingBalancer(RoleView view) {
        this.view = Objects.requireNonNull(view, "view");
    }

    @Override
    public synchronized Optional<Pick> pick() {
        List<Member> members = view.members();
        int n = members.size();
        if (n == 0) {
            return Optional.empty();
        }
        int start = (int) Math.floorMod(next++, (long) n);
        Member best = null;
        int bestCount = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            Member m = members.get((start + i) % n);
            int count = outstanding.get(m.name());
            if (count < bestCount) {
                best = m;
                bestCount = count;
            }
        }
        outstanding.acquire(best.name());
        return Optional.of(new Pick(best, outstanding));
    }

    @Override
    public int outstanding(String memberName) {
        return outstanding.get(memberName);
    }
}
