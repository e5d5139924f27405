package dev.grapevine.dns;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.HostPort;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.roles.Roles;
import dev.grapevine.roles.health.HealthCheck;
import dev.grapevine.roles.health.HealthChecker;
import dev.grapevine.roles.health.HealthStatus;
import dev.grapevine.sim.SimulatedNetwork;
import dev.grapevine.transport.NetworkRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The responder queried by the real {@code dig} over UDP and TCP, answering from a cluster of real nodes on
 * loopback (127.0.5.N, one shared network runtime): three DNS nodes, three web members with HTTP ports, and
 * 32 app members (enough A records to overflow 512 bytes).
 *
 * <p>Responders: {@code grapevine} on dns1 forwarding to {@code other} (on dns2, which cuts UDP answers at
 * 512 bytes so that the forwarder's TCP retry is exercised), and {@code grapevine} on dns3 with no upstream.
 */
class DigTest {

    private static final int GOSSIP_PORT = 17946;
    private static final int APPS = 32;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static NetworkRuntime runtime;
    private static final Map<String, GossipNode> nodes = new LinkedHashMap<>();
    private static DnsResponder main;
    private static DnsResponder other;
    private static DnsResponder refusing;

    private static InetSocketAddress gossip(int host) {
        return new InetSocketAddress("127.0.5." + host, GOSSIP_PORT);
    }

    private static GossipNode start(String name, int host, Map<String, String> tags) throws IOException {
        GossipNode n = GossipNode.builder().name(name).bind(gossip(host)).config(GossipConfig.local()).tags(tags)
                .runtime(runtime).start();
        nodes.put(name, n);
        return n;
    }

    @BeforeAll
    static void cluster() throws Exception {
        Assumptions.assumeTrue(Dig.available(),
                "dig (Debian package dnsutils) is not installed: skipping the tests that query with the real dig");
        runtime = NetworkRuntime.create("dig-test");
        for (int i = 1; i <= 3; i++) {
            start("dns" + i, i, Map.of(Roles.ROLE, Roles.DNS));
        }
        for (int i = 1; i <= 3; i++) {
            start("web" + i, 10 + i, Map.of(Roles.ROLE, "web", "http.port", String.valueOf(8080 + i)));
        }
        for (int i = 1; i <= APPS; i++) {
            start("app" + i, 100 + i, Map.of(Roles.ROLE, Roles.APP));
        }
        for (GossipNode n : nodes.values()) {
            if (n != nodes.get("dns1")) {
                n.join(List.of(gossip(1))).get(20, TimeUnit.SECONDS);
            }
        }
        assertTrue(Await.until(() -> nodes.values().stream().allMatch(n -> alive(n).size() == nodes.size()), WAIT),
                "cluster did not converge");
        other = DnsResponder.builder().node(nodes.get("dns2")).domain("other").bind("127.0.5.2:0")
                .maxUdpPayload(512).start();
        main = DnsResponder.builder().node(nodes.get("dns1")).bind("127.0.5.1:0")
                .upstreams(List.of(new HostPort("127.0.5.2", other.address().getPort())))
                .upstreamTimeout(Duration.ofSeconds(2)).start();
        refusing = DnsResponder.builder().node(nodes.get("dns3")).bind("127.0.5.3:0").start();
    }

    @AfterAll
    static void stop() {
        for (DnsResponder r : new DnsResponder[]{main, other, refusing}) {
            if (r != null) {
                r.close();
            }
        }
        nodes.values().forEach(GossipNode::close);
        if (runtime != null) {
            runtime.close();
        }
    }

    private static Set<String> alive(GossipNode n) {
        Set<String> out = new HashSet<>();
        for (Member m : n.members()) {
            if (m.status() == MemberStatus.ALIVE) {
                out.add(m.name());
            }
        }
        return out;
    }

    private static Dig.Result dig(DnsResponder r, String... args) throws IOException, InterruptedException {
        return Dig.ask(r.address(), args);
    }

    private static Set<String> ips(int from, int to) {
        Set<String> out = new HashSet<>();
        for (int i = from; i <= to; i++) {
            out.add("127.0.5." + i);
        }
        return out;
    }

    @Test
    void roleAOverUdpAndTcp() throws Exception {
        for (String transport : List.of("+notcp", "+tcp")) {
            Dig.Result r = dig(main, "web.service.grapevine.", "A", transport).expectStatus("NOERROR");
            assertEquals(ips(11, 13), r.answers("A"), r::toString);
            assertTrue(r.flags().containsAll(Set.of("qr", "aa", "rd", "ra")), r::toString);
            assertEquals("0", r.section("ANSWER").get(0)[1], "TTL 0 by default");
        }
    }

    @Test
    void aaaaOfIpv4MembersIsNodata() throws Exception {
        Dig.Result r = dig(main, "web.service.grapevine.", "AAAA").expectStatus("NOERROR");
        assertTrue(r.section("ANSWER").isEmpty(), r::toString);
        assertEquals(Set.of("SOA"), Set.of(r.section("AUTHORITY").get(0)[3]), r::toString);
    }

    @Test
    void aaaaOfAnIpv6Member() throws Exception {
        // Real nodes here bind 127.0.5.N only, so the IPv6 member lives on a simulated network (its address is
        // never dialled); the responder in front of it is real.
        try (SimulatedNetwork net = new SimulatedNetwork(11)) {
            GossipNode v4 = GossipNode.builder().name("mixed4").bind(gossip(40)).tags(Map.of(Roles.ROLE, "mixed"))
                    .runtime(net).random(net.newRandom()).start();
            GossipNode v6 = GossipNode.builder().name("mixed6").bind(new InetSocketAddress("::1", GOSSIP_PORT))
                    .tags(Map.of(Roles.ROLE, "mixed")).runtime(net).random(net.newRandom()).start();
            v6.join(List.of(gossip(40)));
            assertTrue(net.runUntil(() -> v4.liveMembers().size() == 2, Duration.ofSeconds(10)));
            try (DnsResponder r = DnsResponder.builder().node(v4).bind("127.0.5.6:0").start()) {
                for (String transport : List.of("+notcp", "+tcp")) {
                    Dig.Result aaaa = dig(r, "mixed.service.grapevine.", "AAAA", transport).expectStatus("NOERROR");
                    assertEquals(Set.of("::1"), aaaa.answers("AAAA"), aaaa::toString);
                    Dig.Result a = dig(r, "mixed.service.grapevine.", "A", transport).expectStatus("NOERROR");
                    assertEquals(Set.of("127.0.5.40"), a.answers("A"), a::toString);
                    Dig.Result node = dig(r, "mixed6.node.grapevine.", "AAAA", transport).expectStatus("NOERROR");
                    assertEquals(Set.of("::1"), node.answers("AAAA"), node::toString);
                }
            }
        }
    }

    @Test
    void srvWithPortsAndAddressesInAdditional() throws Exception {
        for (String transport : List.of("+notcp", "+tcp")) {
            Dig.Result r = dig(main, "_http._tcp.web.service.grapevine.", "SRV", transport).expectStatus("NOERROR");
            assertEquals(Set.of("1 1 8081 web1.node.grapevine.", "1 1 8082 web2.node.grapevine.",
                    "1 1 8083 web3.node.grapevine."), r.answers("SRV"), r::toString);
            Set<String> glue = new HashSet<>();
            for (String[] rr : r.section("ADDITIONAL")) {
                glue.add(rr[0] + " " + rr[3] + " " + rr[4]);
            }
            assertEquals(Set.of("web1.node.grapevine. A 127.0.5.11", "web2.node.grapevine. A 127.0.5.12",
                    "web3.node.grapevine. A 127.0.5.13"), glue, r::toString);
        }
        Dig.Result plain = dig(main, "web.service.grapevine.", "SRV").expectStatus("NOERROR");
        assertEquals(3, plain.answers("SRV").size(), plain::toString);
    }

    @Test
    void nodeAddressAndTags() throws Exception {
        Dig.Result a = dig(main, "web2.node.grapevine.", "A", "+tcp").expectStatus("NOERROR");
        assertEquals(Set.of("127.0.5.12"), a.answers("A"), a::toString);
        Dig.Result txt = dig(main, "web2.node.grapevine.", "TXT").expectStatus("NOERROR");
        assertEquals(Set.of("\"http.port=8082\"", "\"role=web\""), txt.answers("TXT"), txt::toString);
    }

    @Test
    void nxdomainAndNodata() throws Exception {
        for (String transport : List.of("+notcp", "+tcp")) {
            Dig.Result nx = dig(main, "nosuch.service.grapevine.", "A", transport).expectStatus("NXDOMAIN");
            assertTrue(nx.flags().contains("aa"), nx::toString);
            assertEquals("SOA", nx.section("AUTHORITY").get(0)[3], nx::toString);
            dig(main, "nosuch.node.grapevine.", "A", transport).expectStatus("NXDOMAIN");
            Dig.Result nodata = dig(main, "web.service.grapevine.", "TXT", transport).expectStatus("NOERROR");
            assertTrue(nodata.section("ANSWER").isEmpty(), nodata::toString);
            assertEquals("SOA", nodata.section("AUTHORITY").get(0)[3], nodata::toString);
        }
    }

    @Test
    void largeAnswerTruncatedWithoutEdnsAndWholeWithEdnsOrTcp() throws Exception {
        long before = main.stats().truncated();
        Dig.Result cut = dig(main, "app.service.grapevine.", "A", "+noedns", "+ignore").expectStatus("NOERROR");
        assertTrue(cut.flags().contains("tc"), cut::toString);
        assertTrue(cut.answers("A").size() < APPS, cut::toString);
        assertTrue(ips(101, 100 + APPS).containsAll(cut.answers("A")), cut::toString);
        assertEquals(before + 1, main.stats().truncated());

        // Without +ignore dig itself retries over TCP on TC, as resolvers do.
        Dig.Result retried = dig(main, "app.service.grapevine.", "A", "+noedns").expectStatus("NOERROR");
        assertEquals(ips(101, 100 + APPS), retried.answers("A"), retried::toString);
        assertTrue(retried.output().contains("Truncated, retrying in TCP mode"), retried::toString);

        Dig.Result edns = dig(main, "app.service.grapevine.", "A", "+bufsize=1232", "+ignore").expectStatus("NOERROR");
        assertFalse(edns.flags().contains("tc"), edns::toString);
        assertEquals(ips(101, 100 + APPS), edns.answers("A"), edns::toString);
        assertTrue(edns.output().contains("udp: 1232"), "the server's EDNS size: " + edns);

        Dig.Result tcp = dig(main, "app.service.grapevine.", "A", "+noedns", "+tcp").expectStatus("NOERROR");
        assertEquals(ips(101, 100 + APPS), tcp.answers("A"), tcp::toString);
    }

    @Test
    void namesOutsideTheDomainAreForwarded() throws Exception {
        long forwarded = main.stats().forwarded();
        for (String transport : List.of("+notcp", "+tcp")) {
            Dig.Result r = dig(main, "web.service.other.", "A", transport).expectStatus("NOERROR");
            assertEquals(ips(11, 13), r.answers("A"), r::toString);
            dig(main, "nosuch.service.other.", "A", transport).expectStatus("NXDOMAIN");
        }
        assertEquals(forwarded + 4, main.stats().forwarded());

        // The upstream cuts UDP answers at 512 bytes; the client offers 1232, so the forwarder asks again over
        // TCP and the whole answer reaches the client over UDP.
        long upstreamCut = other.stats().truncated();
        Dig.Result big = dig(main, "app.service.other.", "A", "+bufsize=1232", "+ignore").expectStatus("NOERROR");
        assertFalse(big.flags().contains("tc"), big::toString);
        assertEquals(ips(101, 100 + APPS), big.answers("A"), big::toString);
        assertEquals(upstreamCut + 1, other.stats().truncated(), "the upstream did truncate its UDP answer");

        dig(refusing, "web.service.other.", "A").expectStatus("REFUSED");
    }

    @Test
    void forwardingFallsBackToTheNextUpstreamAndFailsWithServfail() throws Exception {
        // The upstream timeout also bounds the live upstream's answer, so it is generous (a slow answer on a
        // busy machine must not turn into SERVFAIL); dig waits for the silent upstream's timeout and the live
        // one's answer, so it gets longer than both.
        Duration upstreamTimeout = Duration.ofSeconds(2);
        String digTime = "+time=" + (upstreamTimeout.multipliedBy(2).toSeconds() + 6);
        try (DatagramSocket blackHole = new DatagramSocket(new InetSocketAddress("127.0.5.9", 0))) {
            blackHole.setSoTimeout((int) WAIT.toMillis());
            HostPort silent = new HostPort("127.0.5.9", blackHole.getLocalPort());
            try (DnsResponder fallback = DnsResponder.builder().node(nodes.get("dns3")).bind("127.0.5.4:0")
                    .upstreams(List.of(silent, new HostPort("127.0.5.2", other.address().getPort())))
                    .upstreamTimeout(upstreamTimeout).start();
                 DnsResponder failing = DnsResponder.builder().node(nodes.get("dns3")).bind("127.0.5.5:0")
                         .upstreams(List.of(silent)).upstreamTimeout(upstreamTimeout).start()) {
                Dig.Result r = dig(fallback, "web.service.other.", "A", digTime).expectStatus("NOERROR");
                assertEquals(ips(11, 13), r.answers("A"), r::toString);
                assertAsked(blackHole, "web.service.other.");       // the silent upstream was tried first
                dig(failing, "web.service.other.", "A", digTime).expectStatus("SERVFAIL");
                assertAsked(blackHole, "web.service.other.");
                assertEquals(1, failing.stats().forwardFailures());
                assertEquals(0, fallback.stats().forwardFailures());
            }
        }
    }

    /** The next datagram {@code upstream} received is a query for {@code name}. */
    private static void assertAsked(DatagramSocket upstream, String name) throws IOException {
        byte[] buf = new byte[512];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        upstream.receive(p);
        assertEquals(name, Dns.parse(Arrays.copyOf(buf, p.getLength())).getQuestion().getName().toString());
    }

    /** A latch released by the first event of {@code node} that matches. Listeners run in order. */
    private static CountDownLatch on(GossipNode node, Predicate<ClusterEvent> match) {
        CountDownLatch latch = new CountDownLatch(1);
        node.addListener(e -> {
            if (match.test(e)) {
                latch.countDown();
            }
        });
        return latch;
    }

    private static Predicate<ClusterEvent> about(Class<? extends ClusterEvent> type, String member,
                                                 Predicate<Member> state) {
        return e -> type.isInstance(e) && ((ClusterEvent.MemberEvent) e).member().name().equals(member)
                && state.test(((ClusterEvent.MemberEvent) e).member());
    }

    @Test
    void answersFollowAJoinAndAFailureAtOnce() throws Exception {
        GossipNode dns1 = nodes.get("dns1");
        CountDownLatch joined = on(dns1, about(ClusterEvent.MemberJoined.class, "web9", m -> true));
        CountDownLatch failed = on(dns1, about(ClusterEvent.MemberFailed.class, "web9", m -> true));
        GossipNode web9 = GossipNode.builder().name("web9").bind(gossip(19)).config(GossipConfig.local())
                .tags(Map.of(Roles.ROLE, "web", "http.port", "8089")).runtime(runtime).start();
        try {
            web9.join(List.of(gossip(1))).get(20, TimeUnit.SECONDS);
            assertTrue(joined.await(WAIT.toSeconds(), TimeUnit.SECONDS), "dns1 never saw web9 join");
            // The responder's own listener ran before ours: the very next answer has web9, over UDP and TCP.
            Set<String> withWeb9 = new HashSet<>(ips(11, 13));
            withWeb9.add("127.0.5.19");
            assertEquals(withWeb9, dig(main, "web.service.grapevine.", "A").answers("A"));
            assertEquals(withWeb9, dig(main, "web.service.grapevine.", "A", "+tcp").answers("A"));
            assertEquals(Set.of("127.0.5.19"), dig(main, "web9.node.grapevine.", "A").answers("A"));
        } finally {
            web9.close(); // no leave: the others detect a failure
        }
        assertTrue(failed.await(WAIT.toSeconds(), TimeUnit.SECONDS), "dns1 never declared web9 failed");
        assertEquals(ips(11, 13), dig(main, "web.service.grapevine.", "A").answers("A"));
        assertEquals(ips(11, 13), dig(main, "web.service.grapevine.", "A", "+tcp").answers("A"));
        dig(main, "web9.node.grapevine.", "A").expectStatus("NXDOMAIN");
    }

    @Test
    void aFailingHealthCheckLeavesTheAnswersOfEveryResponder() throws Exception {
        List<DnsResponder> all = List.of(main, other, refusing);
        List<String> domains = List.of("grapevine.", "other.", "grapevine.");
        List<GossipNode> behind = List.of(nodes.get("dns1"), nodes.get("dns2"), nodes.get("dns3"));
        GossipNode web2 = nodes.get("web2");
        AtomicBoolean healthy = new AtomicBoolean(true);

        List<CountDownLatch> seen = new ArrayList<>();
        for (GossipNode n : behind) {
            seen.add(on(n, about(ClusterEvent.MemberUpdated.class, "web2", m -> !Roles.isHealthy(m))));
        }
        // A real local check on web2, as the launcher's --check-* flags start one: it sets web2's health tag.
        try (HealthChecker checker = HealthChecker.builder().node(web2)
                .check(HealthCheck.predicate("ready", healthy::get).interval(Duration.ofMillis(200))
                        .initial(HealthStatus.PASSING))
                .start()) {
            healthy.set(false);
            for (int i = 0; i < all.size(); i++) {
                assertTrue(seen.get(i).await(WAIT.toSeconds(), TimeUnit.SECONDS), behind.get(i).name());
                String d = domains.get(i);
                assertEquals(Set.of("127.0.5.11", "127.0.5.13"),
                        dig(all.get(i), "web.service." + d, "A").answers("A"), d);
                assertEquals(Set.of("1 1 8081 web1.node." + d, "1 1 8083 web3.node." + d),
                        dig(all.get(i), "_http._tcp.web.service." + d, "SRV", "+tcp").answers("SRV"), d);
            }
            seen.clear();
            for (GossipNode n : behind) {
                seen.add(on(n, about(ClusterEvent.MemberUpdated.class, "web2", Roles::isHealthy)));
            }
            healthy.set(true);
            for (int i = 0; i < all.size(); i++) {
                assertTrue(seen.get(i).await(WAIT.toSeconds(), TimeUnit.SECONDS), behind.get(i).name());
                assertEquals(ips(11, 13), dig(all.get(i), "web.service." + domains.get(i), "A").answers("A"),
                        "passing again: back in the answers");
            }
        } finally {
            // Back to the tags the other tests expect (the checker leaves health=passing behind).
            CountDownLatch restored = on(nodes.get("dns1"), about(ClusterEvent.MemberUpdated.class, "web2",
                    m -> !m.tags().containsKey(Roles.HEALTH)));
            web2.updateTags(Map.of(Roles.ROLE, "web", "http.port", "8082")).get(20, TimeUnit.SECONDS);
            assertTrue(restored.await(WAIT.toSeconds(), TimeUnit.SECONDS), "web2's tags restored");
        }
    }
}
