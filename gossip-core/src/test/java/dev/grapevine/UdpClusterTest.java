package dev.grapevine;

import dev.grapevine.transport.NetworkRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.grapevine.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real UDP and TCP on loopback: each node on its own 127.0.2.N address, all sharing one runtime (two
 * threads for the whole cluster).
 */
class UdpClusterTest {

    private static final int PORT = 17946;
    private static final GossipConfig CONFIG = GossipConfig.local();

    private final NetworkRuntime runtime = NetworkRuntime.create("udp-cluster-test");
    private final List<GossipNode> nodes = new ArrayList<>();

    @AfterEach
    void stop() {
        nodes.forEach(GossipNode::close);
        runtime.close();
    }

    private static InetSocketAddress address(int i) {
        return new InetSocketAddress("127.0.2." + (i + 1), PORT);
    }

    private GossipNode start(int i) throws IOException {
        GossipNode n = GossipNode.builder().name("udp" + i).bind(address(i)).tag("role", "app")
                .config(CONFIG).runtime(runtime).start();
        if (i < nodes.size()) {
            nodes.set(i, n);
        } else {
            nodes.add(n);
        }
        return n;
    }


    private static Set<String> alive(GossipNode n) {
        return n.members().stream().filter(m -> m.status() == MemberStatus.ALIVE).map(Member::name)
                .collect(Collectors.toSet());
    }

    private Set<String> names(int count) {
        Set<String> s = new java.util.HashSet<>();
        for (int i = 0; i < count; i++) {
            s.add("udp" + i);
        }
        return s;
    }

    private void startCluster(int count) throws Exception {
        start(0);
        for (int i = 1; i < count; i++) {
            start(i).join("127.0.2.1:" + PORT).get(10, TimeUnit.SECONDS);
        }
        Set<String> all = names(count);
        assertTrue(await(() -> nodes.stream().allMatch(n -> alive(n).equals(all)), Duration.ofSeconds(30)),
                () -> "not converged: " + nodes.stream().map(n -> n.name() + "=" + alive(n).size()).toList());
    }

    private boolean allOthersSee(int subject, MemberStatus status) {
        String name = "udp" + subject;
        for (int i = 0; i < nodes.size(); i++) {
            if (i != subject && nodes.get(i).member(name).map(Member::status).orElse(null) != status) {
                return false;
            }
        }
        return true;
    }

    @Test
    void twentyNodesConvergeOverRealUdp() throws Exception {
        startCluster(20);
        Map<String, Long> incarnations = nodes.get(0).members().stream()
                .collect(Collectors.toMap(Member::name, Member::incarnation));
        for (GossipNode n : nodes) {
            assertEquals(20, n.members().size());
            assertTrue(n.stats().packetsSent() > 0);
        }
        assertEquals(20, incarnations.size());
    }

    @Test
    void closeWithoutLeaveIsDetectedAsFailed() throws Exception {
        startCluster(6);
        nodes.get(3).close();
        assertTrue(await(() -> allOthersSee(3, MemberStatus.FAILED), Duration.ofSeconds(40)),
                "a node that vanished is declared failed by all");
    }

    @Test
    void leaveIsSeenAsLeft() throws Exception {
        startCluster(6);
        nodes.get(2).leave().get(10, TimeUnit.SECONDS);
        nodes.get(2).close();
        assertTrue(await(() -> allOthersSee(2, MemberStatus.LEFT), Duration.ofSeconds(20)));
    }

    @Test
    void restartedNodeWithTheSameNameComesBackAlive() throws Exception {
        startCluster(5);
        long before = nodes.get(0).member("udp4").orElseThrow().incarnation();
        nodes.get(4).close();
        assertTrue(await(() -> allOthersSee(4, MemberStatus.FAILED), Duration.ofSeconds(40)));
        GossipNode again = start(4);
        again.join("127.0.2.1:" + PORT).get(10, TimeUnit.SECONDS);
        assertTrue(await(() -> nodes.stream().allMatch(n -> alive(n).equals(names(5))), Duration.ofSeconds(20)),
                "the restarted node is alive everywhere again");
        assertTrue(nodes.get(0).member("udp4").orElseThrow().incarnation() > before);
    }

    @Test
    void joiningAnAddressWhereNothingListensFailsFast() throws Exception {
        GossipNode n = start(0);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> n.join("127.0.2.200:" + PORT).get(20, TimeUnit.SECONDS));
        assertInstanceOf(JoinException.class, e.getCause());
    }

    @Test
    void listenersRunInOrderOffTheProtocolThread() throws Exception {
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
        GossipNode a = GossipNode.builder().name("udp0").bind(address(0)).config(CONFIG).runtime(runtime)
                .listener(e -> {
                    threads.add(Thread.currentThread().getName());
                    if (e instanceof ClusterEvent.MemberEvent m) {
                        order.add(e.getClass().getSimpleName() + ":" + m.member().name());
                    }
                }).start();
        nodes.add(a);
        GossipNode b = start(1);
        nodes.set(1, b);
        b.join("127.0.2.1:" + PORT).get(10, TimeUnit.SECONDS);
        assertTrue(await(() -> order.contains("MemberJoined:udp1"), Duration.ofSeconds(10)));
        b.leave().get(10, TimeUnit.SECONDS);
        assertTrue(await(() -> order.contains("MemberLeft:udp1"), Duration.ofSeconds(10)));
        assertTrue(order.indexOf("MemberJoined:udp1") < order.indexOf("MemberLeft:udp1"), order.toString());
        assertTrue(threads.stream().allMatch(t -> t.equals("udp-cluster-test-listeners")), threads.toString());
    }

    @Test
    void advertisedAddressIsWhatOthersSeeAndDial() throws Exception {
        GossipNode seed = start(0);
        int port = PORT + 7;
        GossipNode nat = GossipNode.builder().name("behind-nat").bind(new InetSocketAddress("0.0.0.0", port))
                .advertise("127.0.2.77:" + port).config(CONFIG).runtime(runtime).start();
        try {
            nat.join("127.0.2.1:" + PORT).get(10, TimeUnit.SECONDS);
            assertTrue(await(() -> seed.member("behind-nat").map(m -> m.status() == MemberStatus.ALIVE)
                    .orElse(false), Duration.ofSeconds(10)));
            assertEquals(new InetSocketAddress("127.0.2.77", port), seed.member("behind-nat").orElseThrow().address());
            // The seed probes the advertised address; the node stays alive through several probe rounds.
            Thread.sleep(3000);
            assertEquals(MemberStatus.ALIVE, seed.member("behind-nat").orElseThrow().status());
        } finally {
            nat.close();
        }
    }

    @Test
    void nodesJoinOverIpv6Loopback() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ipv6LoopbackWorks(), "IPv6 loopback [::1] is not available here");
        GossipNode a = GossipNode.builder().name("v6a").bind("[::1]:" + (PORT + 11)).config(CONFIG).runtime(runtime).start();
        GossipNode b = GossipNode.builder().name("v6b").bind("[::1]:" + (PORT + 12)).config(CONFIG).runtime(runtime).start();
        try {
            assertEquals(1, b.join("[::1]:" + (PORT + 11)).get(10, TimeUnit.SECONDS));
            assertTrue(await(() -> a.liveMembers().size() == 2 && b.liveMembers().size() == 2, Duration.ofSeconds(10)));
        } finally {
            a.close();
            b.close();
        }
    }

    private static boolean ipv6LoopbackWorks() {
        try (java.nio.channels.DatagramChannel ch = java.nio.channels.DatagramChannel.open()) {
            ch.bind(new InetSocketAddress("::1", 0));
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
