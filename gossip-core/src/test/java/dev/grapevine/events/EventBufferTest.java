package dev.grapevine.events;

import static dev.grapevine.events.EventBuffer.Outcome.DUPLICATE;
import static dev.grapevine.events.EventBuffer.Outcome.NEW;
import static dev.grapevine.events.EventBuffer.Outcome.TOO_OLD;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grapevine.events.EventBuffer.Entry;

import java.util.List;

import org.junit.jupiter.api.Test;

class EventBufferTest {

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void firstOfferIsNewAndARepeatIsDuplicate() {
        EventBuffer buf = new EventBuffer(8);
        assertEquals(NEW, buf.offer(3, "deploy", b("v1"), 4));
        assertEquals(DUPLICATE, buf.offer(3, "deploy", b("v1"), 4));
        assertEquals(DUPLICATE, buf.offer(3, "deploy", b("v1"), 9));
    }

    @Test
    void payloadsAreComparedByContentNotIdentity() {
        EventBuffer buf = new EventBuffer(8);
        byte[] p = b("v1");
        assertEquals(NEW, buf.offer(3, "deploy", p, 4));
        assertEquals(DUPLICATE, buf.offer(3, "deploy", p.clone(), 4));
    }

    @Test
    void sameLtimeWithADifferentPayloadOrNameIsNewAndAllAreKept() {
        // Concurrent senders can stamp different events with one Lamport time.
        EventBuffer buf = new EventBuffer(8);
        assertEquals(NEW, buf.offer(3, "deploy", b("v1"), 4));
        assertEquals(NEW, buf.offer(3, "deploy", b("v2"), 4));
        assertEquals(NEW, buf.offer(3, "restart", b("v1"), 4));
        assertEquals(NEW, buf.offer(3, "deploy", new byte[0], 4));
        assertEquals(DUPLICATE, buf.offer(3, "deploy", b("v1"), 4));
        assertEquals(DUPLICATE, buf.offer(3, "deploy", b("v2"), 4));
        assertEquals(DUPLICATE, buf.offer(3, "restart", b("v1"), 4));
        assertEquals(DUPLICATE, buf.offer(3, "deploy", new byte[0], 4));
        assertEquals(4, buf.recent().size());
    }

    @Test
    void sameEventAtAnotherLtimeIsNew() {
        EventBuffer buf = new EventBuffer(8);
        assertEquals(NEW, buf.offer(3, "deploy", b("v1"), 4));
        assertEquals(NEW, buf.offer(4, "deploy", b("v1"), 5));
    }

    @Test
    void tooOldOnceTheClockIsMoreThanSizePastIt() {
        EventBuffer buf = new EventBuffer(4);
        // clock == size: nothing is too old yet.
        assertEquals(NEW, buf.offer(0, "e", b("x"), 4));
        // clock 5, size 4: the window is ltime >= 1.
        assertEquals(TOO_OLD, buf.offer(0, "e", b("y"), 5));
        assertEquals(NEW, buf.offer(1, "e", b("x"), 5));
        // Even an event that was seen is TOO_OLD, not DUPLICATE, once out of the window.
        assertEquals(TOO_OLD, buf.offer(0, "e", b("x"), 5));
        assertEquals(TOO_OLD, buf.offer(1, "e", b("x"), 100));
    }

    @Test
    void aSlotIsReusedAfterWrapAround() {
        EventBuffer buf = new EventBuffer(4);
        assertEquals(NEW, buf.offer(1, "a", b("1"), 2));
        assertEquals(NEW, buf.offer(5, "b", b("5"), 6));       // slot 1 again: now stands for ltime 5
        assertEquals(DUPLICATE, buf.offer(5, "b", b("5"), 6));
        assertEquals(List.of(new Entry(5, "b", b("5"))), buf.recent());
        // The old time is gone; with the clock witnessed it is too old by the clock rule...
        assertEquals(TOO_OLD, buf.offer(1, "a", b("1"), 6));
        // ...and with a stale clock, by the slot rule: it must not wipe ltime 5's slot.
        assertEquals(TOO_OLD, buf.offer(1, "a", b("1"), 2));
        assertEquals(DUPLICATE, buf.offer(5, "b", b("5"), 6));
    }

    @Test
    void recentIsOldestFirstThenInArrivalOrderWithinATime() {
        EventBuffer buf = new EventBuffer(8);
        buf.offer(6, "c", b("6"), 7);
        buf.offer(2, "a", b("2"), 7);
        buf.offer(6, "b", b("6"), 7);
        buf.offer(4, "z", b("4"), 7);
        assertEquals(List.of(
                new Entry(2, "a", b("2")),
                new Entry(4, "z", b("4")),
                new Entry(6, "c", b("6")),
                new Entry(6, "b", b("6"))), buf.recent());
    }

    @Test
    void recentHoldsOnlyWhatIsStillInTheBuffer() {
        EventBuffer buf = new EventBuffer(4);
        buf.offer(0, "a", b("0"), 1);
        buf.offer(1, "b", b("1"), 2);
        buf.offer(2, "c", b("2"), 3);
        assertEquals(3, buf.recent().size());
        buf.offer(4, "d", b("4"), 5);      // overwrites ltime 0's slot; clock 5 puts ltime 0 out of the window
        assertEquals(List.of(
                new Entry(1, "b", b("1")),
                new Entry(2, "c", b("2")),
                new Entry(4, "d", b("4"))), buf.recent());
        buf.offer(7, "e", b("7"), 8);      // clock 8: window is ltime >= 4, so 1 and 2 drop out though not overwritten
        assertEquals(List.of(
                new Entry(4, "d", b("4")),
                new Entry(7, "e", b("7"))), buf.recent());
    }

    @Test
    void emptyBufferHasNothingRecent() {
        assertTrue(new EventBuffer(EventBuffer.DEFAULT_SIZE).recent().isEmpty());
    }

    @Test
    void theCallerMayReuseThePayloadArray() {
        EventBuffer buf = new EventBuffer(8);
        byte[] p = b("v1");
        buf.offer(3, "deploy", p, 4);
        p[0] = 'X';
        assertEquals(DUPLICATE, buf.offer(3, "deploy", b("v1"), 4));
        assertEquals(NEW, buf.offer(3, "deploy", p, 4));
    }

    @Test
    void entriesAreImmutableAndEqualByContent() {
        Entry e = new Entry(3, "deploy", b("v1"));
        Entry f = new Entry(3, "deploy", b("v1"));
        assertEquals(e, f);
        assertEquals(e.hashCode(), f.hashCode());
        assertNotEquals(e, new Entry(3, "deploy", b("v2")));
        assertNotEquals(e, new Entry(4, "deploy", b("v1")));
        assertNotEquals(e, new Entry(3, "other", b("v1")));
        byte[] out = e.payload();
        assertNotSame(out, e.payload());
        out[0] = 'X';
        assertArrayEquals(b("v1"), e.payload());
    }

    @Test
    void aFullSlotEvictsItsOldestEvent() {
        EventBuffer buf = new EventBuffer(8, 3);
        assertEquals(NEW, buf.offer(3, "e", b("1"), 4));
        assertEquals(NEW, buf.offer(3, "e", b("2"), 4));
        assertEquals(NEW, buf.offer(3, "e", b("3"), 4));
        assertEquals(NEW, buf.offer(3, "e", b("4"), 4));       // evicts "1"
        assertEquals(List.of(
                new Entry(3, "e", b("2")),
                new Entry(3, "e", b("3")),
                new Entry(3, "e", b("4"))), buf.recent());
        assertEquals(DUPLICATE, buf.offer(3, "e", b("2"), 4));
        assertEquals(DUPLICATE, buf.offer(3, "e", b("4"), 4));
        // The documented risk: an evicted event seen again counts as new.
        assertEquals(NEW, buf.offer(3, "e", b("1"), 4));
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new EventBuffer(0));
        assertThrows(IllegalArgumentException.class, () -> new EventBuffer(4, 0));
        EventBuffer buf = new EventBuffer(4);
        assertThrows(IllegalArgumentException.class, () -> buf.offer(-1, "e", b("x"), 0));
        assertThrows(NullPointerException.class, () -> buf.offer(1, null, b("x"), 2));
        assertThrows(NullPointerException.class, () -> buf.offer(1, "e", null, 2));
        assertEquals(4, buf.size());
    }
}
