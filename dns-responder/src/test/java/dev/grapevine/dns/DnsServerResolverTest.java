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
}
