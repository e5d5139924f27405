package dev.grapevine.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grapevine.events.EventBuffer.Entry;
import dev.grapevine.events.EventBuffer.Outcome;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** Deduplication against a set of everything seen, as long as every time stays inside the window. */
class EventBufferProperties {

    /** An event at {@code base + offset}; offsets stay below the buffer size, so all times share the window. */
    record Ev(int offset, String name, byte[] payload) { }

    @Property
    void everyDistinctEventIsNewOnceAndEveryRepeatIsDuplicate(
            @ForAll @IntRange(min = 1, max = 64) int size,
            @ForAll @LongRange(min = 0, max = 1L << 50) long base,
            @ForAll("events") List<Ev> events,
            @ForAll long shuffleSeed) {
        EventBuffer buf = new EventBuffer(size);
        LamportClock clock = new LamportClock();
        clock.restore(base);
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        Set<Entry> distinct = new HashSet<>();
        List<Entry> all = new ArrayList<>();
        for (Ev ev : events) {
            all.add(new Entry(base + ev.offset() % size, ev.name(), ev.payload()));
        }
        // First pass in the generated order (which may itself repeat events), the clock witnessing each
        // time as a node would; second pass shuffled.
        for (Entry e : all) {
            clock.witness(e.ltime());
            Outcome o = buf.offer(e.ltime(), e.name(), e.payload(), clock.time());
            assertEquals(distinct.add(e) ? Outcome.NEW : Outcome.DUPLICATE, o, e::toString);
            counts.merge(o, 1, Integer::sum);
        }
        List<Entry> again = new ArrayList<>(all);
        Collections.shuffle(again, new Random(shuffleSeed));
        for (Entry e : again) {
            Outcome o = buf.offer(e.ltime(), e.name(), e.payload(), clock.time());
            assertEquals(Outcome.DUPLICATE, o, e::toString);
            counts.merge(o, 1, Integer::sum);
        }
        assertEquals(distinct.size(), counts.getOrDefault(Outcome.NEW, 0));
        assertEquals(2 * all.size() - distinct.size(), counts.getOrDefault(Outcome.DUPLICATE, 0));
        assertEquals(0, counts.getOrDefault(Outcome.TOO_OLD, 0));
        // Nothing fell out, so recent() is exactly the distinct events.
        assertEquals(distinct, new HashSet<>(buf.recent()));
        assertEquals(distinct.size(), buf.recent().size());
    }

    @Property
    void recentNeverHoldsAnythingOfferWouldCallTooOld(
            @ForAll @IntRange(min = 1, max = 16) int size,
            @ForAll("ltimes") List<Long> ltimes) {
        EventBuffer buf = new EventBuffer(size);
        LamportClock clock = new LamportClock();
        for (long t : ltimes) {
            clock.witness(t);
            buf.offer(t, "e", new byte[] {(byte) t}, clock.time());
        }
        List<Entry> recent = buf.recent();
        long previous = -1;
        for (Entry e : recent) {
            assertEquals(Outcome.DUPLICATE, buf.offer(e.ltime(), e.name(), e.payload(), clock.time()), e::toString);
            assertTrue(e.ltime() >= previous, "oldest first");
            previous = e.ltime();
        }
    }

    @Provide
    Arbitrary<List<Ev>> events() {
        // Few names and short payloads over two byte values: at most 3 * 7 = 21 distinct events per time,
        // under the per-slot cap of 64, and repeats within the first pass are frequent.
        Arbitrary<Integer> offset = Arbitraries.integers().between(0, 63);
        Arbitrary<String> name = Arbitraries.of("deploy", "restart", "");
        Arbitrary<byte[]> payload = Arbitraries.bytes().between((byte) 0, (byte) 1).array(byte[].class).ofMaxSize(2);
        return Combinators.combine(offset, name, payload).as(Ev::new).list().ofMaxSize(200);
    }

    @Provide
    Arbitrary<List<Long>> ltimes() {
        return Arbitraries.longs().between(0, 100).list().ofMaxSize(100);
    }
}
