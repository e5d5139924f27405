package dev.grapevine.transport;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Helpers shared by the transport tests: running code on a loop, waiting for conditions, raw sockets. */
final class LoopbackSupport {

    /** Generous bound for anything that should happen "soon", even on a busy 2-core machine. */
    static final Duration PATIENCE = Duration.ofSeconds(10);

    private LoopbackSupport() {
    }

    /** An address on the loopback network 127.0.0.0/8 with port 0. */
    static InetSocketAddress loopback(int lastOctet) {
        return new InetSocketAddress("127.0.0." + lastOctet, 0);
    }

    /** Runs {@code body} on {@code loop}'s thread and returns its result, rethrowing its failure. */
    static <T> T onLoop(EventLoop loop, Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Runs {@code body} on {@code loop}'s thread and waits for it. */
    static void runOnLoop(EventLoop loop, ThrowingRunnable body) throws Exception {
        onLoop(loop, () -> {
            body.run();
            return null;
        });
    }

    /** Polls {@code condition} until it holds, failing after {@link #PATIENCE}. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /** A blocking client socket connected to {@code to}, reads time out after {@link #PATIENCE}. */
    static Socket rawConnect(InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        s.connect(to, (int) PATIENCE.toMillis());
        s.setSoTimeout((int) PATIENCE.toMillis());
        return s;
    }

    /** True when the peer closed {@code socket} (EOF or reset) before sending anything. */
    static boolean closedByPeer(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            fail("the peer did not close the socket within " + PATIENCE);
            return false;
        } catch (SocketException e) {
            return true; // connection reset: also closed by the peer
        }
    }

    static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static String utf8(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** A runnable that may throw. */
    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /**
     * A {@link Transport.Reply} that completes a future, remembers the thread it ran on and counts calls, so
     * tests can check the exactly-once, on-the-loop contract.
     */
    static final class FutureReply implements Transport.Reply {
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        final AtomicInteger calls = new AtomicInteger();
        volatile String threadName;

        @Override
        public void onReply(ByteBuffer frame) {
            calls.incrementAndGet();
            threadName = Thread.currentThread().getName();
            result.complete(bytes(frame));
        }

        @Override
        public void onFailure(Exception cause) {
            calls.incrementAndGet();
            threadName = Thread.currentThread().getName();
            result.completeExceptionally(cause);
        }

        /** The reply, or the failure's cause thrown. */
        byte[] get() throws Exception {
            try {
                return result.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw (Exception) e.getCause();
            }
        }
    }
}
