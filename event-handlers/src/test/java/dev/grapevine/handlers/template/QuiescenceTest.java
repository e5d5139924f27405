package dev.grapevine.handlers.template;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuiescenceTest {

    private static final long MS = 1_000_000L;

    @Test
    void firesOnceTheQuietPeriodPassesAfterTheLastChange() {
        Quiescence q = new Quiescence(100 * MS, 1000 * MS);
        assertFalse(q.pending());
        q.changed(0);
        q.changed(50 * MS);
        q.changed(120 * MS);
        assertEquals(220 * MS, q.deadline());
        assertFalse(q.due(219 * MS));
        assertTrue(q.due(220 * MS));
        q.fired();
        assertFalse(q.pending());
        assertFalse(q.due(10_000 * MS));
    }

    @Test
    void neverWaitsLongerThanMaxAfterTheFirstChange() {
        Quiescence q = new Quiescence(100 * MS, 300 * MS);
        for (long t = 0; t <= 290 * MS; t += 90 * MS) {
            q.changed(t);
        }
        assertEquals(300 * MS, q.deadline());
        assertTrue(q.due(300 * MS));
    }

    @Test
    void aChangeAfterFiringStartsANewBurst() {
        Quiescence q = new Quiescence(100 * MS, 300 * MS);
        q.changed(0);
        q.fired();
        q.changed(1000 * MS);
        assertEquals(1100 * MS, q.deadline());
    }

    @Test
    void worksAcrossTheWrapOfTheNanosecondClock() {
        Quiescence q = new Quiescence(100 * MS, 300 * MS);
        long start = Long.MAX_VALUE - 50 * MS;
        q.changed(start);
        assertFalse(q.due(start + 99 * MS));
        assertTrue(q.due(start + 100 * MS));
    }

    @Test
    void rejectsMaxBelowMin() {
        assertThrows(IllegalArgumentException.class, () -> new Quiescence(2, 1));
        assertThrows(IllegalArgumentException.class, () -> new Quiescence(-1, 1));
    }

    /**
     * Feeds change times with the given gaps, polling every millisecond as the watcher's thread would, and
     * checks every firing: it is due (quiet for min, or max after the burst's first change), never later than
     * that, and each burst fires exactly once.
     */
    @Property(tries = 300)
    void firesExactlyWhenQuietOrCappedAndOncePerBurst(@ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 400) Integer> gapsMs,
                                                      @ForAll @IntRange(min = 0, max = 200) int minMs,
                                                      @ForAll @IntRange(min = 0, max = 600) int extraMs) {
        long min = minMs * MS;
        long max = (minMs + extraMs) * MS;
        Quiescence q = new Quiescence(min, max);
        List<Long> changes = new ArrayList<>();
        long t = 0;
        for (int gap : gapsMs) {
            t += gap * MS;
            changes.add(t);
        }
        List<Long> fires = new ArrayList<>();
        int sinceFire = 0;
        int next = 0;
        long burstFirst = -1;
        long burstLast = -1;
        for (long now = 0; now <= t + max + MS; now += MS) {
            while (next < changes.size() && changes.get(next) <= now) {
                if (!q.pending()) {
                    burstFirst = changes.get(next);
                }
                burstLast = changes.get(next);
                q.changed(changes.get(next));
                next++;
                sinceFire++;
            }
            if (q.due(now)) {
                long expected = Math.min(burstLast + min, burstFirst + max);
                assertEquals(Math.max(expected, burstLast), now, "fired at the deadline of its burst");
                assertTrue(sinceFire > 0, "no firing without a change since the last one");
                fires.add(now);
                sinceFire = 0;
                q.fired();
            }
        }
        assertFalse(q.pending(), "every burst fired");
        // One burst (every gap shorter than min, the whole span shorter than max): exactly one firing.
        boolean oneBurst = gapsMs.stream().skip(1).allMatch(g -> g * MS < min) && t - changes.get(0) < max;
        if (oneBurst) {
            assertEquals(1, fires.size(), "fires " + fires);
        }
        assertTrue(fires.size() >= 1 && fires.size() <= changes.size());
    }
}
