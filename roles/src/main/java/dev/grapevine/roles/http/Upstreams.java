package dev.grapevine.roles.http;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where a {@link ReverseProxy} (or a client of a role) sends requests: picks the next upstream for an attempt,
 * hears how it went, and tells when the set of upstreams changes so that the connections of the ones that left
 * are closed. {@code dev.grapevine.roles.RoleUpstreams} follows the members of a role. Thread-safe.
 */
public interface Upstreams {

    /** The upstream for the next attempt of a request, none of {@code tried} (names); empty when none is left. */
    Optional<Upstream> pick(Set<String> tried);

    /** A connection to {@code upstream} could not be made: it may be kept out of rotation for a while. */
    default void unreachable(Upstream upstream) {
    }

    /** {@code upstream} answered. */
    default void answered(Upstream upstream) {
    }

    /**
     * Calls {@code listener} with each endpoint that stops being an upstream (its member left, failed or turned
     * unhealthy, or moved), so that its connections are closed.
     */
    void onRemoved(Consumer<InetSocketAddress> listener);
}
