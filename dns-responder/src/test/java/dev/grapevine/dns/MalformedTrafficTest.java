package dev.grapevine.dns;

import dev.grapevine.roles.Roles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.grapevine.dns.Dns.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile and broken traffic sent by a Java client over real UDP and TCP (127.0.5.N): garbage is dropped or
 * answered FORMERR and counted, the server keeps answering, TCP limits hold, and close() stops every thread.
 * The membership comes from a node on a simulated network: these tests are about the sockets.
 */
class MalformedTrafficTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private OneNode one;
    private DnsResponder responder;

    /**
     * Longer than any wait of these tests, so that a connection they hold open stays open until they close it;
     * only the trickle test, which is about the idle timeout, uses a short one.
     */
    private static final Duration LONG_IDLE = WAIT.multipliedBy(2);

    @BeforeEach
    void start() throws IOException {
        one = new OneNode(3, "app1", "127.0.5.31", Map.of(Roles.ROLE, Roles.APP));
        responder = start(LONG_IDLE);
    }

    private DnsResponder start(Duration tcpIdleTimeout) throws IOException {
        // No rate limit: the floods here are about parsing, and every datagram must be handled (RateLimitTest
        // floods with the limit on).
        return DnsResponder.builder().node(one.node()).bind("127.0.5.30:0").maxTcpConnections(2)
                .tcpIdleTimeout(tcpIdleTimeout).rateLimit(0).start();
    }

    @AfterEach
    void stop() {
        responder.close();
        one.close();
    }

    private static byte[] valid(int id) {
        Message q = query("app.service.grapevine.", Type.A);
        q.getHeader().setID(id);
        return q.toWire();
    }

    /** A header that promises one question, and nothing after it. */
    private static byte[] headerOnly(int id) {
        byte[] h = new byte[12];
        h[0] = (byte) (id >>> 8);
        h[1] = (byte) id;
        h[5] = 1;
        return h;
    }

    private static void send(DatagramSocket s, byte[] b, InetSocketAddress to) throws IOException {
        s.send(new DatagramPacket(b, b.length, to));
    }

    @Test
    void udpGarbageIsDroppedOrFormerrAndTheServerKeepsAnswering() throws Exception {
        InetSocketAddress server = responder.address();
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.5.32", 0))) {
            s.setSoTimeout((int) WAIT.toMillis());
            send(s, new byte[]{1, 2, 3, 4, 5}, server);                 // shorter than a header: dropped
            byte[] response = valid(7);
            response[2] |= (byte) 0x80;                                 // QR set: a response, dropped
            send(s, response, server);
            send(s, headerOnly(0x1234), server);                        // readable header, no question: FORMERR
            send(s, valid(0x4321), server);

            // One thread answers in arrival order: the first datagram back is the FORMERR, the next the answer,
            // so the two drops sent before them produced nothing.
            Message formerr = Dns.receive(s);
            assertEquals(0x1234, formerr.getHeader().getID());
            assertEquals(Rcode.FORMERR, formerr.getRcode());
            Message answer = Dns.receive(s);
            assertEquals(0x4321, answer.getHeader().getID());
            assertEquals(Set.of("127.0.5.31"), Dns.answers(answer, Type.A));
        }
        DnsStats stats = responder.stats();
        assertEquals(2, stats.malformedDropped());
        assertEquals(1, stats.formatErrors());
        assertEquals(1, stats.responses(Rcode.FORMERR));
        assertEquals(1, stats.responses(Rcode.NOERROR));
    }

    @Test
    void udpFloodOfRandomBytesNeverStopsTheServer() throws Exception {
        InetSocketAddress server = responder.address();
        Random random = new Random(42);
        DnsStats stats = responder.stats();
        int sent = 0;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.5.32", 0))) {
            for (int batch = 0; batch < 20; batch++) {
                for (int i = 0; i < 100; i++) {
                    byte[] b = new byte[random.nextInt(300)];
                    random.nextBytes(b);
                    send(s, b, server);
                    sent++;
                }
                int expected = sent;
                // Paced so that the socket's receive buffer never overflows: every datagram is seen.
                assertTrue(Await.until(() -> stats.malformedDropped() + stats.responsesTotal() == expected, WAIT),
                        () -> "handled " + (stats.malformedDropped() + stats.responsesTotal()) + " of " + expected);
            }
        }
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.5.33", 0))) {
            s.setSoTimeout((int) WAIT.toMillis());
            send(s, valid(99), server);
            assertEquals(Set.of("127.0.5.31"), Dns.answers(Dns.receive(s), Type.A));
        }
        assertEquals(0, stats.internalErrors());
        assertTrue(stats.formatErrors() > 0 && stats.malformedDropped() > 0, stats::toString);
    }

    private static Socket connect(InetSocketAddress server) throws IOException {
        Socket s = new Socket();
        s.connect(server, (int) WAIT.toMillis());
        s.setSoTimeout((int) WAIT.toMillis());
        return s;
    }

    private static Message readFrame(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        byte[] b = new byte[d.readUnsignedShort()];
        d.readFully(b);
        return Dns.parse(b);
    }

    @Test
    void tcpGarbageFramesAndATrickleThatTimesOut() throws Exception {
        responder.close();
        responder = start(Duration.ofMillis(500));
        try (Socket s = connect(responder.address())) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(TcpListener.frame(new byte[]{9, 9, 9}));         // shorter than a header: dropped
            out.write(TcpListener.frame(new byte[0]));                 // empty frame: dropped
            out.write(TcpListener.frame(headerOnly(0x0101)));          // FORMERR
            out.write(TcpListener.frame(valid(0x0202)));
            out.flush();
            Message formerr = readFrame(in);
            assertEquals(0x0101, formerr.getHeader().getID());
            assertEquals(Rcode.FORMERR, formerr.getRcode());
            Message answer = readFrame(in);
            assertEquals(0x0202, answer.getHeader().getID());
            assertEquals(Set.of("127.0.5.31"), Dns.answers(answer, Type.A));

            // A frame that promises 500 bytes and sends 10: the server closes the connection after its idle
            // timeout (500 ms) instead of waiting for ever.
            out.write(new byte[]{0x01, (byte) 0xF4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            out.flush();
            assertEquals(-1, in.read(), "the server closed the connection");
        }
        assertEquals(2, responder.stats().malformedDropped());
        assertEquals(1, responder.stats().formatErrors());
    }

    @Test
    void tcpConnectionsBeyondTheLimitAreClosed() throws Exception {
        // a and b hold both connection slots for as long as they are open (the idle timeout is LONG_IDLE), so
        // c, and only c, is turned away however slowly this machine runs.
        InetSocketAddress server = responder.address();
        try (Socket a = connect(server); Socket b = connect(server)) {
            for (Socket s : new Socket[]{a, b}) {
                s.getOutputStream().write(TcpListener.frame(valid(1)));
                assertEquals(1, readFrame(s.getInputStream()).getHeader().getID(), "served");
            }
            try (Socket c = connect(server)) {
                c.getOutputStream().write(TcpListener.frame(valid(2)));
                assertThrows(IOException.class, () -> readFrame(c.getInputStream()), "a third connection is closed");
            }
            assertEquals(1, responder.stats().tcpConnectionsRejected());
        }
        // Both closed: their threads end, and new connections are served again.
        assertTrue(Await.until(() -> {
            try (Socket d = connect(server)) {
                d.getOutputStream().write(TcpListener.frame(valid(3)));
                return readFrame(d.getInputStream()).getHeader().getID() == 3;
            } catch (IOException e) {
                return false;
            }
        }, WAIT));
    }

    @Test
    void closeStopsEveryThreadOfTheResponder() throws Exception {
        String prefix = "grapevine-dns-" + responder.address().getAddress().getHostAddress() + ":"
                + responder.address().getPort();
        try (Socket open = connect(responder.address())) {
            open.getOutputStream().write(TcpListener.frame(valid(5)));
            readFrame(open.getInputStream());
            assertTrue(threads(prefix) >= 3, "UDP, TCP accept and one connection thread");
            responder.close();
            assertEquals(-1, open.getInputStream().read(), "open connections are closed");
        }
        // Pool threads may take a moment to exit once their pool has terminated.
        assertTrue(Await.until(() -> threads(prefix) == 0, WAIT), () -> "still running: " + threads(prefix));
        try (DatagramSocket again = new DatagramSocket(responder.address())) {
            assertEquals(responder.address().getPort(), again.getLocalPort(), "the port is free again");
        }
    }

    private static long threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }
}
