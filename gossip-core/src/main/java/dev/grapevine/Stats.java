package dev.grapevine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Traffic and drop counters of one node. Written by the node's protocol thread (and its transport), readable
 * from any thread at any time.
 */
public final class Stats {

    private static final Logger LOG = LoggerFactory.getLogger(Stats.class);
    /** Drops of one reason are logged at most once per this interval, with the count since the last line. */
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private static final int PACKETS_SENT = 0;
    private static final int BYTES_SENT = 1;
    private static final int PACKETS_RECEIVED = 2;
    private static final int BYTES_RECEIVED = 3;
    private static final int STREAMS_OPENED = 4;
    private static final int STREAMS_ACCEPTED = 5;
    private static final int FIRST_DROP = 6;

    private final AtomicLongArray counters = new AtomicLongArray(FIRST_DROP + DropReason.values().length);
    /** Per reason: when it was last logged (0: never), and the count at that moment. */
    private final AtomicLongArray lastLogged = new AtomicLongArray(DropReason.values().length);
    private final AtomicLongArray loggedCount = new AtomicLongArray(DropReason.values().length);
    private final String owner;

    /** Counters for an unnamed owner. */
    public Stats() {
        this("node");
    }

    /** Counters for {@code owner}, named in the drop log lines. */
    public Stats(String owner) {
        this.owner = owner;
    }

    /** Records one datagram of {@code bytes} sent. */
    public void recordSent(int bytes) {
        counters.incrementAndGet(PACKETS_SENT);
        counters.addAndGet(BYTES_SENT, bytes);
    }

    /** Records one datagram of {@code bytes} received. */
    public void recordReceived(int bytes) {
        counters.incrementAndGet(PACKETS_RECEIVED);
        counters.addAndGet(BYTES_RECEIVED, bytes);
    }

    /** Records one outbound stream opened. */
    public void recordStreamOpened() {
        counters.incrementAndGet(STREAMS_OPENED);
    }

    /** Records one inbound stream accepted. */
    public void recordStreamAccepted() {
        counters.incrementAndGet(STREAMS_ACCEPTED);
    }

    /**
     * Records one dropped packet or stream. Drops are also logged, at most once per reason every ten
     * seconds (a flood of junk must not flood the log), with the number dropped since the last line.
     */
    public void recordDrop(DropReason reason) {
        long total = counters.incrementAndGet(FIRST_DROP + reason.ordinal());
        int r = reason.ordinal();
        long now = System.nanoTime();
        long last = lastLogged.get(r);
        if ((last == 0 || now - last >= LOG_INTERVAL_NANOS) && lastLogged.compareAndSet(r, last, now == 0 ? 1 : now)) {
            long since = total - loggedCount.getAndSet(r, total);
            LOG.warn("{}: dropped {} packet(s) or stream(s) {}: {} since the last report ({} in all)",
                    owner, since, reason, reason.description(), total);
        }
    }

    /** Datagrams sent. */
    public long packetsSent() {
        return counters.get(PACKETS_SENT);
    }

    /** Bytes sent in datagrams. */
    public long bytesSent() {
        return counters.get(BYTES_SENT);
    }

    /** Datagrams received (including ones later dropped). */
    public long packetsReceived() {
        return counters.get(PACKETS_RECEIVED);
    }

    /** Bytes received in datagrams. */
    public long bytesReceived() {
        return counters.get(BYTES_RECEIVED);
    }

    /** Outbound streams opened. */
    public long streamsOpened() {
        return counters.get(STREAMS_OPENED);
    }

    /** Inbound streams accepted. */
    public long streamsAccepted() {
        return counters.get(STREAMS_ACCEPTED);
    }

    /** Drops for one reason. */
    public long dropped(DropReason reason) {
        return counters.get(FIRST_DROP + reason.ordinal());
    }

    /** All drops, summed over reasons. */
    public long droppedTotal() {
        long sum = 0;
        for (DropReason r : DropReason.values()) {
            sum += dropped(r);
        }
        return sum;
    }

    /** A snapshot of the non-zero drop counters by reason. */
    public Map<DropReason, Long> drops() {
        Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            long n = dropped(r);
            if (n != 0) {
                out.put(r, n);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "Stats{sent=" + packetsSent() + "/" + bytesSent() + "B, received=" + packetsReceived() + "/"
                + bytesReceived() + "B, streams=" + streamsOpened() + "/" + streamsAccepted() + ", drops="
                + drops() + "}";
    }
}
