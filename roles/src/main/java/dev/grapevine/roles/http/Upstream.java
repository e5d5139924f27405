package dev.grapevine.roles.http;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A server requests can be sent to: a cluster member's name and the address of its HTTP service.
 *
 * @param name     the member's name (what retries keep apart)
 * @param endpoint where its service listens
 */
public record Upstream(String name, InetSocketAddress endpoint) {

    /** Checks both are given. */
    public Upstream {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(endpoint, "endpoint");
    }
}
