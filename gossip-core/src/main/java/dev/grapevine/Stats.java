package dev.grapevine;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Traffic and drop counters of one node. Written by the node's protocol thread (and its transport), readable
 * from any thread at any time.
 */
public final class Stats {

    private static final int PACKETS_SENT = 0;
    private static final int BYTES_SENT = 1;
    private static final int PACKETS_RECEIVED = 2;
    private static final int BYTES_RECEIVED = 3;
    private static final int STREAMS_OPENED = 4;
    private static final int STREAMS_ACCEPTED = 5;
    private static final int FIRST_DROP = 6;

    private final AtomicLongArray counters = new AtomicLongArray(FIRST_DROP + DropReason.values().length);

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

    /** Records one dropped packet or stream. */
    public void recordDrop(DropReason reason) {
        counters.incrementAndGet(FIRST_DROP + reason.ordinal());
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
