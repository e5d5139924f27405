package dev.grapevine.sim;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.PriorityQueue;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventQueueTest {

    /** A bare event with a settable cancelled flag. */
    private static final class Probe extends Event {
        boolean cancelled;

        Probe(long time, long seq) {
            this.time = time;
            this.seq = seq;
        }

        @Override
        void fire(SimulatedNetwork net) {
        }

        @Override
        boolean isCancelled() {
            return cancelled;
        }

        @Override
        InetSocketAddress where() {
            return null;
        }
    }

    @Test
    void popsInTimeThenSequenceOrderLikeAPriorityQueue() {
        Random rnd = new Random(1);
        EventQueue q = new EventQueue(1);
        PriorityQueue<Event> ref = new PriorityQueue<>();
        long seq = 0;
        for (int round = 0; round < 50_000; round++) {
            if (rnd.nextInt(3) > 0 || ref.isEmpty()) {
                Probe p = new Probe(rnd.nextInt(100), seq++); // many equal times: ties by sequence
                q.add(p);
                ref.add(p);
            } else {
                assertEquals(ref.peek().time, q.peekTime());
                assertSame(ref.poll(), q.poll());
            }
            assertEquals(ref.size(), q.size());
        }
        while (!ref.isEmpty()) {
            assertSame(ref.poll(), q.poll());
        }
        assertTrue(q.isEmpty());
        assertNull(q.poll());
    }

    @Test
    void purgeDropsCancelledEventsAndKeepsTheOrder() {
        Random rnd = new Random(2);
        EventQueue q = new EventQueue(16);
        PriorityQueue<Event> ref = new PriorityQueue<>();
        for (int i = 0; i < 10_000; i++) {
            Probe p = new Probe(rnd.nextInt(1000), i);
            p.cancelled = rnd.nextBoolean();
            q.add(p);
            if (!p.cancelled) {
                ref.add(p);
            }
        }
        q.purgeCancelled();
        assertEquals(ref.size(), q.size());
        while (!ref.isEmpty()) {
            assertSame(ref.poll(), q.poll());
        }
        assertTrue(q.isEmpty());
    }
}
