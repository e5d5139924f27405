package dev.grapevine.dns;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.HostPort;
import dev.grapevine.roles.DnsServerResolver;
import dev.grapevine.roles.Roles;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** roles' {@link DnsServerResolver} against a real responder: a node joins through a name the membership answers. */
class DnsServerResolverTest {

    @Test
    void aNodeJoinsThroughTheClustersOwnName() throws Exception {
        try (GossipNode dns = GossipNode.builder().name("dns").bind(new InetSocketAddress("127.0.5.200", 17947))
                .config(GossipConfig.local()).tags(Map.of(Roles.ROLE, Roles.DNS)).start();
             DnsResponder responder = DnsResponder.builder().node(dns).bind("127.0.5.200:0").start()) {
            DnsServerResolver resolver = new DnsServerResolver(
                    new HostPort("127.0.5.200", responder.address().getPort()), Duration.ofSeconds(2));
            assertEquals(List.of(InetAddress.getByName("127.0.5.200")), resolver.resolve("dns.service.grapevine"));
            assertEquals(List.of(InetAddress.getByName("127.0.5.9")), resolver.resolve("127.0.5.9"), "a literal");
            UnknownHostException nx = assertThrows(UnknownHostException.class,
                    () -> resolver.resolve("nothing.service.grapevine"));
            assertTrue(nx.getMessage().contains("nothing.service.grapevine"), nx.getMessage());

            try (GossipNode app = GossipNode.builder().name("app").bind(new InetSocketAddress("127.0.5.201", 17947))
                    .config(GossipConfig.local()).resolver(resolver).start()) {
                assertEquals(1, app.join("dns.service.grapevine:17947").get(20, TimeUnit.SECONDS));
                assertTrue(Await.until(() -> dns.member("app").isPresent(), Duration.ofSeconds(30)));
                Set<String> names = app.members().stream().map(m -> m.name()).collect(Collectors.toSet());
                assertEquals(Set.of("dns", "app"), names);
            }
        }
    }

    @Test
    void asksForAAndAaaaSeparatelyNeverAny() throws Exception {
        List<Integer> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (java.net.DatagramSocket server = new java.net.DatagramSocket(new InetSocketAddress("127.0.5.210", 0))) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[512];
                try {
                    while (!server.isClosed()) {
                        java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
                        server.receive(p);
                        org.xbill.DNS.Message q = new org.xbill.DNS.Message(java.util.Arrays.copyOf(p.getData(),
                                p.getLength()));
                        org.xbill.DNS.Record question = q.getQuestion();
                        asked.add(question.getType());
                        org.xbill.DNS.Message r = new org.xbill.DNS.Message(q.getHeader().getID());
                        r.getHeader().setFlag(org.xbill.DNS.Flags.QR);
                        r.addRecord(question, org.xbill.DNS.Section.QUESTION);
                        if (question.getType() == org.xbill.DNS.Type.A) {
                            r.addRecord(new org.xbill.DNS.ARecord(question.getName(), org.xbill.DNS.DClass.IN, 0,
                                    InetAddress.getByName("127.0.5.77")), org.xbill.DNS.Section.ANSWER);
                        }
                        byte[] out = r.toWire();
                        server.send(new java.net.DatagramPacket(out, out.length, p.getSocketAddress()));
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            }, "fake-dns");
            t.start();
            DnsServerResolver resolver = new DnsServerResolver(new HostPort("127.0.5.210", server.getLocalPort()),
                    Duration.ofSeconds(2));
            assertEquals(List.of(InetAddress.getByName("127.0.5.77")), resolver.resolve("seed.example.test"));
            assertEquals(List.of(org.xbill.DNS.Type.A, org.xbill.DNS.Type.AAAA), asked,
                    "one A and one AAAA query, no ANY (type 255)");
        }
    }
}
