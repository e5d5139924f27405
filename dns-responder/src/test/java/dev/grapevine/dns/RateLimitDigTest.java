package dev.grapevine.dns;

import dev.grapevine.roles.Roles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Response-rate limiting over real UDP on 127.0.23.N: a flood from one address is mostly not answered in full
 * (a truncated "slip" every second time, nothing otherwise) while other clients, and the flooding address over
 * TCP, are answered; the real {@code dig} sees the TC bit of a slip and retries over TCP. Skipped with a
 * message when {@code dig} (dnsutils) is absent.
 */
class RateLimitDigTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String MEMBER = "127.0.23.51";
    private static final String NAME = "web1.node.grapevine.";
    private static final int RATE = 20;
    private static final int FLOOD = 300;

    private OneNode one;

    @BeforeAll
    static void digIsHere() {
        Assumptions.assumeTrue(Dig.available(),
                "dig (Debian package dnsutils) is not installed: skipping the rate-limit tests with the real dig");
    }

    @BeforeEach
    void start() throws IOException {
        one = new OneNode(24, "web1", MEMBER, Map.of(Roles.ROLE, "web"));
    }

    @AfterEach
    void stop() {
        one.close();
    }

    private static Dig.Result dig(DnsResponder r, String source, String... args)
            throws IOException, InterruptedException {
        return Dig.askFrom(source, r.address(), args);
    }

    private static Dig.Result expectFullAnswer(Dig.Result r) {
        r.expectStatus("NOERROR");
        assertEquals(Set.of(MEMBER), r.answers("A"), r::toString);
        assertFalse(r.flags().contains("tc"), r::toString);
        return r;
    }

    @Test
    void aFloodFromOneAddressIsLimitedWhileOthersAreAnswered() throws Exception {
        // Per address (/32) here, so that 127.0.23.3 and .4 are two networks; with the default /24 they would
        // share one bucket.
        try (DnsResponder r = DnsResponder.builder().node(one.node()).bind("127.0.23.30:0").rateLimit(RATE)
                .rateLimitPrefixes(32, 128).start();
             DatagramSocket flood = new DatagramSocket(new InetSocketAddress("127.0.23.3", 0))) {
            ExecutorService threads = Executors.newFixedThreadPool(2);
            flood.setSoTimeout(3000);
            AtomicInteger full = new AtomicInteger();
            AtomicInteger truncated = new AtomicInteger();
            AtomicInteger odd = new AtomicInteger();
            AtomicInteger sent = new AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean digsDone = new java.util.concurrent.atomic.AtomicBoolean();
            CompletableFuture<Void> receiver = CompletableFuture.runAsync(() -> {
                byte[] buf = new byte[65535];
                while (true) { // until the socket stays silent for its timeout: the rest were dropped
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        flood.receive(p);
                    } catch (SocketTimeoutException e) {
                        return; // the rest were dropped
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    Message m = Dns.parse(java.util.Arrays.copyOf(buf, p.getLength()));
                    boolean tc = m.getHeader().getFlag(Flags.TC);
                    int answers = m.getSection(Section.ANSWER).size();
                    if (!tc && answers == 1 && m.getRcode() == Rcode.NOERROR) {
                        full.incrementAndGet();
                    } else if (tc && answers == 0 && m.getRcode() == Rcode.NOERROR
                            && m.getQuestion().getName().equals(Dns.name(NAME))) {
                        truncated.incrementAndGet();
                    } else {
                        odd.incrementAndGet();
                    }
                }
            }, threads);
            long t0 = System.nanoTime();
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                try {
                    // At least FLOOD queries, and on until the digs below have their answers (bounded).
                    for (int id = 0; (id < FLOOD || !digsDone.get()) && id < 60_000; id++) {
                        Message q = Dns.query(NAME, Type.A);
                        q.getHeader().setID(id);
                        byte[] wire = q.toWire();
                        flood.send(new DatagramPacket(wire, wire.length, r.address()));
                        sent.incrementAndGet();
                        Thread.sleep(4); // about 250 queries a second against a limit of 20
                    }
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, threads);
            threads.shutdown();
            Thread.sleep(400);
            // During the flood: another address over UDP, and the flooding address itself over TCP.
            expectFullAnswer(dig(r, "127.0.23.4", NAME, "A", "+notcp"));
            expectFullAnswer(dig(r, "127.0.23.3", NAME, "A", "+tcp"));
            digsDone.set(true);
            sender.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            int flooded = sent.get();
            DnsStats stats = r.stats();
            // Every query of the flood handled: answered in full (NOERROR, less the two digs) or limited.
            assertTrue(Await.until(() -> stats.responses(Rcode.NOERROR) - 2 + stats.rateLimitedTruncated()
                    + stats.rateLimitedDropped() == flooded, WAIT), stats::toString);
            long elapsed = System.nanoTime() - t0;
            receiver.get(WAIT.toSeconds(), TimeUnit.SECONDS);

            long limited = stats.rateLimitedTruncated() + stats.rateLimitedDropped();
            assertEquals(flooded - limited, stats.responses(Rcode.NOERROR) - 2, stats::toString);
            assertEquals(flooded - limited, full.get(), "full answers received");
            assertEquals(0, odd.get());
            // The burst, then at most the rate over the time the flood took.
            long most = RATE + RATE * elapsed / 1_000_000_000L + 1;
            assertTrue(full.get() >= RATE && full.get() <= most,
                    () -> full.get() + " full answers, expected " + RATE + " to " + most + "; " + stats);
            assertTrue(full.get() < flooded / 2, "most of the flood is not answered in full");
            // Slip 2: every other limited query got a truncated response, the others nothing.
            assertEquals((limited + 1) / 2, stats.rateLimitedTruncated(), stats::toString);
            assertEquals(limited / 2, stats.rateLimitedDropped(), stats::toString);
            assertEquals(stats.rateLimitedTruncated(), truncated.get(), "truncated responses received");
            assertEquals(0, stats.truncated(), "slips are not counted as answers that did not fit");

            // After the flood, the other address is still answered in full.
            expectFullAnswer(dig(r, "127.0.23.4", NAME, "A", "+notcp"));
        }
    }

    @Test
    void digSeesTheSlipsTcBitAndRetriesOverTcp() throws Exception {
        // A clock that stands still: one response, then never a refill.
        try (DnsResponder r = DnsResponder.builder().node(one.node()).bind("127.0.23.31:0").rateLimit(1)
                .rateLimitSlip(1).clock(() -> 0L).start()) {
            expectFullAnswer(dig(r, "127.0.23.5", NAME, "A", "+notcp"));
            Dig.Result slip = dig(r, "127.0.23.5", NAME, "A", "+notcp", "+ignore").expectStatus("NOERROR");
            assertTrue(slip.flags().contains("tc"), slip::toString);
            assertTrue(slip.section("ANSWER").isEmpty(), slip::toString);
            // Without +ignore, dig takes the TC bit as its cue to ask again over TCP, which is not limited.
            Dig.Result retried = expectFullAnswer(dig(r, "127.0.23.5", NAME, "A", "+notcp"));
            assertTrue(retried.output().contains("retrying in TCP mode"), retried::toString);
            assertEquals(2, r.stats().rateLimitedTruncated(), r.stats()::toString);
            assertEquals(0, r.stats().rateLimitedDropped(), r.stats()::toString);
            // The same /24 shares the bucket: 127.0.23.6 is limited too.
            Dig.Result neighbour = dig(r, "127.0.23.6", NAME, "A", "+notcp", "+ignore");
            assertTrue(neighbour.flags().contains("tc"), neighbour::toString);
        }
    }
}
