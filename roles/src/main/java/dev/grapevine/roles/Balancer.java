package dev.grapevine.roles;

import dev.grapevine.Member;

import java.util.Optional;

/** Chooses one member of a {@link RoleView} per request. */
@FunctionalInterface
public interface Balancer {

    /** The member to send the next request to; empty when the view is empty. */
    Optional<Member> pick();
}
