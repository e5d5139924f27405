package dev.grapevine.transport;

import dev.grapevine.GossipRuntime;
import dev.grapevine.Stats;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.grapevine.transport.LoopbackSupport.PATIENCE;
import static dev.grapevine.transport.LoopbackSupport.loopback;
import static dev.grapevine.transport.LoopbackSupport.onLoop;
import static dev.grapevine.transport.LoopbackSupport.runOnLoop;
import static dev.grapevine.transport.LoopbackSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetworkRuntimeTest {

    @Test
    void listenersRunInOrderOnTheirOwnThreadAndSurviveFailures() throws Exception {
        try (NetworkRuntime runtime = NetworkRuntime.create("rt-listen")) {
            List<Integer> order = new ArrayList<>();
            CompletableFuture<String> thread = new CompletableFuture<>();
            CountDownLatch done = new CountDownLatch(1);
            runtime.listenerExecutor().execute(() -> thread.complete(Thread.currentThread().getName()));
            for (int i = 0; i < 100; i++) {
                int value = i;
                runtime.listenerExecutor().execute(() -> order.add(value));
                if (i == 50) {
                    runtime.listenerExecutor().execute(() -> {
                        throw new IllegalStateException("expected by the test: listener failure");
                    });
                }
            }
            runtime.listenerExecutor().execute(done::countDown);

            assertTrue(done.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
            assertEquals("rt-listen-listeners", thread.get());
            for (int i = 0; i < 100; i++) {
                assertEquals(i, order.get(i));
            }
        }
    }

    @Test
    void nodesBoundToOneRuntimeShareItsProtocolThread() throws Exception {
        try (NetworkRuntime runtime = NetworkRuntime.create("rt-share")) {
            GossipRuntime.Binding a = runtime.bind(loopback(2), TransportOptions.DEFAULTS, new Stats());
            GossipRuntime.Binding b = runtime.bind(loopback(3), TransportOptions.DEFAULTS, new Stats());
            assertSame(a.scheduler(), b.scheduler());
            assertSame(runtime.loop(), a.scheduler());

            CompletableFuture<String> received = new CompletableFuture<>();
            Transport.Inbound ignore = new Transport.Inbound() {
                @Override
                public void onDatagram(InetSocketAddress from, ByteBuffer datagram) {
                }

                @Override
                public ByteBuffer onRequest(InetSocketAddress from, ByteBuffer request) {
                    return null;
                }
            };
            Transport.Inbound record = new Transport.Inbound() {
                @Override
                public void onDatagram(InetSocketAddress from, ByteBuffer datagram) {
                    received.complete(Thread.currentThread().getName() + ":" + utf8(datagram));
                }

                @Override
                public ByteBuffer onRequest(InetSocketAddress from, ByteBuffer request) {
                    return null;
                }
            };
            runOnLoop(runtime.loop(), () -> {
                a.transport().start(ignore);
                b.transport().start(record);
                a.transport().sendDatagram(b.transport().boundAddress(), utf8("hi"));
            });
            assertEquals("rt-share-protocol:hi", received.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void closeStopsBothThreadsAndIsIdempotent() throws Exception {
        NetworkRuntime runtime = NetworkRuntime.create("rt-close");
        Thread protocol = onLoop(runtime.loop(), Thread::currentThread);
        CompletableFuture<Thread> listener = new CompletableFuture<>();
        runtime.listenerExecutor().execute(() -> listener.complete(Thread.currentThread()));
        Thread listenerThread = listener.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals("rt-close-protocol", protocol.getName());
        assertTrue(listenerThread.isDaemon());

        runtime.close();
        runtime.close();

        listenerThread.join(PATIENCE.toMillis());
        assertFalse(protocol.isAlive());
        assertFalse(listenerThread.isAlive());
        runtime.listenerExecutor().execute(() -> { }); // dropped, not thrown
        assertThrows(IllegalStateException.class,
                () -> runtime.bind(loopback(2), TransportOptions.DEFAULTS, new Stats()));
    }
}
