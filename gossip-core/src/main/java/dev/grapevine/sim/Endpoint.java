package dev.grapevine.sim;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * One address of the simulated network, outliving the hosts bound to it: a restarted node at the same
 * address finds the same partition group and link settings.
 *
 * <p>Only the simulation thread touches it. The link map is used for lookups only, never iterated.
 */
final class Endpoint {

    final InetSocketAddress address;
    /** The live host bound here, or null. */
    Host host;
    /** True when the last host bound here crashed (rather than closed) and none was bound since. */
    boolean crashed;
    /** Partition group: hosts talk only within the same group. 0 is the healed network. */
    int group;
    /** Directed link settings from this address, by destination; null until one is set. */
    private Map<InetSocketAddress, Link> links;

    Endpoint(InetSocketAddress address) {
        this.address = address;
    }

    /** The settings of the link from here to {@code to}, or null when it follows the network defaults. */
    Link link(InetSocketAddress to) {
        return links == null ? null : links.get(to);
    }

    /** The settings of the link from here to {@code to}, created with "inherit everything" values. */
    Link linkForUpdate(InetSocketAddress to) {
        if (links == null) {
            links = new HashMap<>();
        }
        return links.computeIfAbsent(to, k -> new Link());
    }

    /** Drops the settings of the link from here to {@code to}. */
    void resetLink(InetSocketAddress to) {
        if (links != null) {
            links.remove(to);
        }
    }

    @Override
    public String toString() {
        return "Endpoint{" + address + ", group=" + group + (host == null ? ", unbound" : "") + "}";
    }

    /** Overrides for one directed link; a negative value means "use the network default". */
    static final class Link {
        long minLatency = -1;
        long maxLatency = -1;
        double loss = -1;
    }
}
