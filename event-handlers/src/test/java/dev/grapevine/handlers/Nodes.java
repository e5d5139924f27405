package dev.grapevine.handlers;

import dev.grapevine.ClusterListener;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/** Real nodes on loopback for the cluster tests. */
final class Nodes {

    private Nodes() {
    }

    /**
     * Starts a node on {@code ip} (a free port). {@code handlers}, when not null, is registered before the start
     * (so it sees the node's own join) and attached after it. The node and the handlers go into {@code open},
     * to be closed in reverse order.
     */
    static GossipNode start(String name, String ip, Map<String, String> tags, GossipConfig config,
                            EventDispatcher handlers, List<AutoCloseable> open, ClusterListener... listeners)
            throws IOException {
        GossipNode.Builder b = GossipNode.builder().name(name).bind(ip + ":0").tags(tags).config(config);
        if (handlers != null) {
            b.listener(handlers);
        }
        for (ClusterListener l : listeners) {
            b.listener(l);
        }
        GossipNode n = b.start();
        open.add(n);
        if (handlers != null) {
            open.add(handlers);
            handlers.attach(n);
        }
        return n;
    }
}
