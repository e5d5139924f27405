package dev.grapevine.dns;

import dev.grapevine.roles.Roles;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever bytes arrive, the handler neither throws nor hangs, and either drops them (shorter than a header,
 * or a response) or answers with a well-formed response to the same ID, within the transport's size limit.
 */
class QueryHandlerProperties {

    private static OneNode one;
    private static DnsStats stats;
    private static QueryHandler handler;

    @BeforeContainer
    static void start() throws IOException {
        one = new OneNode(9, "app1", "127.0.5.41", Map.of(Roles.ROLE, Roles.APP, "http.port", "80"));
        stats = new DnsStats();
        handler = new QueryHandler(new MembershipZone(Dns.name("grapevine."), 0, new MemberDirectory(one.node())),
                null, 1232, stats);
    }

    @AfterContainer
    static void stop() {
        one.close();
    }

    @Property(tries = 3000)
    void arbitraryBytesAreDroppedOrAnsweredWellFormed(@ForAll("bytes") byte[] data, @ForAll boolean tcp) {
        check(data, tcp);
    }

    @Property(tries = 3000)
    void mutatedQueriesAreDroppedOrAnsweredWellFormed(@ForAll("mutatedQueries") byte[] data, @ForAll boolean tcp) {
        Statistics.label("outcome").collect(check(data, tcp));
        // The mutations reach every path: answers, negative answers, format errors and drops.
        Statistics.label("outcome").coverage(c -> {
            c.check("NOERROR").count(n -> n > 0);
            c.check("NXDOMAIN").count(n -> n > 0);
            c.check("FORMERR").count(n -> n > 0);
            c.check("dropped").count(n -> n > 0);
        });
    }

    /** Checks one input; returns what became of it: "dropped" or the response code. */
    private static String check(byte[] data, boolean tcp) {
        long internalErrors = stats.internalErrors();
        byte[] response = handler.respond(data.clone(), data.length, tcp);
        if (response == null) {
            assertTrue(data.length < 12 || (data[2] & 0x80) != 0, "only headerless bytes and responses are dropped");
            return "dropped";
        }
        Message m = Dns.parse(response);
        assertTrue(m.getHeader().getFlag(Flags.QR));
        assertEquals(((data[0] & 0xFF) << 8) | (data[1] & 0xFF), m.getHeader().getID());
        assertTrue(response.length <= (tcp ? 65535 : 1232), "within the size limit: " + response.length);
        assertEquals(internalErrors, stats.internalErrors(), "no unexpected error in the handler");
        return Rcode.string(m.getRcode());
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(600);
    }

    /** Valid queries for names in and out of the domain, then bytes flipped, cut or appended. */
    @Provide
    Arbitrary<byte[]> mutatedQueries() {
        Arbitrary<byte[]> queries = Combinators.combine(
                Arbitraries.of(List.of("app.service.grapevine.", "_http._tcp.app.service.grapevine.",
                        "app1.node.grapevine.", "grapevine.", "nosuch.grapevine.", "example.com.")),
                Arbitraries.of(Type.A, Type.AAAA, Type.SRV, Type.TXT, Type.ANY, Type.SOA, Type.NS, Type.AXFR),
                Arbitraries.integers().between(0, 5000),
                Arbitraries.of(true, false)
        ).as((name, type, edns, withEdns) -> (withEdns ? Dns.query(name, type, edns) : Dns.query(name, type)).toWire());
        // Most inputs are changed a little (a few bytes, rarely cut or extended) so that many still parse.
        return Combinators.combine(queries,
                Arbitraries.integers().between(0, 2000).list().ofMaxSize(3),
                Arbitraries.bytes().list().ofMaxSize(3),
                Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 40))),
                Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(new byte[0])),
                        Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(40)))
        ).as((query, positions, values, cut, tail) -> {
            byte[] q = query.clone();
            for (int i = 0; i < Math.min(positions.size(), values.size()); i++) {
                q[positions.get(i) % q.length] = values.get(i);
            }
            int length = Math.max(0, q.length - cut);
            byte[] out = new byte[length + tail.length];
            System.arraycopy(q, 0, out, 0, length);
            System.arraycopy(tail, 0, out, length, tail.length);
            return out;
        });
    }
}
