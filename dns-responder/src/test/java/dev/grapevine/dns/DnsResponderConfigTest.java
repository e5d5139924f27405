package dev.grapevine.dns;

import dev.grapevine.GossipNode;
import dev.grapevine.HostPort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad configuration fails at start with a message naming the field; good configuration is taken as given. */
class DnsResponderConfigTest {

    private OneNode one;
    private GossipNode node;

    @BeforeEach
    void start() throws IOException {
        one = new OneNode(1, "n", "127.0.5.51", Map.of());
        node = one.node();
    }

    @AfterEach
    void stop() {
        one.close();
    }

    private void fails(String field, UnaryOperator<DnsResponder.Builder> config) {
        Executable start = () -> config.apply(DnsResponder.builder().node(node).bind("127.0.5.50:0")).start().close();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, start, field);
        assertTrue(e.getMessage().startsWith(field), () -> "'" + e.getMessage() + "' should name " + field);
    }

    @Test
    void badFieldsAreNamed() {
        IllegalArgumentException noNode = assertThrows(IllegalArgumentException.class,
                () -> DnsResponder.builder().start());
        assertTrue(noNode.getMessage().startsWith("node"));
        fails("domain", b -> b.domain(""));
        fails("domain", b -> b.domain("."));
        fails("domain", b -> b.domain("a..b"));
        fails("domain", b -> b.domain("x".repeat(64) + ".com"));
        fails("ttl", b -> b.ttl(Duration.ofSeconds(-1)));
        fails("upstreamTimeout", b -> b.upstreamTimeout(Duration.ZERO));
        fails("tcpIdleTimeout", b -> b.tcpIdleTimeout(Duration.ofMillis(-5)));
        fails("maxUdpPayload", b -> b.maxUdpPayload(511));
        fails("maxUdpPayload", b -> b.maxUdpPayload(65536));
        fails("maxTcpConnections", b -> b.maxTcpConnections(0));
        fails("forwardThreads", b -> b.forwardThreads(0));
        fails("forwardQueue", b -> b.forwardQueue(0));
        fails("bind", b -> b.bind("127.0.5.50:70000"));
        fails("bind", b -> b.bind("[::1"));
        fails("upstreams", b -> b.upstream("127.0.5.52:x"));
        fails("upstreams", b -> b.upstreams(List.of(new HostPort("127.0.5.52", 0))));
        fails("allow", b -> b.allow("10.0.0.0/33"));
        fails("allow", b -> b.allow("10.0.0.5/24"));
        fails("allow", b -> b.allow("localhost"));
        fails("rateLimit", b -> b.rateLimit(-1));
        fails("rateLimitBurst", b -> b.rateLimitBurst(-1));
        fails("rateLimitSlip", b -> b.rateLimitSlip(11));
        fails("rateLimitPrefixes", b -> b.rateLimitPrefixes(33, 56));
        fails("rateLimitPrefixes", b -> b.rateLimitPrefixes(24, 129));
        fails("rateLimitNetworks", b -> b.rateLimitNetworks(0));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> DnsResponder.builder().allow("10.0.0.0/33"));
        assertTrue(bad.getMessage().contains("'10.0.0.0/33'"), bad.getMessage());
    }

    @Test
    void aBusyPortIsReportedAsBind() throws IOException {
        try (DnsResponder first = DnsResponder.builder().node(node).bind("127.0.5.50:0").start()) {
            BindException e = assertThrows(BindException.class, () -> DnsResponder.builder().node(node)
                    .bind(new HostPort("127.0.5.50", first.address().getPort())).start());
            assertTrue(e.getMessage().startsWith("bind"), e.getMessage());
        }
    }

    @Test
    void goodFieldsAreTaken() throws IOException {
        try (DnsResponder r = DnsResponder.builder().node(node).domain("Cluster.Example").bind("127.0.5.50:0")
                .ttl(Duration.ofSeconds(5)).upstream("127.0.5.52").start()) {
            assertEquals("cluster.example.", r.domain());
            assertEquals("127.0.5.50", r.address().getAddress().getHostAddress());
            assertTrue(r.address().getPort() > 0);
            assertTrue(r.allowed().containsAll(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128"))),
                    () -> "the default allow list: " + r.allowed());
        }
        try (DnsResponder r = DnsResponder.builder().node(node).bind("127.0.5.50:0").allow("127.0.23.1/32")
                .allow(Cidr.parse("fd00::/8")).rateLimit(0).start()) {
            assertEquals(List.of(Cidr.parse("127.0.23.1/32"), Cidr.parse("fd00::/8")), r.allowed());
        }
        try (DnsResponder r = DnsResponder.builder().node(node).bind("127.0.5.50:0").allow("127.0.23.1")
                .allow(List.of()).rateLimit(5).rateLimitBurst(10).rateLimitSlip(0).rateLimitPrefixes(32, 128)
                .rateLimitNetworks(1).start()) {
            assertEquals(List.of(), r.allowed(), "an empty list replaces the one before: no one is forwarded for");
        }
    }
}
