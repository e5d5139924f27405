package dev.grapevine.roles;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.Stats;
import dev.grapevine.roles.health.HealthCheck;
import dev.grapevine.roles.health.HealthChecker;
import dev.grapevine.roles.health.HealthStatus;
import dev.grapevine.sim.SimulatedNetwork;
import dev.grapevine.transport.TransportOptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failing health check takes its node out of every other node's role view and balancers, and a passing one
 * puts it back: six app nodes on a simulated network, one of them with a Java check whose schedule runs on
 * virtual time.
 */
class HealthRotationSimulationTest {

    private static final int NODES = 6;
    private static final int CHECKED = 3;

    private static InetSocketAddress address(int i) throws IOException {
        return new InetSocketAddress(InetAddress.getByAddress(new byte[]{127, 0, 6, (byte) (10 + i)}), 7946);
    }

    /** What one other node uses to route: its view of apps and the three balancers over it. */
    private record Router(RoleView view, RoundRobinBalancer roundRobin, PowerOfTwoBalancer powerOfTwo,
                          LeastOutstandingBalancer leastOutstanding) {

        static Router of(GossipNode node, long seed) {
            RoleView view = RoleView.of(node, Roles.APP);
            return new Router(view, new RoundRobinBalancer(view), new PowerOfTwoBalancer(view, new Random(seed)),
                    new LeastOutstandingBalancer(view));
        }

        boolean sees(String name) {
            return view.members().stream().anyMatch(m -> m.name().equals(name));
        }

        /** The members picked by 3 x 50 picks, one per balancer in turn. */
        Set<String> picks() {
            Set<String> out = new HashSet<>();
            for (int i = 0; i < 50; i++) {
                roundRobin.pick().map(Member::name).ifPresent(out::add);
                try (Pick p = powerOfTwo.pick().orElseThrow()) {
                    out.add(p.member().name());
                }
                Optional<Pick> least = leastOutstanding.pick();
                least.ifPresent(p -> out.add(p.member().name())); // kept in flight: spreads the next picks
            }
            return out;
        }
    }

    @Test
    void aFailingCheckTakesTheNodeOutOfEveryBalancerAndAPassingOnePutsItBack() throws IOException {
        try (SimulatedNetwork net = new SimulatedNetwork(606)) {
            List<GossipNode> nodes = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
                nodes.add(GossipNode.builder().name("app" + i).bind(address(i)).config(GossipConfig.lan())
                        .tags(Map.of(Roles.ROLE, Roles.APP, "http.port", String.valueOf(8000 + i)))
                        .runtime(net).random(net.newRandom()).start());
            }
            for (int i = 1; i < NODES; i++) {
                nodes.get(i).join(List.of(address(0)));
                net.runFor(Duration.ofMillis(50));
            }
            List<Router> routers = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
                routers.add(i == CHECKED ? null : Router.of(nodes.get(i), i));
            }
            String checked = "app" + CHECKED;
            assertTrue(net.runUntil(() -> routers.stream().allMatch(r -> r == null || r.view().size() == NODES),
                    Duration.ofSeconds(20)), "every node sees six apps");

            AtomicBoolean healthy = new AtomicBoolean(true);
            GossipNode node = nodes.get(CHECKED);
            HealthChecker checker = HealthChecker.builder().node(node)
                    .scheduler(net.bind(address(99), TransportOptions.DEFAULTS, new Stats()).scheduler())
                    .executor(Runnable::run)
                    .check(HealthCheck.predicate("ready", healthy::get).interval(Duration.ofSeconds(1)))
                    .start();
            net.runFor(Duration.ofMillis(10));
            assertEquals(HealthStatus.PASSING, checker.status());
            assertEquals("passing", node.localMember().tag(Roles.HEALTH), "the first run writes the tag");

            healthy.set(false);
            assertTrue(net.runUntil(() -> routers.stream().allMatch(r -> r == null || !r.sees(checked)),
                    Duration.ofSeconds(20)), () -> "still routed to the critical node: " + routers);
            for (Router r : routers) {
                if (r != null) {
                    Set<String> picked = r.picks();
                    assertFalse(picked.contains(checked), "picked the critical node: " + picked);
                    assertEquals(NODES - 1, picked.size(), "the others all still take traffic: " + picked);
                }
            }
            Member self = node.localMember();
            assertEquals("critical", self.tag(Roles.HEALTH));
            assertEquals(Roles.APP, self.tag(Roles.ROLE), "the other tags are kept");
            assertEquals(String.valueOf(8000 + CHECKED), self.tag("http.port"));

            // Other code replaces the tags without the health tag: the next run writes it again.
            node.updateTags(Map.of(Roles.ROLE, Roles.APP, "http.port", "8003", "version", "2"));
            net.runFor(Duration.ofMillis(1));
            assertEquals(null, node.localMember().tag(Roles.HEALTH));
            assertTrue(net.runUntil(() -> "critical".equals(node.localMember().tag(Roles.HEALTH)),
                    Duration.ofSeconds(2)), "the checker puts the health tag back");
            assertEquals("2", node.localMember().tag("version"), "keeping the new tags");
            net.runFor(Duration.ofSeconds(5));
            assertTrue(routers.stream().allMatch(r -> r == null || !r.sees(checked)),
                    "the node stays out of rotation: " + routers);

            healthy.set(true);
            assertTrue(net.runUntil(() -> routers.stream().allMatch(r -> r == null || r.sees(checked)),
                    Duration.ofSeconds(20)), () -> "not back in rotation: " + routers);
            for (Router r : routers) {
                if (r != null) {
                    Set<String> picked = r.picks();
                    assertTrue(picked.contains(checked), "never picked the passing node again: " + picked);
                    assertEquals(NODES, picked.size());
                }
            }
            checker.close();
        }
    }
}
