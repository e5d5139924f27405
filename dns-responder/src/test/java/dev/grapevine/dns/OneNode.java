package dev.grapevine.dns;

import dev.grapevine.GossipNode;
import dev.grapevine.sim.SimulatedNetwork;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One node alone on a simulated network: a membership for tests about the responder's sockets and parsing,
 * where gossip does not matter. Close it on the thread that made it.
 */
final class OneNode implements AutoCloseable {

    private final SimulatedNetwork net;
    private final GossipNode node;

    /**
     * @param seed    the simulation's seed
     * @param name    the node's name
     * @param address its (simulated) address on 127.0.5.N
     * @param tags    its tags
     */
    OneNode(long seed, String name, String address, Map<String, String> tags) throws IOException {
        net = new SimulatedNetwork(seed);
        node = GossipNode.builder().name(name).bind(new InetSocketAddress(address, 7946)).tags(tags).runtime(net)
                .random(net.newRandom()).start();
    }

    GossipNode node() {
        return node;
    }

    @Override
    public void close() {
        net.close();
    }
}
