package dev.grapevine.dns;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.MemberStatus;
import dev.grapevine.roles.Roles;
import dev.grapevine.sim.SimulatedNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.grapevine.dns.Dns.answers;
import static dev.grapevine.dns.Dns.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resolver logic (zone and query handler, no sockets) over a cluster on simulated time: which members each
 * name returns, SRV ports and glue, NXDOMAIN versus NODATA, truncation, error codes, and answers following
 * joins, failures and health changes.
 */
class ResolverSimulationTest {

    private static final GossipConfig CONFIG = GossipConfig.lan();

    private SimulatedNetwork net;
    private final Map<String, GossipNode> nodes = new LinkedHashMap<>();
    private final Map<String, InetSocketAddress> addresses = new HashMap<>();
    private DnsStats stats;
    private QueryHandler handler;

    private static InetSocketAddress v4(int i) {
        return new InetSocketAddress(address(new byte[]{127, 0, 5, (byte) i}), 7946);
    }

    private static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private GossipNode start(String name, InetSocketAddress at, Map<String, String> tags) throws IOException {
        GossipNode n = GossipNode.builder().name(name).bind(at).config(CONFIG).tags(tags)
                .runtime(net).random(net.newRandom()).start();
        if (!nodes.isEmpty()) {
            n.join(List.of(addresses.get("dns0")));
        }
        nodes.put(name, n);
        addresses.put(name, at);
        return n;
    }

    private boolean converged() {
        GossipNode first = nodes.get("dns0");
        return first.members().stream().filter(m -> m.status() == MemberStatus.ALIVE).count() == nodes.size();
    }

    @BeforeEach
    void cluster() throws IOException {
        net = new SimulatedNetwork(5);
        start("dns0", v4(1), Map.of(Roles.ROLE, Roles.DNS));
        start("app1", v4(11), Map.of(Roles.ROLE, Roles.APP, "http.port", "8081"));
        start("app2", v4(12), Map.of(Roles.ROLE, Roles.APP, "http.port", "8082"));
        start("app3", v4(13), Map.of(Roles.ROLE, Roles.APP, "http.port", "8083", "metrics.port", "9100"));
        start("crit", v4(14), Map.of(Roles.ROLE, Roles.APP, "http.port", "8084", Roles.HEALTH, Roles.CRITICAL));
        start("web6", v4(16), Map.of(Roles.ROLE, "Web", "web.port", "80", "http.port", "8080"));
        start("db.primary", v4(17), Map.of(Roles.ROLE, "db", "db.port", "5432"));
        start("six", new InetSocketAddress(address(new byte[]{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), 7000),
                Map.of(Roles.ROLE, "v6"));
        assertTrue(net.runUntil(this::converged, Duration.ofSeconds(30)), "cluster did not converge");
        useHandler(new MembershipZone(Dns.name("grapevine."), 0, new MemberDirectory(nodes.get("dns0"))), 1232);
    }

    private void useHandler(MembershipZone zone, int maxUdp) {
        stats = new DnsStats();
        handler = new QueryHandler(zone, null, maxUdp, stats);
    }

    @AfterEach
    void stop() {
        net.close();
    }

    private Message ask(Message query, boolean tcp) {
        byte[] wire = query.toWire();
        byte[] response = handler.respond(wire, wire.length, tcp);
        assertNotNull(response, "no response to " + query.getQuestion());
        return Dns.parse(response);
    }

    private Message ask(String name, int type) {
        return ask(query(name, type), false);
    }

    private static Set<String> ips(int... lastOctets) {
        Set<String> out = new HashSet<>();
        for (int o : lastOctets) {
            out.add("127.0.5." + o);
        }
        return out;
    }

    @Test
    void roleAnswersEveryHealthyMemberAuthoritatively() {
        Message m = ask("app.service.grapevine.", Type.A);
        assertEquals(Rcode.NOERROR, m.getRcode());
        assertTrue(m.getHeader().getFlag(Flags.AA));
        assertTrue(m.getHeader().getFlag(Flags.QR));
        assertEquals(ips(11, 12, 13), answers(m, Type.A), "crit is critical, the others serve");
        for (Record r : m.getSection(Section.ANSWER)) {
            assertEquals(0, r.getTTL());
        }
        // Roles compare ignoring case, as DNS names do.
        assertEquals(ips(16), answers(ask("WEB.Service.GrapeVine.", Type.A), Type.A));
        assertEquals(Set.of("0:0:0:0:0:0:0:1"), answers(ask("v6.service.grapevine.", Type.AAAA), Type.AAAA));
    }

    @Test
    void orderIsShuffled() {
        Set<List<String>> orders = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            orders.add(ask("app.service.grapevine.", Type.A).getSection(Section.ANSWER).stream()
                    .map(Record::rdataToString).toList());
        }
        assertTrue(orders.size() > 1, "60 answers all in one order: " + orders);
    }

    @Test
    void srvPlainNameUsesTheRolePortOrTheOnlyPort() {
        Message app = ask("app.service.grapevine.", Type.SRV);
        Map<String, Integer> ports = srvPorts(app);
        // app3 has two ports (http, metrics) and no app.port: which one is meant is unknown, so it is left out.
        assertEquals(Map.of("app1.node.grapevine.", 8081, "app2.node.grapevine.", 8082), ports);
        assertEquals(Set.of("app1.node.grapevine.", "app2.node.grapevine."), glueNames(app));
        Message web = ask("web.service.grapevine.", Type.SRV);
        assertEquals(Map.of("web6.node.grapevine.", 80), srvPorts(web), "web.port, the role's own, wins");
    }

    @Test
    void srvRfc2782NamePicksTheServicePort() {
        Message http = ask("_http._tcp.app.service.grapevine.", Type.SRV);
        assertEquals(Map.of("app1.node.grapevine.", 8081, "app2.node.grapevine.", 8082,
                "app3.node.grapevine.", 8083), srvPorts(http));
        Set<String> glue = new HashSet<>();
        for (Record r : http.getSection(Section.ADDITIONAL)) {
            assertEquals(Type.A, r.getType());
            glue.add(r.getName() + " " + r.rdataToString());
        }
        assertEquals(Set.of("app1.node.grapevine. 127.0.5.11", "app2.node.grapevine. 127.0.5.12",
                "app3.node.grapevine. 127.0.5.13"), glue);
        assertEquals(Map.of("app3.node.grapevine.", 9100),
                srvPorts(ask("_metrics._udp.app.service.grapevine.", Type.SRV)));
        assertEquals(Rcode.NXDOMAIN, ask("_nosuch._tcp.app.service.grapevine.", Type.SRV).getRcode());
        Message ent = ask("_tcp.app.service.grapevine.", Type.SRV);
        assertEquals(Rcode.NOERROR, ent.getRcode(), "an empty non-terminal exists");
        assertTrue(ent.getSection(Section.ANSWER).isEmpty());
        // The SRV name has only SRV records.
        Message a = ask("_http._tcp.app.service.grapevine.", Type.A);
        assertEquals(Rcode.NOERROR, a.getRcode());
        assertTrue(a.getSection(Section.ANSWER).isEmpty());
    }

    private static Map<String, Integer> srvPorts(Message m) {
        Map<String, Integer> out = new HashMap<>();
        for (Record r : m.getSection(Section.ANSWER)) {
            SRVRecord srv = (SRVRecord) r;
            out.put(srv.getTarget().toString(), srv.getPort());
        }
        return out;
    }

    private static Set<String> glueNames(Message m) {
        return m.getSection(Section.ADDITIONAL).stream().map(r -> r.getName().toString())
                .collect(Collectors.toSet());
    }

    @Test
    void nodeNamesAnswerAddressAndTags() {
        Message a = ask("app3.node.grapevine.", Type.A);
        assertEquals(ips(13), answers(a, Type.A));
        Message txt = ask("APP3.node.grapevine.", Type.TXT);
        Set<String> tags = new HashSet<>();
        for (Record r : txt.getSection(Section.ANSWER)) {
            tags.add(String.join("", ((TXTRecord) r).getStrings()));
        }
        assertEquals(Set.of("role=app", "http.port=8083", "metrics.port=9100"), tags);
        Message any = ask("app3.node.grapevine.", Type.ANY);
        assertEquals(Set.of("A", "TXT"), Dns.types(any, Section.ANSWER));
        // A name with a dot spans two labels; a critical member is still resolvable by name.
        assertEquals(ips(17), answers(ask("db.primary.node.grapevine.", Type.A), Type.A));
        assertEquals(ips(14), answers(ask("crit.node.grapevine.", Type.A), Type.A));
        assertEquals(Set.of("0:0:0:0:0:0:0:1"), answers(ask("six.node.grapevine.", Type.AAAA), Type.AAAA));
    }

    @Test
    void unknownNamesAreNxdomainAndOtherTypesNodata() {
        for (String name : List.of("nosuch.service.grapevine.", "nosuch.node.grapevine.", "x.grapevine.",
                "a.b.c.grapevine.", "_http._tcp.nosuch.service.grapevine.")) {
            Message m = ask(name, Type.A);
            assertEquals(Rcode.NXDOMAIN, m.getRcode(), name);
            assertTrue(m.getHeader().getFlag(Flags.AA), name);
            assertSoaAuthority(m);
        }
        for (String[] q : new String[][]{{"app.service.grapevine.", "AAAA"}, {"app.service.grapevine.", "TXT"},
                {"v6.service.grapevine.", "A"}, {"app1.node.grapevine.", "SRV"}, {"service.grapevine.", "A"},
                {"node.grapevine.", "A"}, {"grapevine.", "A"}}) {
            Message m = ask(q[0], Type.value(q[1]));
            assertEquals(Rcode.NOERROR, m.getRcode(), q[0] + " " + q[1]);
            assertTrue(m.getSection(Section.ANSWER).isEmpty(), q[0] + " " + q[1]);
            assertSoaAuthority(m);
        }
        assertEquals(Rcode.NXDOMAIN, ask("crit.service.grapevine.", Type.A).getRcode(), "no role named crit");
    }

    private static void assertSoaAuthority(Message m) {
        List<Record> auth = m.getSection(Section.AUTHORITY);
        assertEquals(1, auth.size(), m::toString);
        SOARecord soa = (SOARecord) auth.get(0);
        assertEquals("grapevine.", soa.getName().toString());
        assertEquals("dns0.node.grapevine.", soa.getHost().toString());
        assertEquals(0, soa.getMinimum());
    }

    @Test
    void apexHasSoaAndNsWithGlue() {
        Message soa = ask("grapevine.", Type.SOA);
        assertEquals(Set.of("SOA"), Dns.types(soa, Section.ANSWER));
        Message ns = ask("grapevine.", Type.NS);
        assertEquals("dns0.node.grapevine.", ((NSRecord) ns.getSection(Section.ANSWER).get(0)).getTarget().toString());
        assertEquals(ips(1), ns.getSection(Section.ADDITIONAL).stream().map(Record::rdataToString)
                .collect(Collectors.toSet()));
    }

    @Test
    void answersFollowJoinsFailuresAndHealth() throws IOException {
        assertEquals(ips(11, 12, 13), answers(ask("app.service.grapevine.", Type.A), Type.A));

        start("app4", v4(15), Map.of(Roles.ROLE, Roles.APP));
        assertTrue(net.runUntil(this::converged, Duration.ofSeconds(10)));
        assertEquals(ips(11, 12, 13, 15), answers(ask("app.service.grapevine.", Type.A), Type.A));

        net.crash(addresses.get("app2"));
        GossipNode dns0 = nodes.get("dns0");
        assertTrue(net.runUntil(() -> dns0.member("app2").orElseThrow().status() == MemberStatus.FAILED,
                Duration.ofSeconds(30)));
        assertEquals(ips(11, 13, 15), answers(ask("app.service.grapevine.", Type.A), Type.A));
        assertEquals(Rcode.NXDOMAIN, ask("app2.node.grapevine.", Type.A).getRcode());

        nodes.get("app1").updateTags(Map.of(Roles.ROLE, Roles.APP, Roles.HEALTH, Roles.CRITICAL));
        assertTrue(net.runUntil(() -> !Roles.isHealthy(dns0.member("app1").orElseThrow()), Duration.ofSeconds(10)));
        assertEquals(ips(13, 15), answers(ask("app.service.grapevine.", Type.A), Type.A));

        nodes.get("crit").updateTags(Map.of(Roles.ROLE, Roles.APP, Roles.HEALTH, Roles.PASSING));
        assertTrue(net.runUntil(() -> Roles.isHealthy(dns0.member("crit").orElseThrow()), Duration.ofSeconds(10)));
        assertEquals(ips(13, 14, 15), answers(ask("app.service.grapevine.", Type.A), Type.A));
    }

    @Test
    void largeAnswersAreTruncatedOverUdpOnly() throws IOException {
        for (int i = 0; i < 40; i++) {
            start("many" + i, v4(100 + i), Map.of(Roles.ROLE, "many", "http.port", "80"));
        }
        assertTrue(net.runUntil(this::converged, Duration.ofSeconds(30)));
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            all.add("127.0.5." + (100 + i));
        }

        byte[] plain = query("many.service.grapevine.", Type.A).toWire();
        byte[] classic = handler.respond(plain, plain.length, false);
        assertTrue(classic.length <= 512, "without EDNS: at most 512 bytes, was " + classic.length);
        Message cut = Dns.parse(classic);
        assertTrue(cut.getHeader().getFlag(Flags.TC));
        int kept = cut.getSection(Section.ANSWER).size();
        assertTrue(kept > 0 && kept < 40, "a prefix of the answers that fits: " + kept);
        assertTrue(all.containsAll(answers(cut, Type.A)));
        assertEquals(1, stats.truncated());

        Message edns = ask(query("many.service.grapevine.", Type.A, 4096), false);
        assertFalse(edns.getHeader().getFlag(Flags.TC));
        assertEquals(all, answers(edns, Type.A));
        assertEquals(1232, edns.getOPT().getPayloadSize(), "the server's own size in its OPT");

        assertEquals(all, answers(ask(query("many.service.grapevine.", Type.A), true), Type.A), "TCP: all");

        // SRV with glue: 40 SRV (about 1,700 bytes: SRV targets are never compressed) fit 2048 bytes, but not
        // with 40 glue records (2,600 in all); the glue goes, and no TC since the answer is whole.
        useHandler(new MembershipZone(Dns.name("grapevine."), 0, new MemberDirectory(nodes.get("dns0"))), 4096);
        Message srv = ask(query("many.service.grapevine.", Type.SRV, 2048), false);
        assertFalse(srv.getHeader().getFlag(Flags.TC));
        assertEquals(40, srv.getSection(Section.ANSWER).size());
        assertEquals(Set.of("OPT"), Dns.types(srv, Section.ADDITIONAL));
        assertEquals(0, stats.truncated());
        Message srvTcp = ask(query("many.service.grapevine.", Type.SRV), true);
        assertEquals(40, srvTcp.getSection(Section.ADDITIONAL).size(), "TCP: all the glue");
    }

    @Test
    void customDomainAndTtl() {
        useHandler(new MembershipZone(Dns.name("Example.Internal."), 30,
                new MemberDirectory(nodes.get("dns0"))), 1232);
        Message m = ask("app.service.example.internal.", Type.A);
        assertEquals(ips(11, 12, 13), answers(m, Type.A));
        assertEquals(30, m.getSection(Section.ANSWER).get(0).getTTL());
        assertEquals(Rcode.REFUSED, ask("app.service.grapevine.", Type.A).getRcode(),
                "another domain, no upstream");
    }

    @Test
    void errorsAndRefusals() {
        assertEquals(Rcode.REFUSED, ask("example.com.", Type.A).getRcode(), "outside the domain, no upstream");
        assertFalse(ask("example.com.", Type.A).getHeader().getFlag(Flags.RA));
        assertEquals(Rcode.REFUSED, ask("grapevine.", Type.AXFR).getRcode());
        assertEquals(Rcode.REFUSED, ask(Message.newQuery(Record.newRecord(Dns.name("app.service.grapevine."),
                Type.A, DClass.CH)), false).getRcode());

        Message notify = query("grapevine.", Type.SOA);
        notify.getHeader().setOpcode(Opcode.NOTIFY);
        assertEquals(Rcode.NOTIMP, ask(notify, false).getRcode());

        Message v1 = query("app.service.grapevine.", Type.A);
        v1.addRecord(new org.xbill.DNS.OPTRecord(1232, 0, 1, 0), Section.ADDITIONAL);
        Message badvers = ask(v1, false);
        assertEquals(Rcode.BADVERS, badvers.getRcode());
        assertEquals(1, stats.responses(Rcode.BADVERS));

        Message two = query("app.service.grapevine.", Type.A);
        two.addRecord(Record.newRecord(Dns.name("web.service.grapevine."), Type.A, DClass.IN), Section.QUESTION);
        Message formerr = ask(two, false);
        assertEquals(Rcode.FORMERR, formerr.getRcode());
        assertEquals(two.getHeader().getID(), formerr.getHeader().getID());

        byte[] garbage = query("app.service.grapevine.", Type.A).toWire();
        garbage = java.util.Arrays.copyOf(garbage, garbage.length - 3); // cut inside the question
        Message cut = Dns.parse(handler.respond(garbage, garbage.length, false));
        assertEquals(Rcode.FORMERR, cut.getRcode());
        assertEquals(2, stats.formatErrors());

        assertNull(handler.respond(new byte[11], 11, false), "shorter than a header: dropped");
        byte[] response = ask("app.service.grapevine.", Type.A).toWire();
        assertNull(handler.respond(response, response.length, false), "a response: dropped, never answered");
        assertEquals(2, stats.malformedDropped());

        assertTrue(stats.responses(Rcode.REFUSED) >= 4);
        assertTrue(stats.responsesByRcode().containsKey("NOERROR"));
    }

    @Test
    void headerFlagsCopiedFromTheQuery() {
        Message q = query("app.service.grapevine.", Type.A);
        q.getHeader().unsetFlag(Flags.RD);
        Header h = ask(q, false).getHeader();
        assertEquals(q.getHeader().getID(), h.getID());
        assertFalse(h.getFlag(Flags.RD));
        assertFalse(h.getFlag(Flags.RA), "no upstream: no recursion available");
        q.getHeader().setFlag(Flags.RD);
        assertTrue(ask(q, false).getHeader().getFlag(Flags.RD));
    }
}
