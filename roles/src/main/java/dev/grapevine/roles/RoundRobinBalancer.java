package dev.grapevine.roles;

import dev.grapevine.Member;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Round robin over the view's current snapshot (sorted by name): on a stable view of N members, every N
 * consecutive picks return each member once. When the view changes the rotation carries on from the same
 * counter over the new snapshot. Lock-free and thread-safe.
 */
public final class RoundRobinBalancer implements Balancer {

    private final RoleView view;
    private final AtomicLong next = new AtomicLong();

    /** A round-robin balancer over {@code view}. */
    public RoundRobinBalancer(RoleView view) {
        this.view = Objects.requireNonNull(view, "view");
    }

    @Override
    public Optional<Member> pick() {
        List<Member> members = view.members();
        if (members.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(members.get((int) Math.floorMod(next.getAndIncrement(), (long) members.size())));
    }
}
