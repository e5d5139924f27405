package dev.grapevine.roles.admin;

import dev.grapevine.roles.http.ResponseStream;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stream client that falls behind is cut off rather than buffered without bound. */
class SubscriberTest {

    /** A stream whose socket takes nothing: every write stays pending. */
    private static final class StuckStream implements ResponseStream {
        final List<String> written = new ArrayList<>();
        boolean open = true;
        boolean ended;
        boolean aborted;

        @Override
        public boolean write(String text) {
            if (!open) {
                return false;
            }
            written.add(text);
            return true;
        }

        @Override
        public int pendingWrites() {
            return written.size();
        }

        @Override
        public void end() {
            ended = true;
            open = false;
        }

        @Override
        public void abort() {
            aborted = true;
            open = false;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void onClose(Runnable action) {
        }
    }

    @Test
    void aClientThatTakesNothingIsCutOffAtTheQueueCapacity() {
        StuckStream stream = new StuckStream();
        AtomicLong sent = new AtomicLong();
        Subscriber s = new Subscriber(stream, 2, Duration.ofSeconds(15), sent);
        assertTrue(s.offer(Subscriber.frame("member", "{}")));
        assertTrue(s.offer(Subscriber.frame("member", "{}")));
        assertFalse(s.isClosed());
        assertFalse(s.offer(Subscriber.frame("member", "{}")), "the third frame does not fit");
        assertTrue(s.isClosed());
        assertTrue(s.overflowed());
        assertTrue(stream.aborted, "the connection is dropped, not ended politely");
        assertFalse(s.offer(Subscriber.frame("member", "{}")), "nothing is taken after closing");
        assertEquals(2, sent.get());
    }

    @Test
    void aFinishingSubscriberEndsItsStreamAndTakesNoNewFrames() {
        StuckStream stream = new StuckStream();
        Subscriber s = new Subscriber(stream, 4, Duration.ofSeconds(15), new AtomicLong());
        assertTrue(s.offer(Subscriber.frame("member", "{}")));
        s.finish();
        assertTrue(stream.ended);
        assertFalse(s.offer(Subscriber.frame("member", "{}")));
        assertFalse(s.overflowed());
    }

    @Test
    void aKeepAliveGoesOutOnlyAfterSilence() {
        StuckStream stream = new StuckStream();
        Subscriber s = new Subscriber(stream, 100, Duration.ofSeconds(15), new AtomicLong());
        s.greet();
        s.keepAlive(System.nanoTime());
        assertEquals(List.of(Subscriber.PREAMBLE), stream.written, "no keep-alive right after a write");
        s.keepAlive(System.nanoTime() + Duration.ofSeconds(16).toNanos());
        assertEquals(List.of(Subscriber.PREAMBLE, Subscriber.KEEPALIVE), stream.written);
    }

    @Test
    void aFrameIsOneEventWithOneDataLine() {
        assertEquals("event: removed\ndata: {\"name\":\"x\"}\n\n", Subscriber.frame("removed", "{\"name\":\"x\"}"));
    }
}
