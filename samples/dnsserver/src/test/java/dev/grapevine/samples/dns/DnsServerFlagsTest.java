package dev.grapevine.samples.dns;

import dev.grapevine.GossipNode;
import dev.grapevine.dns.Cidr;
import dev.grapevine.dns.DnsResponder;
import dev.grapevine.roles.LaunchOptions;
import dev.grapevine.sim.SimulatedNetwork;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DNS server's access-control and rate-limit flags: bad values named, variables, defaults, and their effect. */
class DnsServerFlagsTest {

    private static LaunchOptions parse(Map<String, String> env, String... extra) {
        List<String> args = new ArrayList<>(List.of("--name", "dns1", "--dns", "127.0.23.40:0"));
        args.addAll(Arrays.asList(extra));
        return LaunchOptions.parse(args.toArray(String[]::new), env, DnsServer.FLAGS);
    }

    private static void fails(String prefix, Map<String, String> env, String... extra) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(env, extra),
                () -> String.join(" ", extra) + " " + env);
        assertTrue(e.getMessage().startsWith(prefix), () -> "'" + e.getMessage() + "' should start with " + prefix);
    }

    @Test
    void badValuesFailNamingTheFlag() {
        fails("--dns-allow: '10.0.0.0/33'", Map.of(), "--dns-allow", "10.0.0.0/33");
        fails("--dns-allow: '10.0.0.5/24'", Map.of(), "--dns-allow", "10.0.0.5/24");
        fails("--dns-allow: 'localhost'", Map.of(), "--dns-allow", "localhost");
        fails("--dns-allow: ", Map.of(), "--dns-allow", "127.0.23.1/32", "--dns-allow", "fe80::1%eth0/64");
        fails("--dns-rate-limit: ", Map.of(), "--dns-rate-limit", "-1");
        fails("--dns-rate-limit: ", Map.of(), "--dns-rate-limit", "fast");
        fails("--dns-rate-limit: ", Map.of(), "--dns-rate-limit", "1000001");
        fails("--dns-rate-slip: ", Map.of(), "--dns-rate-slip", "11");
        fails("--dns-rate-slip: ", Map.of(), "--dns-rate-slip", "");
        fails("--dns-allow (GRAPEVINE_DNS_ALLOW): ", Map.of("GRAPEVINE_DNS_ALLOW", "127.0.23.1/32,300.0.0.0/8"));
        fails("--dns-rate-limit (GRAPEVINE_DNS_RATE_LIMIT): ", Map.of("GRAPEVINE_DNS_RATE_LIMIT", "x"));
    }

    @Test
    void defaultsAndEnvironmentVariables() {
        LaunchOptions none = parse(Map.of());
        assertEquals(List.of(), none.all(DnsServer.ALLOW));
        assertEquals(100, none.get(DnsServer.RATE_LIMIT).orElseThrow());
        assertEquals(2, none.get(DnsServer.RATE_SLIP).orElseThrow());
        LaunchOptions env = parse(Map.of("GRAPEVINE_DNS_ALLOW", "127.0.23.1/32, fd00::/8",
                "GRAPEVINE_DNS_RATE_LIMIT", "0", "GRAPEVINE_DNS_RATE_SLIP", "1"));
        assertEquals(List.of(Cidr.parse("127.0.23.1/32"), Cidr.parse("fd00::/8")), env.all(DnsServer.ALLOW));
        assertEquals(0, env.get(DnsServer.RATE_LIMIT).orElseThrow());
        assertEquals(1, env.get(DnsServer.RATE_SLIP).orElseThrow());
        LaunchOptions flagsWin = parse(Map.of("GRAPEVINE_DNS_RATE_LIMIT", "0"), "--dns-rate-limit", "20",
                "--dns-allow", "127.0.23.1", "--dns-allow", "127.0.23.8/29");
        assertEquals(20, flagsWin.get(DnsServer.RATE_LIMIT).orElseThrow());
        assertEquals(List.of(Cidr.parse("127.0.23.1/32"), Cidr.parse("127.0.23.8/29")), flagsWin.all(DnsServer.ALLOW));
        assertTrue(LaunchOptions.usage(DnsServer.FLAGS).contains("--dns-allow CIDR"));
    }

    private static Message ask(DatagramSocket s, InetSocketAddress server, String name) throws IOException {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN));
        byte[] wire = q.toWire();
        s.send(new DatagramPacket(wire, wire.length, server));
        byte[] buf = new byte[65535];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        s.receive(p);
        return new Message(Arrays.copyOf(buf, p.getLength()));
    }

    @Test
    void theFlagsReachTheResponder() throws IOException {
        try (SimulatedNetwork net = new SimulatedNetwork(5)) {
            GossipNode node = GossipNode.builder().name("dns1").bind(new InetSocketAddress("127.0.23.60", 7946))
                    .runtime(net).random(net.newRandom()).start();
            try (DnsResponder defaults = DnsServer.responder(parse(Map.of()), node).start()) {
                assertTrue(defaults.allowed().contains(Cidr.parse("127.0.0.0/8")), defaults.allowed()::toString);
            }
            // Nothing listens on the upstream: a name outside the domain is refused before it would be forwarded.
            LaunchOptions o = parse(Map.of(), "--upstream", "127.0.23.62:53", "--dns-allow", "127.0.23.1/32",
                    "--dns-rate-limit", "1", "--dns-rate-slip", "1");
            try (DnsResponder r = DnsServer.responder(o, node).start();
                 DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.23.41", 0))) {
                client.setSoTimeout(30_000);
                assertEquals(List.of(Cidr.parse("127.0.23.1/32")), r.allowed());
                Message refused = ask(client, r.address(), "www.example.org.");
                assertEquals(Rcode.REFUSED, refused.getRcode());
                Message slipped = ask(client, r.address(), "dns1.node.grapevine.");
                assertTrue(slipped.getHeader().getFlag(Flags.TC), slipped::toString);
                assertTrue(slipped.getSection(Section.ANSWER).isEmpty(), slipped::toString);
                assertEquals(1, r.stats().refusedNotAllowed());
                assertEquals(1, r.stats().rateLimitedTruncated());
            }
        }
    }
}
