package dev.grapevine.roles.metrics;

import dev.grapevine.GossipNode;
import dev.grapevine.MemberStatus;
import dev.grapevine.Stats;
import dev.grapevine.sim.SimulatedNetwork;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Micrometer binder shows the node's figures, on a simulated two-node cluster. */
class GrapevineMeterBinderTest {

    @Test
    void meterValuesFollowTheNode() throws Exception {
        try (SimulatedNetwork net = new SimulatedNetwork(24)) {
            GossipNode a = GossipNode.builder().name("a").bind(new InetSocketAddress("127.0.24.201", 7946))
                    .runtime(net).random(net.newRandom()).start();
            GossipNode b = GossipNode.builder().name("b").bind(new InetSocketAddress("127.0.24.202", 7946))
                    .runtime(net).random(net.newRandom()).start();
            b.join(List.of(a.advertiseAddress()));
            assertTrue(net.runUntil(() -> a.liveMembers().size() == 2, Duration.ofSeconds(10)));
            net.runFor(Duration.ofSeconds(5));

            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new GrapevineMeterBinder(a, Tags.of("app", "shop")).bindTo(registry);
            assertEquals(NodeFigure.all().size(), registry.getMeters().size(), "one meter per figure");

            Gauge alive = registry.get("grapevine.members").tags("status", "alive", "app", "shop").gauge();
            assertEquals(2, alive.value());
            assertEquals(0, registry.get("grapevine.members").tag("status", "left").gauge().value());
            assertEquals(a.healthScore(), registry.get("grapevine.health.score").gauge().value());
            FunctionCounter probes = registry.get("grapevine.probes.sent").functionCounter();
            assertEquals(a.stats().probesSent(), (long) probes.count());
            assertTrue(probes.count() > 0);
            assertEquals(a.stats().packetsSent(), (long) registry.get("grapevine.packets.sent").functionCounter().count());
            assertEquals(0, registry.get("grapevine.dropped").tag("reason", "malformed").functionCounter().count());
            for (Stats.Counter c : Stats.Counter.values()) {
                registry.get("grapevine." + c.metricName().replace('_', '.')).functionCounter(); // each is there
            }

            b.leave();
            assertTrue(net.runUntil(() -> a.member("b").map(m -> m.status() == MemberStatus.LEFT).orElse(false),
                    Duration.ofSeconds(10)));
            assertEquals(1, alive.value(), "gauges read the node when asked");
            assertEquals(1, registry.get("grapevine.members").tag("status", "left").gauge().value());
            double before = probes.count();
            net.runFor(Duration.ofSeconds(3));
            assertTrue(probes.count() >= before);
        }
    }
}
