package dev.grapevine;

import java.util.function.Supplier;

/** Named timing profiles, with the same defaults as memberlist and Serf. */
public enum Profile {
    /** A data-centre network: 1 s probes, 500 ms probe timeout, 200 ms gossip. */
    LAN(GossipConfig::lan),
    /** Links across the internet: 5 s probes, 3 s probe timeout, 500 ms gossip. */
    WAN(GossipConfig::wan),
    /** One host or a very fast network: 200 ms probe timeout, 100 ms gossip. */
    LOCAL(GossipConfig::local);

    private final Supplier<GossipConfig> config;

    Profile(Supplier<GossipConfig> config) {
        this.config = config;
    }

    /** This profile's configuration. */
    public GossipConfig config() {
        return config.get();
    }
}
