package dev.grapevine.transport;

import dev.grapevine.DropReason;
import dev.grapevine.Stats;
import dev.grapevine.transport.LoopbackSupport.FutureReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataOutputStream;
import java.io.EOFException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import static dev.grapevine.transport.LoopbackSupport.PATIENCE;
import static dev.grapevine.transport.LoopbackSupport.await;
import static dev.grapevine.transport.LoopbackSupport.bytes;
import static dev.grapevine.transport.LoopbackSupport.closedByPeer;
import static dev.grapevine.transport.LoopbackSupport.loopback;
import static dev.grapevine.transport.LoopbackSupport.onLoop;
import static dev.grapevine.transport.LoopbackSupport.rawConnect;
import static dev.grapevine.transport.LoopbackSupport.runOnLoop;
import static dev.grapevine.transport.LoopbackSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NioTransportTest {

    private static final String LOOP_NAME = "transport-test-loop";
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private EventLoop loop;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeEach
    void openLoop() throws Exception {
        loop = new EventLoop(LOOP_NAME);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
        loop.close(); // also closes every transport's channels
    }

    /** What a test transport received. */
    private static final class Recorder implements Transport.Inbound {
        final BlockingQueue<String> datagrams = new LinkedBlockingQueue<>();
        final BlockingQueue<InetSocketAddress> senders = new LinkedBlockingQueue<>();
        volatile Function<ByteBuffer, ByteBuffer> onRequest = req -> null;
        volatile String threadName;

        @Override
        public void onDatagram(InetSocketAddress from, ByteBuffer datagram) {
            threadName = Thread.currentThread().getName();
            senders.add(from);
            datagrams.add(utf8(datagram));
        }

        @Override
        public ByteBuffer onRequest(InetSocketAddress from, ByteBuffer request) {
            threadName = Thread.currentThread().getName();
            return onRequest.apply(request);
        }

        String nextDatagram() throws InterruptedException {
            String d = datagrams.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            if (d == null) {
                throw new AssertionError("no datagram within " + PATIENCE);
            }
            return d;
        }
    }

    private static TransportOptions options(int maxFrameSize, Duration streamTimeout, int maxInboundStreams) {
        return new TransportOptions(maxFrameSize, streamTimeout, maxInboundStreams, 65536);
    }

    /** Binds on the calling (test) thread, as a runtime would, and starts on the loop. */
    private NioTransport start(int lastOctet, TransportOptions options, Stats stats, Recorder inbound)
            throws Exception {
        NioTransport t = new NioTransport(loop, loopback(lastOctet), options, stats);
        runOnLoop(loop, () -> t.start(inbound));
        return t;
    }

    private NioTransport start(int lastOctet, Recorder inbound) throws Exception {
        return start(lastOctet, TransportOptions.DEFAULTS, new Stats(), inbound);
    }

    private FutureReply request(NioTransport from, InetSocketAddress to, ByteBuffer body, long timeoutNanos)
            throws Exception {
        FutureReply reply = new FutureReply();
        runOnLoop(loop, () -> from.request(to, body, timeoutNanos, reply));
        return reply;
    }

    // ------------------------------------------------------------------------------------------ datagrams

    @Test
    void datagramRoundTrip() throws Exception {
        Stats statsA = new Stats();
        Stats statsB = new Stats();
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        NioTransport ta = start(2, TransportOptions.DEFAULTS, statsA, a);
        NioTransport tb = start(3, TransportOptions.DEFAULTS, statsB, b);
        assertEquals("127.0.0.2", ta.boundAddress().getAddress().getHostAddress());
        assertEquals("127.0.0.3", tb.boundAddress().getAddress().getHostAddress());

        ByteBuffer ping = utf8("ping");
        ta.sendDatagram(tb.boundAddress(), ping);
        assertEquals(0, ping.position(), "sendDatagram must not move the caller's buffer");
        assertEquals("ping", b.nextDatagram());
        assertEquals(ta.boundAddress(), b.senders.take());
        assertEquals(LOOP_NAME, b.threadName);

        runOnLoop(loop, () -> tb.sendDatagram(ta.boundAddress(), utf8("pong")));
        assertEquals("pong", a.nextDatagram());
        assertEquals(tb.boundAddress(), a.senders.take());

        assertEquals(1, statsA.packetsSent());
        assertEquals(4, statsA.bytesSent());
        assertEquals(1, statsB.packetsReceived());
        assertEquals(4, statsB.bytesReceived());
        assertEquals(1, statsA.packetsReceived());
    }

    @Test
    void manyDatagramsAreAllDrained() throws Exception {
        Recorder b = new Recorder();
        NioTransport ta = start(2, new Recorder());
        NioTransport tb = start(3, b);
        // Batches of 100 (more than one readiness event's worth of 64), each awaited before the next so the
        // kernel's receive buffer (about 200 KiB by default) never overflows: UDP may drop, the test must not.
        for (int batch = 0; batch < 5; batch++) {
            int first = batch * 100;
            runOnLoop(loop, () -> {
                for (int i = first; i < first + 100; i++) {
                    ta.sendDatagram(tb.boundAddress(), utf8("d" + i));
                }
            });
            for (int i = first; i < first + 100; i++) {
                assertEquals("d" + i, b.nextDatagram());
            }
        }
    }

    @Test
    void failedSendsAreCountedNotThrown() throws Exception {
        Stats stats = new Stats();
        NioTransport ta = start(2, TransportOptions.DEFAULTS, stats, new Recorder());
        NioTransport tb = start(3, new Recorder());
        ta.sendDatagram(InetSocketAddress.createUnresolved("no-such-host.invalid", 7946), utf8("x"));
        ta.sendDatagram(tb.boundAddress(), ByteBuffer.allocate(70_000)); // larger than any UDP datagram
        runOnLoop(loop, ta::close);
        ta.sendDatagram(tb.boundAddress(), utf8("after close"));
        assertEquals(3, stats.dropped(DropReason.SEND_FAILED));
        assertEquals(0, stats.packetsSent());
    }

    // ------------------------------------------------------------------------------------ request / reply

    @Test
    void requestReplyRoundTrip() throws Exception {
        Stats statsA = new Stats();
        Stats statsB = new Stats();
        Recorder b = new Recorder();
        b.onRequest = req -> utf8("reply to " + utf8(req));
        NioTransport ta = start(2, TransportOptions.DEFAULTS, statsA, new Recorder());
        NioTransport tb = start(3, TransportOptions.DEFAULTS, statsB, b);

        FutureReply reply = request(ta, tb.boundAddress(), utf8("push-pull"), 5 * SECOND);

        assertEquals("reply to push-pull", new String(reply.get(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(LOOP_NAME, reply.threadName);
        assertEquals(LOOP_NAME, b.threadName);
        assertEquals(1, statsA.streamsOpened());
        assertEquals(1, statsB.streamsAccepted());
        assertEquals(0, statsA.droppedTotal() + statsB.droppedTotal());
        // The cancelled timeout must not produce a second callback.
        runOnLoop(loop, () -> { });
        assertEquals(1, reply.calls.get());
    }

    @Test
    void largeFramesCrossInBothDirections() throws Exception {
        byte[] big = new byte[3 << 20];
        new Random(42).nextBytes(big);
        Recorder b = new Recorder();
        b.onRequest = req -> {
            byte[] echoed = bytes(req);
            for (int i = 0; i < echoed.length; i++) {
                echoed[i] = (byte) ~echoed[i];
            }
            return ByteBuffer.wrap(echoed);
        };
        NioTransport ta = start(2, new Recorder());
        NioTransport tb = start(3, b);

        byte[] got = request(ta, tb.boundAddress(), ByteBuffer.wrap(big), 10 * SECOND).get();

        assertEquals(big.length, got.length);
        for (int i = 0; i < big.length; i++) {
            if (got[i] != (byte) ~big[i]) {
                throw new AssertionError("byte " + i + " differs");
            }
        }
    }

    @Test
    void emptyRequestAndReplyFramesWork() throws Exception {
        Recorder b = new Recorder();
        b.onRequest = req -> ByteBuffer.allocate(0);
        NioTransport ta = start(2, new Recorder());
        NioTransport tb = start(3, b);
        assertArrayEquals(new byte[0], request(ta, tb.boundAddress(), ByteBuffer.allocate(0), 5 * SECOND).get());
    }

    @Test
    void aServerThatAnswersNullClosesTheStream() throws Exception {
        Recorder b = new Recorder();
        b.onRequest = req -> null;
        NioTransport ta = start(2, new Recorder());
        NioTransport tb = start(3, b);
        FutureReply reply = request(ta, tb.boundAddress(), utf8("anyone?"), 5 * SECOND);
        assertInstanceOf(EOFException.class, assertThrows(Exception.class, reply::get));
    }

    @Test
    void requestCallbacksAreNeverCalledFromInsideRequest() throws Exception {
        NioTransport ta = start(2, new Recorder());
        runOnLoop(loop, ta::close);
        AtomicBoolean returned = new AtomicBoolean();
        CompletableFuture<Boolean> returnedBeforeCallback = new CompletableFuture<>();
        runOnLoop(loop, () -> {
            ta.request(new InetSocketAddress("127.0.0.3", 9), utf8("x"), SECOND, new Transport.Reply() {
                @Override
                public void onReply(ByteBuffer frame) {
                    returnedBeforeCallback.completeExceptionally(new AssertionError("unexpected reply"));
                }

                @Override
                public void onFailure(Exception cause) {
                    if (cause instanceof ClosedChannelException) {
                        returnedBeforeCallback.complete(returned.get());
                    } else {
                        returnedBeforeCallback.completeExceptionally(cause);
                    }
                }
            });
            returned.set(true);
        });
        assertTrue(returnedBeforeCallback.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void streamsLeaveFromTheBindAddressNotFromTheRoutesChoice() throws Exception {
        // On loopback the route's source for 127.0.0.9 would be 127.0.0.1: the node's own address is used.
        NioTransport ta = start(2, new Recorder());
        try (java.net.ServerSocket peer = new java.net.ServerSocket()) {
            peer.bind(new InetSocketAddress("127.0.0.9", 0));
            CompletableFuture<InetSocketAddress> seen = CompletableFuture.supplyAsync(() -> {
                try (java.net.Socket s = peer.accept()) {
                    return (InetSocketAddress) s.getRemoteSocketAddress();
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            request(ta, (InetSocketAddress) peer.getLocalSocketAddress(), utf8("who am I?"), 5 * SECOND);
            InetSocketAddress from = seen.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(ta.boundAddress().getAddress(), from.getAddress(), "the stream's source address");
            assertEquals(ta.boundAddress().getAddress(), ta.streamSource());
        }
    }

    @Test
    void requestToAClosedPortFailsWithConnectException() throws Exception {
        NioTransport ta = start(2, new Recorder());
        NioTransport gone = start(3, new Recorder());
        InetSocketAddress closedPort = gone.boundAddress();
        runOnLoop(loop, gone::close);

        long t0 = System.nanoTime();
        FutureReply reply = request(ta, closedPort, utf8("hello?"), 30 * SECOND);
        Exception failure = assertThrows(Exception.class, reply::get);

        // Refused (ConnectException) on an idle machine; seen once as a reset (its parent, SocketException)
        // when the freed port was reused at once. Either way: a fast failure, not the 30 s timeout.
        assertInstanceOf(java.net.SocketException.class, failure);
        assertTrue(System.nanoTime() - t0 < 10 * SECOND, "refusal must not wait for the timeout");
        assertEquals(LOOP_NAME, reply.threadName);
    }

    @Test
    void requestToASilentServerTimesOut() throws Exception {
        NioTransport ta = start(2, new Recorder());
        // The kernel completes connections into the backlog; nobody ever accepts, reads or writes.
        try (ServerSocket silent = new ServerSocket(0, 50, loopback(3).getAddress())) {
            InetSocketAddress to = (InetSocketAddress) silent.getLocalSocketAddress();
            long t0 = System.nanoTime();
            FutureReply reply = request(ta, to, utf8("hello?"), TimeUnit.MILLISECONDS.toNanos(300));
            Exception failure = assertThrows(Exception.class, reply::get);
            long elapsed = System.nanoTime() - t0;

            assertInstanceOf(TimeoutException.class, failure);
            assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(300), "failed early: " + elapsed + " ns");
            assertTrue(elapsed < 10 * SECOND, "took " + elapsed + " ns");
            assertEquals(1, reply.calls.get());
        }
    }

    @Test
    void anOversizedReplyFailsTheRequest() throws Exception {
        Recorder b = new Recorder();
        b.onRequest = req -> ByteBuffer.allocate(1000);
        NioTransport ta = start(2, options(64, Duration.ofSeconds(10), 8), new Stats(), new Recorder());
        NioTransport tb = start(3, b);
        FutureReply reply = request(ta, tb.boundAddress(), utf8("give me a lot"), 5 * SECOND);
        FrameTooLargeException e = assertInstanceOf(FrameTooLargeException.class, assertThrows(Exception.class,
                reply::get));
        assertEquals(1000, e.declaredLength());
        assertEquals(64, e.maxFrameSize());
    }

    @Test
    void closeFailsPendingRequests() throws Exception {
        NioTransport ta = start(2, new Recorder());
        try (ServerSocket silent = new ServerSocket(0, 50, loopback(3).getAddress())) {
            InetSocketAddress to = (InetSocketAddress) silent.getLocalSocketAddress();
            FutureReply first = request(ta, to, utf8("one"), 60 * SECOND);
            FutureReply second = request(ta, to, utf8("two"), 60 * SECOND);

            runOnLoop(loop, ta::close);
            runOnLoop(loop, ta::close); // idempotent

            assertInstanceOf(ClosedChannelException.class, assertThrows(Exception.class, first::get));
            assertInstanceOf(ClosedChannelException.class, assertThrows(Exception.class, second::get));
            assertEquals(1, first.calls.get());
            assertEquals(1, second.calls.get());
            assertTrue(ta.isClosed());
        }
    }

    // ----------------------------------------------------------------------------------- server defences

    @Test
    void oversizedInboundFramesAreDroppedAndTheServerStillAnswers() throws Exception {
        Stats statsB = new Stats();
        Recorder b = new Recorder();
        b.onRequest = req -> utf8("ok " + utf8(req));
        NioTransport ta = start(2, new Recorder());
        NioTransport tb = start(3, options(1024, Duration.ofSeconds(30), 8), statsB, b);

        int[] declared = {Integer.MAX_VALUE, 1025, -1};
        for (int i = 0; i < declared.length; i++) {
            try (Socket s = rawConnect(tb.boundAddress())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(declared[i]);
                out.write(new byte[10]);
                out.flush();
                assertTrue(closedByPeer(s));
            }
            int expected = i + 1;
            await(expected + " oversized drops", () -> statsB.dropped(DropReason.OVERSIZED) == expected);
        }

        byte[] ok = request(ta, tb.boundAddress(), utf8("still there?"), 5 * SECOND).get();
        assertEquals("ok still there?", new String(ok, java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(0, statsB.dropped(DropReason.STREAM_TIMEOUT));
    }

    @Test
    void silentAndSlowClientsAreClosedAfterTheStreamTimeout() throws Exception {
        Stats statsB = new Stats();
        NioTransport tb = start(3, options(1024, Duration.ofMillis(200), 8), statsB, new Recorder());

        long t0 = System.nanoTime();
        try (Socket silent = rawConnect(tb.boundAddress());
             Socket slow = rawConnect(tb.boundAddress())) {
            DataOutputStream out = new DataOutputStream(slow.getOutputStream());
            out.writeInt(100);
            out.write(new byte[10]); // 90 bytes short, forever
            out.flush();

            assertTrue(closedByPeer(silent));
            assertTrue(closedByPeer(slow));
        }
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(200));
        await("two stream timeouts", () -> statsB.dropped(DropReason.STREAM_TIMEOUT) == 2);
        assertEquals(2, statsB.streamsAccepted());
    }

    @Test
    void streamsBeyondTheLimitAreRefusedAndCounted() throws Exception {
        Stats statsB = new Stats();
        Recorder b = new Recorder();
        b.onRequest = req -> utf8("ok");
        NioTransport ta = start(2, new Recorder());
        NioTransport tb = start(3, options(1024, Duration.ofSeconds(60), 2), statsB, b);

        Socket first = rawConnect(tb.boundAddress());
        resources.add(first);
        Socket second = rawConnect(tb.boundAddress());
        resources.add(second);
        await("two accepted streams", () -> statsB.streamsAccepted() == 2);

        try (Socket third = rawConnect(tb.boundAddress())) {
            assertTrue(closedByPeer(third));
        }
        await("one refused stream", () -> statsB.dropped(DropReason.TOO_MANY_STREAMS) == 1);
        FutureReply refused = request(ta, tb.boundAddress(), utf8("me too"), 5 * SECOND);
        assertThrows(Exception.class, refused::get);
        assertEquals(2, statsB.dropped(DropReason.TOO_MANY_STREAMS));
        assertEquals(2, statsB.streamsAccepted());

        // A client leaving frees its slot (the frame it never sent is counted as truncated).
        first.close();
        await("the first stream to be released", () -> statsB.dropped(DropReason.TRUNCATED) == 1);
        assertEquals("ok", utf8(ByteBuffer.wrap(request(ta, tb.boundAddress(), utf8("now?"), 5 * SECOND).get())));
        assertEquals(3, statsB.streamsAccepted());
    }

    // -------------------------------------------------------------------------------------------- binding

    @Test
    void portZeroGivesTheSamePortForUdpAndTcp() throws Exception {
        NioTransport t = start(2, new Recorder());
        InetSocketAddress bound = t.boundAddress();
        assertNotEquals(0, bound.getPort());

        // Both protocols hold that exact port: neither can be bound again...
        assertThrows(BindException.class, () -> new DatagramSocket(bound).close());
        assertThrows(BindException.class, () -> new ServerSocket(bound.getPort(), 50, bound.getAddress()).close());
        // ...and binding a transport there surfaces the error to the caller.
        assertThrows(BindException.class, () -> new NioTransport(loop, bound, TransportOptions.DEFAULTS,
                new Stats()));
        // The TCP side really is the one listening.
        try (Socket s = rawConnect(bound)) {
            assertTrue(s.isConnected());
        }
    }

    @Test
    void anExplicitPortIsHonoured() throws Exception {
        NioTransport probe = new NioTransport(loop, loopback(4), TransportOptions.DEFAULTS, new Stats());
        int port = probe.boundAddress().getPort();
        runOnLoop(loop, probe::close);

        NioTransport t = new NioTransport(loop, new InetSocketAddress("127.0.0.4", port), TransportOptions.DEFAULTS,
                new Stats());
        assertEquals(port, t.boundAddress().getPort());
        assertEquals(TransportOptions.DEFAULTS.maxFrameSize(), t.maxFrameSize());
        runOnLoop(loop, t::close);
    }

    @Test
    void loopOnlyMethodsRejectOtherThreads() throws Exception {
        NioTransport t = new NioTransport(loop, loopback(2), TransportOptions.DEFAULTS, new Stats());
        assertThrows(IllegalStateException.class, () -> t.start(new Recorder()));
        assertThrows(IllegalStateException.class,
                () -> t.request(loopback(3), utf8("x"), SECOND, new FutureReply()));
        assertThrows(IllegalStateException.class, t::close);
        runOnLoop(loop, () -> t.start(new Recorder()));
        assertThrows(IllegalStateException.class, () -> onLoop(loop, () -> {
            t.start(new Recorder());
            return null;
        }));
    }
}
