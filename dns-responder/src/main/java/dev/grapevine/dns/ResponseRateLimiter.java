package dev.grapevine.dns;

import java.net.InetAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Response-rate limiting of UDP answers per client network (IPv4 /24 and IPv6 /56 by default): a token bucket
 * per network, refilled at {@code perSecond} responses a second up to {@code burst}. A query that finds its
 * bucket empty is not answered in full: every {@code slip}-th such query gets a minimal truncated response
 * ({@link Decision#SLIP}: TC set, no records, so a real client retries over TCP, which is not limited) and the
 * others nothing ({@link Decision#DROP}). With {@code slip} 1 every one slips; with 0 none does.
 *
 * <p>Memory is bounded: at most {@code maxNetworks} buckets, least recently seen first out. A bucket leaves only
 * once it has refilled to its burst (then forgetting it loses nothing: a new bucket starts full); when the
 * least recently seen one is still draining, the newcomer is charged to one shared overflow bucket instead,
 * so a flood from many (spoofed) networks is limited as a whole and cannot flush the bucket of the network it
 * is aimed at. Pure logic on an injected clock: no thread, no timer.
 */
final class ResponseRateLimiter {

    /** What to send for one query. */
    enum Decision {
        /** Within the limit: answer as usual. */
        ANSWER,
        /** Over the limit: a minimal truncated response. */
        SLIP,
        /** Over the limit: nothing. */
        DROP
    }

    /** Credit of one response; a bucket gains {@code perSecond} credit a nanosecond: perSecond responses a second. */
    private static final long UNIT = 1_000_000_000L;

    private final long perSecond;
    private final long capacity;
    private final long fillNanos;
    private final int slip;
    private final int ipv4Prefix;
    private final int ipv6Prefix;
    private final int maxNetworks;
    private final LongSupplier nanoClock;
    private final LinkedHashMap<Net, Bucket> buckets;
    private final Bucket overflow;

    /**
     * @param perSecond   responses a second per network, at least 1
     * @param burst       the most responses a network may get at once after an idle spell, at least 1
     * @param slip        every slip-th limited query gets a truncated response; 0 never
     * @param ipv4Prefix  bits of an IPv4 client address that make its network
     * @param ipv6Prefix  bits of an IPv6 client address that make its network
     * @param maxNetworks the most buckets kept
     * @param nanoClock   monotonic nanoseconds
     */
    ResponseRateLimiter(int perSecond, int burst, int slip, int ipv4Prefix, int ipv6Prefix, int maxNetworks,
                        LongSupplier nanoClock) {
        this.perSecond = perSecond;
        this.capacity = burst * UNIT;
        this.fillNanos = (capacity + perSecond - 1) / perSecond;
        this.slip = slip;
        this.ipv4Prefix = ipv4Prefix;
        this.ipv6Prefix = ipv6Prefix;
        this.maxNetworks = maxNetworks;
        this.nanoClock = nanoClock;
        this.buckets = new LinkedHashMap<>(16, 0.75f, true);
        this.overflow = new Bucket(capacity, nanoClock.getAsLong());
    }

    /** Takes one response from the bucket of {@code client}'s network. */
    synchronized Decision admit(InetAddress client) {
        long now = nanoClock.getAsLong();
        Bucket b = bucket(network(client.getAddress()), now);
        refill(b, now);
        if (b.credit >= UNIT) {
            b.credit -= UNIT;
            return Decision.ANSWER;
        }
        long n = b.limited++;
        return slip > 0 && n % slip == 0 ? Decision.SLIP : Decision.DROP;
    }

    /** Buckets held now (the overflow bucket not counted). */
    synchronized int networks() {
        return buckets.size();
    }

    private Bucket bucket(Net net, long now) {
        Bucket b = buckets.get(net);
        if (b != null) {
            return b;
        }
        if (buckets.size() >= maxNetworks) {
            Iterator<Map.Entry<Net, Bucket>> eldest = buckets.entrySet().iterator();
            Bucket old = eldest.next().getValue();
            refill(old, now);
            if (old.credit < capacity) {
                return overflow;
            }
            eldest.remove();
        }
        b = new Bucket(capacity, now);
        buckets.put(net, b);
        return b;
    }

    private void refill(Bucket b, long now) {
        long elapsed = now - b.last;
        if (elapsed <= 0) {
            return;
        }
        b.last = now;
        b.credit = Math.min(capacity, b.credit + Math.min(elapsed, fillNanos) * perSecond);
    }

    /** The client's network: its address with the bits past the prefix cleared, as two longs. */
    private Net network(byte[] a) {
        byte[] m = Cidr.mask(a, a.length == 4 ? ipv4Prefix : ipv6Prefix);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < m.length; i++) {
            if (i < 8) {
                hi = (hi << 8) | (m[i] & 0xFF);
            } else {
                lo = (lo << 8) | (m[i] & 0xFF);
            }
        }
        return new Net(m.length == 16, hi, lo);
    }

    private record Net(boolean ipv6, long hi, long lo) {
    }

    private static final class Bucket {
        long credit;
        long last;
        long limited;

        Bucket(long credit, long last) {
            this.credit = credit;
            this.last = last;
        }
    }
}
