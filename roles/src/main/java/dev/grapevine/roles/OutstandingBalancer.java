package dev.grapevine.roles;

import java.util.Optional;

/**
 * A balancer that counts requests in flight per member: each {@link Pick} counts against its member until
 * {@link Pick#done()}.
 */
public interface OutstandingBalancer {

    /** The member to send the next request to, counted in flight until done; empty when the view is empty. */
    Optional<Pick> pick();

    /** The number of picks of the named member not yet done. */
    int outstanding(String memberName);
}
