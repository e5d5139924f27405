package dev.grapevine.roles;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.sim.SimulatedNetwork;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A RoleView on a real node of a simulated six-node cluster. */
class RoleViewSimulationTest {

    private static InetSocketAddress address(int i) throws IOException {
        return new InetSocketAddress(InetAddress.getByAddress(new byte[]{127, 1, 0, (byte) i}), 7946);
    }

    private static Set<String> names(RoleView view) {
        return view.members().stream().map(Member::name).collect(Collectors.toSet());
    }

    private static boolean runUntil(SimulatedNetwork net, java.util.function.BooleanSupplier done, Duration max) {
        long end = net.now() + max.toNanos();
        while (!done.getAsBoolean()) {
            if (net.now() >= end) {
                return false;
            }
            net.runFor(Duration.ofMillis(100));
        }
        return true;
    }

    @Test
    void viewFollowsJoinsCrashesAndHealth() throws IOException {
        try (SimulatedNetwork net = new SimulatedNetwork(2024)) {
            List<GossipNode> nodes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String role = i % 2 == 1 ? Roles.APP : Roles.FRONT; // node1, node3, node5 are apps
                nodes.add(GossipNode.builder().name("node" + i).bind(address(i)).config(GossipConfig.lan())
                        .tags(Map.of(Roles.ROLE, role, "http.port", String.valueOf(8000 + i)))
                        .runtime(net).random(net.newRandom()).start());
            }
            RoleView view = RoleView.of(nodes.get(0), Roles.APP);
            List<Set<String>> changes = new ArrayList<>();
            view.addListener(m -> changes.add(m.stream().map(Member::name).collect(Collectors.toSet())));
            assertTrue(view.isEmpty(), "node0 knows only itself, a front");
            for (int i = 1; i < 6; i++) {
                nodes.get(i).join(List.of(address(0)));
                net.runFor(Duration.ofMillis(50));
            }

            Set<String> apps = Set.of("node1", "node3", "node5");
            assertTrue(runUntil(net, () -> names(view).equals(apps), Duration.ofSeconds(10)), () -> view.toString());
            assertEquals(8003, Roles.endpoint(nodes.get(0).member("node3").orElseThrow(), "http")
                    .orElseThrow().getPort());
            RoundRobinBalancer rr = new RoundRobinBalancer(view);

            net.crash(address(5));
            assertTrue(runUntil(net, () -> names(view).equals(Set.of("node1", "node3")), Duration.ofSeconds(30)),
                    () -> "crashed node5 still in " + view);
            for (int i = 0; i < 10; i++) {
                assertTrue(Set.of("node1", "node3").contains(rr.pick().orElseThrow().name()));
            }

            nodes.get(3).updateTags(Map.of(Roles.ROLE, Roles.APP, Roles.HEALTH, Roles.CRITICAL, "http.port", "8003"));
            assertTrue(runUntil(net, () -> names(view).equals(Set.of("node1")), Duration.ofSeconds(10)),
                    () -> "critical node3 still in " + view);

            nodes.get(3).updateTags(Map.of(Roles.ROLE, Roles.APP, Roles.HEALTH, Roles.PASSING, "http.port", "8003"));
            assertTrue(runUntil(net, () -> names(view).equals(Set.of("node1", "node3")), Duration.ofSeconds(10)),
                    () -> "passing node3 not back in " + view);

            assertEquals(Set.of("node1", "node3"), changes.get(changes.size() - 1));
            assertTrue(changes.contains(Set.of("node1")));
            assertTrue(changes.contains(apps));
        }
    }
}
