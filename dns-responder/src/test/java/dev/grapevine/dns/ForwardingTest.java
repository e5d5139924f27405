package dev.grapevine.dns;

import dev.grapevine.GossipNode;
import dev.grapevine.HostPort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The forwarder against upstreams written for the test: stray answers, and a full forwarding queue. */
class ForwardingTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private OneNode one;
    private GossipNode node;

    @BeforeEach
    void start() throws IOException {
        one = new OneNode(4, "n", "127.0.5.61", Map.of());
        node = one.node();
    }

    @AfterEach
    void stop() {
        one.close();
    }

    private static byte[] answer(Message query, int id, String address) throws IOException {
        Message r = new Message(id);
        r.getHeader().setFlag(Flags.QR);
        r.addRecord(query.getQuestion(), Section.QUESTION);
        r.addRecord(new ARecord(query.getQuestion().getName(), DClass.IN, 60, InetAddress.getByName(address)),
                Section.ANSWER);
        return r.toWire();
    }

    @Test
    void strayAnswersAreIgnoredAndTheClientGetsItsOwnId() throws Exception {
        try (DatagramSocket upstream = new DatagramSocket(new InetSocketAddress("127.0.5.62", 0));
             DnsResponder r = DnsResponder.builder().node(node).bind("127.0.5.60:0")
                     .upstreams(List.of(new HostPort("127.0.5.62", upstream.getLocalPort())))
                     .upstreamTimeout(Duration.ofSeconds(20)).start();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.5.63", 0))) {
            upstream.setSoTimeout((int) WAIT.toMillis());
            client.setSoTimeout((int) WAIT.toMillis());
            Message q = Dns.query("www.example.org.", Type.A);
            q.getHeader().setID(0x2222);
            byte[] wire = q.toWire();
            client.send(new DatagramPacket(wire, wire.length, r.address()));

            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            upstream.receive(p);
            Message relayed = Dns.parse(Arrays.copyOf(buf, p.getLength()));
            int id = relayed.getHeader().getID();
            // A guess at the ID, an answer to another question, then the real answer.
            byte[] wrongId = answer(relayed, id ^ 0x5555, "127.0.5.66");
            byte[] wrongQuestion = answer(Dns.query("other.example.org.", Type.A), id, "127.0.5.67");
            byte[] right = answer(relayed, id, "127.0.5.68");
            for (byte[] b : List.of(wrongId, wrongQuestion, right)) {
                upstream.send(new DatagramPacket(b, b.length, p.getSocketAddress()));
            }

            Message got = Dns.receive(client);
            assertEquals(0x2222, got.getHeader().getID(), "the client's own ID");
            assertEquals(Set.of("127.0.5.68"), Dns.answers(got, Type.A));
            assertEquals(1, r.stats().forwarded());
            assertEquals(0, r.stats().forwardFailures());
        }
    }

    @Test
    void aFullForwardingQueueAnswersServfailAtOnce() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.5.62", 0));
             DnsResponder r = DnsResponder.builder().node(node).bind("127.0.5.60:0")
                     .upstreams(List.of(new HostPort("127.0.5.62", silent.getLocalPort())))
                     .upstreamTimeout(Duration.ofSeconds(20)).forwardThreads(1).forwardQueue(1).start();
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.5.63", 0))) {
            client.setSoTimeout((int) WAIT.toMillis());
            for (int id = 1; id <= 3; id++) {
                Message q = Dns.query("q" + id + ".example.org.", Type.A);
                q.getHeader().setID(id);
                byte[] wire = q.toWire();
                client.send(new DatagramPacket(wire, wire.length, r.address()));
            }
            // 1 is on the only forwarding thread, 2 waits in the queue, 3 finds it full: SERVFAIL at once,
            // long before the upstream timeout of the others.
            Message first = Dns.receive(client);
            assertEquals(3, first.getHeader().getID());
            assertEquals(Rcode.SERVFAIL, first.getRcode());
            assertEquals(1, r.stats().forwardFailures());
            assertTrue(r.stats().forwarded() == 3, r.stats()::toString);
        }
    }
}
