package dev.grapevine.dns;

import dev.grapevine.HostPort;
import dev.grapevine.roles.Roles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Assumptions;
import org.xbill.DNS.Rcode;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allow list seen by the real {@code dig} from several loopback source addresses ({@code dig -b}): a
 * responder on 127.0.23.10 forwarding to a second one on 127.0.23.20 (domain {@code other.}) for 127.0.23.1
 * only. Skipped with a message when {@code dig} (dnsutils) is absent.
 */
class AllowListDigTest {

    private static final String ALLOWED = "127.0.23.1";
    private static final String OTHER = "127.0.23.2";
    private static final String MEMBER = "127.0.23.50";

    private OneNode one;
    private DnsResponder upstream;
    private DnsResponder responder;

    @BeforeAll
    static void digIsHere() {
        Assumptions.assumeTrue(Dig.available(),
                "dig (Debian package dnsutils) is not installed: skipping the allow-list tests with the real dig");
    }

    @BeforeEach
    void start() throws IOException {
        one = new OneNode(23, "web1", MEMBER, Map.of(Roles.ROLE, "web"));
        upstream = DnsResponder.builder().node(one.node()).domain("other").bind("127.0.23.20:0").start();
        responder = start(DnsResponder.builder().allow(ALLOWED + "/32"));
    }

    private DnsResponder start(DnsResponder.Builder b) throws IOException {
        return b.node(one.node()).bind("127.0.23.10:0")
                .upstreams(List.of(new HostPort("127.0.23.20", upstream.address().getPort()))).start();
    }

    @AfterEach
    void stop() {
        responder.close();
        upstream.close();
        one.close();
    }

    private static Dig.Result dig(DnsResponder r, String source, String... args)
            throws IOException, InterruptedException {
        return Dig.askFrom(source, r.address(), args);
    }

    @Test
    void anAllowedClientHasOtherNamesForwarded() throws Exception {
        for (String transport : List.of("+notcp", "+tcp")) {
            Dig.Result r = dig(responder, ALLOWED, "web1.node.other.", "A", transport).expectStatus("NOERROR");
            assertEquals(Set.of(MEMBER), r.answers("A"), r::toString);
        }
        assertEquals(2, responder.stats().forwarded());
        assertEquals(0, responder.stats().refusedNotAllowed());
    }

    @Test
    void aClientOutsideTheListIsRefusedOverUdpAndTcp() throws Exception {
        for (String transport : List.of("+notcp", "+tcp")) {
            Dig.Result r = dig(responder, OTHER, "web1.node.other.", "A", transport).expectStatus("REFUSED");
            assertTrue(r.section("ANSWER").isEmpty(), r::toString);
            assertFalse(r.flags().contains("ra"), () -> "no recursion offered to it: " + r);
        }
        DnsStats stats = responder.stats();
        assertEquals(2, stats.refusedNotAllowed(), stats::toString);
        assertEquals(2, stats.responses(Rcode.REFUSED), stats::toString);
        assertEquals(0, stats.forwarded(), "nothing went upstream");
        assertEquals(0, upstream.stats().responsesTotal(), "nothing went upstream");
    }

    @Test
    void theMembershipIsAnsweredToEveryone() throws Exception {
        for (String transport : List.of("+notcp", "+tcp")) {
            Dig.Result node = dig(responder, OTHER, "web1.node.grapevine.", "A", transport).expectStatus("NOERROR");
            assertEquals(Set.of(MEMBER), node.answers("A"), node::toString);
            assertTrue(node.flags().contains("aa"), node::toString);
            Dig.Result role = dig(responder, OTHER, "web.service.grapevine.", "A", transport).expectStatus("NOERROR");
            assertEquals(Set.of(MEMBER), role.answers("A"), role::toString);
        }
        dig(responder, OTHER, "nothing.node.grapevine.", "A").expectStatus("NXDOMAIN");
        assertEquals(0, responder.stats().refusedNotAllowed());
    }

    @Test
    void theDefaultListAdmitsAllOfLoopback() throws Exception {
        responder.close();
        responder = start(DnsResponder.builder());
        assertTrue(responder.allowed().contains(Cidr.parse("127.0.0.0/8")), responder.allowed()::toString);
        Dig.Result r = dig(responder, OTHER, "web1.node.other.", "A").expectStatus("NOERROR");
        assertEquals(Set.of(MEMBER), r.answers("A"), r::toString);
    }
}
