package dev.grapevine.transport;

import dev.grapevine.time.Cancellable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.grapevine.transport.LoopbackSupport.PATIENCE;
import static dev.grapevine.transport.LoopbackSupport.await;
import static dev.grapevine.transport.LoopbackSupport.onLoop;
import static dev.grapevine.transport.LoopbackSupport.runOnLoop;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class EventLoopTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private EventLoop loop;

    @BeforeEach
    void open() throws Exception {
        loop = new EventLoop("test-loop");
    }

    @AfterEach
    void close() {
        loop.close();
    }

    private static boolean awaitLatch(CountDownLatch latch) throws InterruptedException {
        return latch.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void timersFireInDeadlineOrderAndNeverEarly() throws Exception {
        List<String> fired = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(5);
        runOnLoop(loop, () -> {
            long[] delays = {30 * MS, 10 * MS, 0, 20 * MS, 10 * MS};
            String[] names = {"30", "10a", "0", "20", "10b"};
            for (int i = 0; i < delays.length; i++) {
                long scheduledAt = loop.nanoTime();
                long delay = delays[i];
                String name = names[i];
                loop.schedule(delay, () -> {
                    long late = loop.nanoTime() - scheduledAt - delay;
                    fired.add(late >= 0 ? name : name + " early by " + -late + " ns");
                    done.countDown();
                });
            }
        });
        assertTrue(awaitLatch(done));
        assertEquals(List.of("0", "10a", "10b", "20", "30"), onLoop(loop, () -> new ArrayList<>(fired)));
    }

    @Test
    void cancelledTimerNeverFires() throws Exception {
        AtomicBoolean cancelledRan = new AtomicBoolean();
        AtomicBoolean cancelledElsewhereRan = new AtomicBoolean();
        CountDownLatch sentinel = new CountDownLatch(1);
        CountDownLatch scheduled = new CountDownLatch(1);
        CountDownLatch cancelledElsewhere = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Cancellable> fromOtherThread =
                new java.util.concurrent.atomic.AtomicReference<>();
        loop.execute(() -> {
            loop.schedule(10 * MS, () -> cancelledRan.set(true)).cancel();
            fromOtherThread.set(loop.schedule(20 * MS, () -> cancelledElsewhereRan.set(true)));
            scheduled.countDown();
            // The loop thread waits here until the test thread has cancelled, so the 20 ms timer cannot come
            // due and run first however slowly the test thread is scheduled.
            try {
                cancelledElsewhere.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            loop.schedule(60 * MS, sentinel::countDown);
        });
        assertTrue(awaitLatch(scheduled));
        fromOtherThread.get().cancel();
        cancelledElsewhere.countDown();
        assertTrue(awaitLatch(sentinel));
        assertFalse(cancelledRan.get());
        assertFalse(cancelledElsewhereRan.get());
    }

    @Test
    void cancellingManyTimersKeepsTheLoopWorking() throws Exception {
        CountDownLatch last = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        runOnLoop(loop, () -> {
            for (int i = 0; i < 10_000; i++) {
                loop.schedule(TimeUnit.HOURS.toNanos(1), ran::incrementAndGet).cancel();
            }
            loop.schedule(1 * MS, last::countDown);
        });
        assertTrue(awaitLatch(last));
        assertEquals(0, ran.get());
    }

    @Test
    void executeFromOtherThreadsRunsOnTheLoopThreadInOrder() throws Exception {
        int n = 1000;
        List<Integer> order = new ArrayList<>();
        AtomicInteger offLoop = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        CompletableFuture<String> threadName = new CompletableFuture<>();
        for (int i = 0; i < n; i++) {
            int value = i;
            loop.execute(() -> {
                if (!loop.inProtocolThread()) {
                    offLoop.incrementAndGet();
                }
                threadName.complete(Thread.currentThread().getName());
                order.add(value);
                if (value == n - 1) {
                    done.countDown();
                }
            });
        }
        assertTrue(awaitLatch(done));
        assertEquals(0, offLoop.get());
        assertEquals("test-loop", threadName.get());
        List<Integer> snapshot = onLoop(loop, () -> new ArrayList<>(order));
        for (int i = 0; i < n; i++) {
            assertEquals(i, snapshot.get(i));
        }
        assertFalse(loop.inProtocolThread());
    }

    @Test
    void throwingTasksAndTimersDoNotKillTheLoop() throws Exception {
        CountDownLatch after = new CountDownLatch(2);
        loop.execute(() -> {
            throw new IllegalStateException("expected by the test: task failure");
        });
        runOnLoop(loop, () -> loop.schedule(1 * MS, () -> {
            throw new IllegalStateException("expected by the test: timer failure");
        }));
        runOnLoop(loop, () -> loop.schedule(20 * MS, after::countDown));
        loop.execute(after::countDown);
        assertTrue(awaitLatch(after));
    }

    @Test
    void scheduleAndRegisterFromAForeignThreadThrow() throws Exception {
        assertThrows(IllegalStateException.class, () -> loop.schedule(MS, () -> { }));
        try (Pipe.SourceChannel source = Pipe.open().source()) {
            assertThrows(IllegalStateException.class, () -> loop.register(source, SelectionKey.OP_READ, k -> { }));
        }
    }

    @Test
    void closeStopsTheThreadAndClosesRegisteredChannels() throws Exception {
        Thread thread = onLoop(loop, Thread::currentThread);
        assertEquals("test-loop", thread.getName());
        assertTrue(thread.isDaemon());
        Pipe pipe = Pipe.open();
        runOnLoop(loop, () -> loop.register(pipe.source(), SelectionKey.OP_READ, k -> { }));

        loop.close();

        assertFalse(thread.isAlive());
        assertTrue(loop.isClosed());
        assertFalse(pipe.source().isOpen());
        AtomicBoolean ranAfterClose = new AtomicBoolean();
        loop.execute(() -> ranAfterClose.set(true)); // ignored, not thrown
        loop.close(); // idempotent
        assertFalse(ranAfterClose.get());
        pipe.sink().close();
    }

    @Test
    void closeFromTheLoopThreadStopsIt() throws Exception {
        Thread thread = onLoop(loop, Thread::currentThread);
        loop.execute(loop::close);
        thread.join(PATIENCE.toMillis());
        assertFalse(thread.isAlive());
    }

    @Test
    void aThrowingHandlerLosesItsChannelInsteadOfSpinning() throws Exception {
        Pipe pipe = Pipe.open();
        AtomicInteger calls = new AtomicInteger();
        runOnLoop(loop, () -> loop.register(pipe.source(), SelectionKey.OP_READ, k -> {
            calls.incrementAndGet();
            throw new IllegalStateException("expected by the test: handler failure");
        }));
        pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
        await("the failing handler's channel to be closed", () -> !pipe.source().isOpen());
        assertEquals(1, calls.get());
        assertEquals("still alive", onLoop(loop, () -> "still alive"));
        pipe.sink().close();
    }

    @Test
    void handlersRunWhenTheirChannelIsReady() throws Exception {
        Pipe pipe = Pipe.open();
        CompletableFuture<Byte> read = new CompletableFuture<>();
        runOnLoop(loop, () -> loop.register(pipe.source(), SelectionKey.OP_READ, k -> {
            ByteBuffer b = ByteBuffer.allocate(1);
            try {
                pipe.source().read(b);
            } catch (java.io.IOException e) {
                read.completeExceptionally(e);
            }
            read.complete(b.get(0));
            k.cancel();
        }));
        pipe.sink().write(ByteBuffer.wrap(new byte[] {42}));
        assertEquals((byte) 42, read.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        pipe.sink().close();
    }

    @Test
    void anIdleLoopUsesAlmostNoCpu() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadCpuTimeSupported(), "thread CPU time not supported");
        if (!mx.isThreadCpuTimeEnabled()) {
            mx.setThreadCpuTimeEnabled(true);
        }
        long id = onLoop(loop, () -> Thread.currentThread().getId());
        long before = mx.getThreadCpuTime(id);
        Thread.sleep(1000); // measurement window: nothing to wait for, the loop must simply stay asleep
        long used = mx.getThreadCpuTime(id) - before;
        assertTrue(used < 50 * MS, "idle loop used " + used / MS + " ms of CPU in 1 s");
    }

    @Test
    void aLoopWaitingForAFarTimerUsesAlmostNoCpu() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadCpuTimeSupported(), "thread CPU time not supported");
        if (!mx.isThreadCpuTimeEnabled()) {
            mx.setThreadCpuTimeEnabled(true);
        }
        long id = onLoop(loop, () -> {
            loop.schedule(TimeUnit.MINUTES.toNanos(1), () -> { });
            // A sub-millisecond timer must round up, not spin on select(0).
            loop.schedule(TimeUnit.MICROSECONDS.toNanos(300), () -> { });
            return Thread.currentThread().getId();
        });
        long before = mx.getThreadCpuTime(id);
        Thread.sleep(1000); // measurement window
        long used = mx.getThreadCpuTime(id) - before;
        assertTrue(used < 50 * MS, "waiting loop used " + used / MS + " ms of CPU in 1 s");
    }
}
