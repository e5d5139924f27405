package dev.grapevine.roles.admin;

import dev.grapevine.ClusterEvent;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bounded ring of received user events, and how payloads are shown. */
class UserEventLogTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-02T03:04:05Z"), ZoneOffset.UTC);

    @Property
    void keepsTheNewestEventsOldestFirst(@ForAll @IntRange(min = 1, max = 20) int capacity,
                                         @ForAll @IntRange(max = 60) int count) {
        UserEventLog log = new UserEventLog(capacity, CLOCK);
        List<ReceivedEvent> seen = new ArrayList<>();
        log.addListener(seen::add);
        for (int i = 0; i < count; i++) {
            log.onEvent(new ClusterEvent.UserEvent("e" + i, new byte[]{(byte) i}, 100 + i));
        }
        List<ReceivedEvent> kept = log.events();
        assertEquals(Math.min(capacity, count), kept.size());
        for (int k = 0; k < kept.size(); k++) {
            int i = count - kept.size() + k;
            assertEquals("e" + i, kept.get(k).name());
            assertEquals(100 + i, kept.get(k).ltime());
            assertArrayEquals(new byte[]{(byte) i}, kept.get(k).payload());
            assertEquals(CLOCK.instant(), kept.get(k).received());
        }
        assertEquals(count, log.total());
        assertEquals(count, seen.size(), "the listener hears every event, kept or not");
    }

    @Test
    void ignoresEventsThatAreNotUserEvents() {
        UserEventLog log = new UserEventLog();
        Member m = new Member("a", new InetSocketAddress("127.0.7.1", 1), Map.of(), MemberStatus.ALIVE, 1);
        log.onEvent(new ClusterEvent.MemberJoined(m));
        log.onEvent(new ClusterEvent.Query("q", new byte[0], 1, "a", r -> { }));
        assertEquals(List.of(), log.events());
        assertEquals(0, log.total());
        assertEquals(UserEventLog.DEFAULT_CAPACITY, log.capacity());
    }

    @Test
    void aFailingListenerDoesNotStopTheLog() {
        UserEventLog log = new UserEventLog(4, CLOCK);
        List<String> heard = new ArrayList<>();
        log.addListener(e -> {
            throw new IllegalStateException("boom");
        });
        log.addListener(e -> heard.add(e.name()));
        log.onEvent(new ClusterEvent.UserEvent("x", new byte[0], 1));
        assertEquals(List.of("x"), heard);
        assertEquals(1, log.events().size());
    }

    @Test
    void capacityBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new UserEventLog(0, CLOCK));
        assertTrue(e.getMessage().contains("capacity"), e.getMessage());
    }

    @Property
    void validUtf8IsShownAsText(@ForAll @Size(max = 40) String text) {
        // Lone surrogates do not survive UTF-8 encoding; compare with what the bytes decode to.
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ReceivedEvent e = new ReceivedEvent("t", 1, bytes, CLOCK.instant());
        assertEquals(ReceivedEvent.UTF8, e.encoding());
        assertEquals(new String(bytes, StandardCharsets.UTF_8), e.payloadText());
        assertEquals(bytes.length, e.size());
    }

    @Property
    void anythingElseIsShownAsBase64(@ForAll @Size(min = 1, max = 40) byte[] payload) {
        ReceivedEvent e = new ReceivedEvent("b", 1, payload, CLOCK.instant());
        if (e.encoding().equals(ReceivedEvent.BASE64)) {
            assertArrayEquals(payload, Base64.getDecoder().decode(e.payloadText()));
        } else {
            assertArrayEquals(payload, e.payloadText().getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void invalidUtf8IsBase64() {
        byte[] payload = {(byte) 0xc3, 0x28, (byte) 0xff};
        ReceivedEvent e = new ReceivedEvent("b", 1, payload, CLOCK.instant());
        assertEquals(ReceivedEvent.BASE64, e.encoding());
        assertEquals("wyj/", e.payloadText());
        ReceivedEvent empty = new ReceivedEvent("b", 1, new byte[0], CLOCK.instant());
        assertEquals(ReceivedEvent.UTF8, empty.encoding());
        assertEquals("", empty.payloadText());
    }

    @Test
    void theRecordKeepsItsOwnCopyOfThePayload() {
        byte[] payload = {1, 2, 3};
        ReceivedEvent e = new ReceivedEvent("c", 1, payload, CLOCK.instant());
        payload[0] = 9;
        e.payload()[1] = 9;
        assertArrayEquals(new byte[]{1, 2, 3}, e.payload());
    }
}
