package dev.grapevine.benchmarks;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.sim.SimulatedNetwork;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A fingerprint of one deterministic simulation, to check that a change meant to alter only memory or speed
 * leaves the protocol's behaviour exactly as it was: run it on the code before and after the change and
 * compare the one line it prints. {@code N} nodes with three tags each on a {@link SimulatedNetwork} (seed
 * 42, 5 % datagram loss) join through the first 10 ms of virtual time apart; 20 s later one node changes its
 * tags, one crashes and one leaves; 60 s later the line gives the simulator's events run, datagrams sent
 * and delivered, and a hash of every listener call (observer, event type, virtual time, member name,
 * address, tags, status, incarnation) in order. Any difference in what any node did or saw, or when, shows.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.grapevine.benchmarks.SimFingerprint 300}
 */
public final class SimFingerprint {

    private SimFingerprint() {
    }

    /** Entry point: {@code SimFingerprint N} (at least 10). */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        if (n < 10) {
            throw new IllegalArgumentException("N: at least 10 nodes, was " + n);
        }
        SimulatedNetwork net = new SimulatedNetwork(42);
        net.setLoss(0.05);
        List<GossipNode> nodes = new ArrayList<>();
        long[] hash = {17};
        for (int i = 0; i < n; i++) {
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put("role", i % 3 == 0 ? "app" : "db");
            tags.put("port", Integer.toString(8000 + i % 7));
            tags.put("zone", "z" + (i % 4));
            String self = "n" + i;
            nodes.add(GossipNode.builder().name(self).bind(SimulatedCluster.address(i)).tags(tags)
                    .config(GossipConfig.lan()).runtime(net).random(net.newRandom())
                    .listener(e -> hash[0] = hash[0] * 31 + describe(self, e, net.now()).hashCode())
                    .start());
        }
        for (int i = 1; i < n; i++) {
            nodes.get(i).join(List.of(nodes.get(0).advertiseAddress()));
            net.runFor(Duration.ofMillis(10));
        }
        net.runFor(Duration.ofSeconds(20));
        nodes.get(5).updateTags(Map.of("role", "x"));
        net.crash(nodes.get(7).advertiseAddress());
        nodes.get(9).leave();
        net.runFor(Duration.ofSeconds(60));
        System.out.println("events " + net.eventsRun() + " sent " + net.datagramsSent() + " delivered "
                + net.datagramsDelivered() + " listener-hash " + hash[0]);
        net.close();
    }

    private static String describe(String observer, ClusterEvent e, long now) {
        String what = observer + e.getClass().getSimpleName() + now;
        if (e instanceof ClusterEvent.MemberEvent m) {
            what += m.member().name() + m.member().address() + new TreeMap<>(m.member().tags())
                    + m.member().status() + m.member().incarnation();
        }
        return what;
    }
}
