package dev.grapevine.dns;

import dev.grapevine.dns.ResponseRateLimiter.Decision;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static dev.grapevine.dns.ResponseRateLimiter.Decision.ANSWER;
import static dev.grapevine.dns.ResponseRateLimiter.Decision.DROP;
import static dev.grapevine.dns.ResponseRateLimiter.Decision.SLIP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The token buckets on a fake clock: refill, the slip/drop pattern, client networks, the bounded table. */
class ResponseRateLimiterTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(1_000_000 * MS);

    private ResponseRateLimiter limiter(int perSecond, int burst, int slip, int maxNetworks) {
        return new ResponseRateLimiter(perSecond, burst, slip, 24, 56, maxNetworks, now::get);
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static List<Decision> admit(ResponseRateLimiter l, String client, int n) {
        List<Decision> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(l.admit(ip(client)));
        }
        return out;
    }

    @Test
    void aBurstThenTheRateAsTheBucketRefills() {
        ResponseRateLimiter l = limiter(10, 5, 2, 100);
        assertEquals(List.of(ANSWER, ANSWER, ANSWER, ANSWER, ANSWER, SLIP, DROP), admit(l, "192.0.2.1", 7));
        now.addAndGet(99 * MS);                          // 10/s: one response every 100 ms
        assertEquals(List.of(SLIP), admit(l, "192.0.2.1", 1));
        now.addAndGet(MS);
        assertEquals(List.of(ANSWER, DROP), admit(l, "192.0.2.1", 2));
        now.addAndGet(250 * MS);                         // two and a half responses' worth
        assertEquals(List.of(ANSWER, ANSWER, SLIP), admit(l, "192.0.2.1", 3));
        now.addAndGet(50 * MS);                          // the half left over, and half again: one
        assertEquals(List.of(ANSWER, DROP), admit(l, "192.0.2.1", 2));
        now.addAndGet(3600_000 * MS);                    // an hour idle: full again, never more than the burst
        assertEquals(List.of(ANSWER, ANSWER, ANSWER, ANSWER, ANSWER, SLIP), admit(l, "192.0.2.1", 6));
    }

    @Test
    void theClockStandingStillOrGoingBackGivesNothing() {
        ResponseRateLimiter l = limiter(1000, 1, 1, 100);
        assertEquals(List.of(ANSWER, SLIP, SLIP), admit(l, "192.0.2.1", 3));
        now.addAndGet(-5000 * MS);
        assertEquals(List.of(SLIP), admit(l, "192.0.2.1", 1));
        now.addAndGet(5001 * MS);
        assertEquals(List.of(ANSWER), admit(l, "192.0.2.1", 1));
    }

    @Test
    void slipSetsHowManyLimitedQueriesGetATruncatedResponse() {
        assertEquals(List.of(ANSWER, SLIP, SLIP, SLIP, SLIP), admit(limiter(1, 1, 1, 10), "192.0.2.1", 5));
        assertEquals(List.of(ANSWER, DROP, DROP, DROP, DROP), admit(limiter(1, 1, 0, 10), "192.0.2.1", 5));
        assertEquals(List.of(ANSWER, SLIP, DROP, DROP, SLIP, DROP, DROP, SLIP),
                admit(limiter(1, 1, 3, 10), "192.0.2.1", 8));
    }

    @Test
    void clientsShareTheBucketOfTheirNetwork() {
        ResponseRateLimiter l = limiter(1, 2, 1, 100);
        assertEquals(List.of(ANSWER, ANSWER), admit(l, "192.0.2.1", 2));
        assertEquals(List.of(SLIP), admit(l, "192.0.2.200", 1), "the same /24");
        assertEquals(List.of(ANSWER), admit(l, "192.0.3.1", 1), "another /24");
        assertEquals(List.of(ANSWER, ANSWER), admit(l, "2001:db8:0:aa::1", 2));
        assertEquals(List.of(SLIP), admit(l, "2001:db8:0:ff:ffff::9", 1), "the same /56");
        assertEquals(List.of(ANSWER), admit(l, "2001:db8:0:100::1", 1), "another /56");
        assertEquals(4, l.networks());
        ResponseRateLimiter perHost = new ResponseRateLimiter(1, 1, 1, 32, 128, 100, now::get);
        assertEquals(List.of(ANSWER, SLIP), admit(perHost, "127.0.23.3", 2));
        assertEquals(List.of(ANSWER), admit(perHost, "127.0.23.4", 1), "per address with /32");
    }

    @Test
    void theTableIsBoundedAndAFloodOfNetworksSharesOneBucket() {
        ResponseRateLimiter l = limiter(10, 10, 2, 100);
        // The victim's network drains its bucket.
        assertEquals(10, admit(l, "198.51.100.7", 10).stream().filter(d -> d == ANSWER).count());
        // A flood from 10,000 other networks (spoofed): the table never holds more than 100, and the networks
        // that found it full share one bucket: ten answers among them all, not ten each.
        int answered = 0;
        for (int i = 0; i < 10_000; i++) {
            String client = "10." + (i >> 8 & 0xFF) + "." + (i & 0xFF) + ".1";
            if (l.admit(ip(client)) == ANSWER) {
                answered++;
            }
            assertTrue(l.networks() <= 100);
        }
        assertEquals(100, l.networks());
        assertEquals(99 + 10, answered, "one answer for each of the 99 tracked networks, ten from the overflow bucket");
        // The victim's bucket was not flushed by the flood: still empty, so still limited.
        assertEquals(SLIP, l.admit(ip("198.51.100.7")));
        // Once the tracked networks have refilled (idle for a second), new networks take their places.
        now.addAndGet(1000 * MS);
        assertEquals(List.of(ANSWER), admit(l, "172.16.0.1", 1));
        assertEquals(100, l.networks());
    }
}
