package dev.grapevine.roles.admin;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stream client that falls behind is cut off rather than holding the hub up. */
class SubscriberTest {

    @Test
    void aFullQueueClosesTheSubscriber() {
        Subscriber s = new Subscriber(null, 2, Duration.ofSeconds(15), () -> { }, new AtomicLong());
        assertTrue(s.offer(Subscriber.frame("member", "{}")));
        assertTrue(s.offer(Subscriber.frame("member", "{}")));
        assertFalse(s.isClosed());
        assertFalse(s.offer(Subscriber.frame("member", "{}")), "the third frame does not fit");
        assertTrue(s.isClosed());
        assertTrue(s.overflowed());
        assertFalse(s.offer(Subscriber.frame("member", "{}")), "nothing is taken after closing");
    }

    @Test
    void aFinishingSubscriberTakesNoNewFrames() {
        Subscriber s = new Subscriber(null, 4, Duration.ofSeconds(15), () -> { }, new AtomicLong());
        assertTrue(s.offer(Subscriber.frame("member", "{}")));
        s.finish();
        assertFalse(s.offer(Subscriber.frame("member", "{}")));
        assertFalse(s.overflowed());
    }

    @Test
    void aFrameIsOneEventWithOneDataLine() {
        assertEquals("event: removed\ndata: {\"name\":\"x\"}\n\n", Subscriber.frame("removed", "{\"name\":\"x\"}"));
    }
}
