package dev.grapevine.events;

import dev.grapevine.time.ManualScheduler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** Serf's user-event defaults: a 5 s coalesce period, a 1 s quiescent period. Times are virtual. */
class CoalescerTest {

    private static final long MS = 1_000_000L;
    private static final Duration MAX = Duration.ofSeconds(5);
    private static final Duration QUIESCENT = Duration.ofSeconds(1);

    /** What the sink received, and when (virtual milliseconds since the scheduler's start). */
    private record Delivery(long atMs, String event) { }

    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<Delivery> delivered = new ArrayList<>();
    private final Coalescer<String, String> coalescer = new Coalescer<>(scheduler, MAX, QUIESCENT,
            e -> delivered.add(new Delivery(scheduler.nanoTime() / MS, e)));

    private void advanceMs(long ms) {
        scheduler.advance(ms * MS);
    }

    @Test
    void aBurstOfOneKeyDeliversOnlyTheLastEventOnceQuiet() {
        for (int i = 0; i < 10; i++) {
            coalescer.offer("deploy", "deploy-" + i);
            assertEquals(1, coalescer.pending());
            advanceMs(100);
        }
        // Last offer at 900 ms: quiet until 1900 ms.
        advanceMs(899);
        assertEquals(List.of(), delivered);
        advanceMs(1);
        assertEquals(List.of(new Delivery(1900, "deploy-9")), delivered);
        assertEquals(0, coalescer.pending());
        advanceMs(10_000);
        assertEquals(1, delivered.size());
    }

    @Test
    void eachKeyDeliversItsNewestInOrderOfFirstArrival() {
        coalescer.offer("a", "a1");
        coalescer.offer("b", "b1");
        coalescer.offer("a", "a2");
        coalescer.offer("c", "c1");
        coalescer.offer("b", "b2");
        assertEquals(3, coalescer.pending());
        advanceMs(1000);
        assertEquals(List.of(new Delivery(1000, "a2"), new Delivery(1000, "b2"), new Delivery(1000, "c1")),
                delivered);
    }

    @Test
    void aContinuousBurstIsFlushedAtMax() {
        // An event every quiescent/2 never lets the burst go quiet: max (5 s after the first) flushes it.
        // advance() runs the timer due at 5000 ms before the offer made at 5000 ms, so that offer opens the
        // next burst.
        for (int i = 0; i <= 14; i++) {
            coalescer.offer("deploy", "deploy-" + i);   // at i * 500 ms
            advanceMs(500);
        }
        assertEquals(List.of(new Delivery(5000, "deploy-9")), delivered);
        // The second burst started at 5000 ms with deploy-10; its last event was at 7000 ms, so it goes quiet
        // at 8000 ms, before its own max at 10000 ms.
        advanceMs(499);
        assertEquals(1, delivered.size());
        advanceMs(1);
        assertEquals(List.of(new Delivery(5000, "deploy-9"), new Delivery(8000, "deploy-14")), delivered);
    }

    @Test
    void aBurstHoldsOneTimerHoweverManyEventsArrive() {
        // Re-arming a quiescence timer per event would leave thousands of cancelled timers in the heap.
        for (int i = 0; i < 6000; i++) {
            coalescer.offer("k" + (i % 7), "e" + i);
            advanceMs(1);
            assertTrue(scheduler.queued() <= 1, () -> "queued " + scheduler.queued());
        }
        assertEquals(7, delivered.size());      // the first burst flushed once, at max; the second still open
        assertEquals(5000, delivered.get(0).atMs());
    }

    @Test
    void anEventAfterAFlushStartsANewBurst() {
        coalescer.offer("deploy", "first");
        advanceMs(1000);
        assertEquals(List.of(new Delivery(1000, "first")), delivered);
        assertEquals(-1, scheduler.nextDeadline());

        advanceMs(2000);
        coalescer.offer("deploy", "second");                 // at 3000 ms: quiet at 4000 ms
        assertEquals(4000 * MS, scheduler.nextDeadline());
        advanceMs(1000);
        assertEquals(new Delivery(4000, "second"), delivered.get(1));

        // A new burst's max counts from its own first event (6000 ms), not from an earlier burst.
        advanceMs(2000);
        for (int t = 6000; t < 13000; t += 500) {
            coalescer.offer("deploy", "third@" + t);
            advanceMs(500);
        }
        assertEquals(new Delivery(11000, "third@10500"), delivered.get(2));
    }

    @Test
    void flushDeliversPendingNowAndEndsTheBurst() {
        coalescer.offer("a", "a1");
        advanceMs(300);
        coalescer.offer("b", "b1");
        coalescer.offer("a", "a2");
        coalescer.flush();
        assertEquals(List.of(new Delivery(300, "a2"), new Delivery(300, "b1")), delivered);
        assertEquals(0, coalescer.pending());
        assertEquals(-1, scheduler.nextDeadline());      // the timer was cancelled
        advanceMs(10_000);
        assertEquals(2, delivered.size());

        coalescer.flush();                               // nothing pending: nothing happens
        assertEquals(2, delivered.size());

        coalescer.offer("a", "a3");                      // a fresh burst, on its own schedule
        advanceMs(1000);
        assertEquals(new Delivery(11300, "a3"), delivered.get(2));
    }

    @Test
    void quiescentLongerThanMaxMeansMaxAlwaysWins() {
        Coalescer<String, String> c = new Coalescer<>(scheduler, Duration.ofSeconds(2), Duration.ofSeconds(3),
                e -> delivered.add(new Delivery(scheduler.nanoTime() / MS, e)));
        c.offer("k", "only");
        advanceMs(2000);
        assertEquals(List.of(new Delivery(2000, "only")), delivered);
    }

    @Test
    void worksWhateverTheSchedulersClockStartsAt() {
        // nanoTime() has an arbitrary origin; deadlines must not overflow near Long.MAX_VALUE.
        ManualScheduler s = new ManualScheduler(Long.MAX_VALUE - 3_000 * MS);
        List<Long> at = new ArrayList<>();
        Coalescer<String, String> c = new Coalescer<>(s, MAX, QUIESCENT, e -> at.add(s.nanoTime()));
        c.offer("k", "e");
        s.advance(999 * MS);
        assertEquals(List.of(), at);
        s.advance(MS);
        assertEquals(List.of(Long.MAX_VALUE - 2_000 * MS), at);
    }

    @Test
    void anEventOfferedByTheSinkStartsTheNextBurst() {
        List<String> out = new ArrayList<>();
        AtomicReference<Coalescer<String, String>> self = new AtomicReference<>();
        self.set(new Coalescer<>(scheduler, MAX, QUIESCENT, e -> {
            out.add(e + "@" + scheduler.nanoTime() / MS);
            if (e.equals("ping")) {
                self.get().offer("k", "pong");
            }
        }));
        self.get().offer("k", "ping");
        advanceMs(1000);
        assertEquals(List.of("ping@1000"), out);
        assertEquals(1, self.get().pending());
        advanceMs(1000);
        assertEquals(List.of("ping@1000", "pong@2000"), out);
    }

    @Test
    void aThrowingSinkDoesNotLoseTheOtherEvents() {
        List<String> out = new ArrayList<>();
        RuntimeException boom = new IllegalStateException("boom");
        Coalescer<String, String> c = new Coalescer<>(scheduler, MAX, QUIESCENT, e -> {
            if (e.startsWith("bad")) {
                throw e.equals("bad1") ? boom : new IllegalStateException(e);
            }
            out.add(e);
        });
        c.offer("a", "bad1");
        c.offer("b", "good");
        c.offer("c", "bad2");
        RuntimeException thrown = assertThrows(RuntimeException.class, c::flush);
        assertSame(boom, thrown);
        assertEquals(1, thrown.getSuppressed().length);
        assertEquals(List.of("good"), out);
        assertEquals(0, c.pending());
    }

    @Test
    void useOffTheProtocolThreadIsRefused() {
        scheduler.protocolThread(false);
        assertThrows(IllegalStateException.class, () -> coalescer.offer("k", "e"));
        assertThrows(IllegalStateException.class, coalescer::flush);
        assertEquals(0, coalescer.pending());
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new Coalescer<String, String>(scheduler, Duration.ZERO, QUIESCENT, e -> { }));
        assertThrows(IllegalArgumentException.class,
                () -> new Coalescer<String, String>(scheduler, MAX, Duration.ofMillis(-1), e -> { }));
        assertThrows(NullPointerException.class, () -> coalescer.offer(null, "e"));
        assertThrows(NullPointerException.class, () -> coalescer.offer("k", null));
    }
}
