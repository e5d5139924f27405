package dev.grapevine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Traffic, drop and protocol counters of one node. Written by the node's protocol thread (and its transport),
 * readable from any thread at any time. Every counter only grows (from 0 at start); {@link #queuedBroadcasts()}
 * is a gauge.
 */
public final class Stats {

    /**
     * The protocol's counters, by what they count; each also has a getter of its own. {@link #metricName()} is
     * the name exporters use (without prefix or unit suffix).
     */
    public enum Counter {
        /** Direct probes (pings) sent to members. */
        PROBES_SENT("probes_sent", "direct probes (pings) this node sent"),
        /** Acks received: for this node's probes, and for probes it relays for others. */
        ACKS_RECEIVED("acks_received", "acks received, for this node's probes and for probes it relays"),
        /** Nacks received from helpers of this node's indirect probes (Lifeguard). */
        NACKS_RECEIVED("nacks_received", "nacks received from helpers of this node's indirect probes"),
        /** Indirect probe requests (ping-req) this node sent to helpers. */
        INDIRECT_PROBES_SENT("indirect_probes_sent", "indirect probe requests (ping-req) this node sent"),
        /** Indirect probes this node ran for others and answered (an ack relayed or a nack sent back). */
        INDIRECT_PROBES_ANSWERED("indirect_probes_answered",
                "indirect probes run for other members and answered (ack relayed or nack sent)"),
        /** Members this node began to suspect after its own probe of them failed. */
        SUSPICIONS_RAISED("suspicions_raised", "suspicions this node raised after its own probe failed"),
        /** Suspicions or death claims about this node that it refuted with a higher incarnation. */
        SUSPICIONS_REFUTED("suspicions_refuted", "claims that this node is suspect or dead that it refuted"),
        /**
         * Suspicions this node held past their timeout instead of declaring the member failed: no one confirmed
         * them while every probe of this node failed (its own links are the likelier fault).
         */
        SUSPICIONS_HELD("suspicions_held", "unconfirmed suspicions held while this node's own probes all failed"),
        /** Full-state exchanges this node started (joins, periodic anti-entropy, repairs, reconnects). */
        PUSH_PULLS_INITIATED("push_pulls_initiated", "full-state exchanges (push-pull) this node started"),
        /** Full-state exchanges other members started with this node. */
        PUSH_PULLS_ACCEPTED("push_pulls_accepted", "full-state exchanges (push-pull) other members started"),
        /** User events this node sent. */
        USER_EVENTS_SENT("user_events_sent", "user events this node sent"),
        /** User events from others that were new here (by gossip or push-pull). */
        USER_EVENTS_RECEIVED("user_events_received", "user events received that were new"),
        /** User events received again after they had been seen (dropped as duplicates). */
        USER_EVENTS_DEDUPLICATED("user_events_deduplicated", "user events received again and dropped as seen"),
        /** Queries this node sent (internal ones included: reachability, keys, conflicts). */
        QUERIES_SENT("queries_sent", "queries this node sent, internal ones included"),
        /** Queries from others that were new here. */
        QUERIES_RECEIVED("queries_received", "queries received that were new"),
        /** Queries received again after they had been seen (dropped as duplicates). */
        QUERIES_DEDUPLICATED("queries_deduplicated", "queries received again and dropped as seen"),
        /** Responses (not acks) to this node's queries, one per member and query. */
        QUERY_RESPONSES_RECEIVED("query_responses_received", "responses to this node's queries (acks not counted)"),
        /** Acks to this node's queries, one per member and query. */
        QUERY_ACKS_RECEIVED("query_acks_received", "acks to this node's queries");

        private final String metricName;
        private final String help;

        Counter(String metricName, String help) {
            this.metricName = metricName;
            this.help = help;
        }

        /** The name exporters use, in snake case (for example {@code probes_sent}). */
        public String metricName() {
            return metricName;
        }

        /** What it counts, in words (one line, for exporters' help texts). */
        public String help() {
            return help;
        }
    }

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

    private static final int FIRST_PROTOCOL = FIRST_DROP + DropReason.values().length;

    private final AtomicLongArray counters = new AtomicLongArray(FIRST_PROTOCOL + Counter.values().length);
    /** Broadcasts waiting to be gossiped, as last published by the protocol thread. */
    private volatile int queuedBroadcasts;
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

    /** Records one occurrence of {@code counter} (protocol thread). */
    public void record(Counter counter) {
        counters.incrementAndGet(FIRST_PROTOCOL + counter.ordinal());
    }

    /** Publishes how many broadcasts wait in the queue (protocol thread, when it changes). */
    public void queuedBroadcasts(int depth) {
        queuedBroadcasts = depth;
    }

    /** The value of one protocol counter. */
    public long count(Counter counter) {
        return counters.get(FIRST_PROTOCOL + counter.ordinal());
    }

    /** Broadcasts (membership news, intents, events, queries) waiting in the queue to be gossiped: a gauge. */
    public int queuedBroadcasts() {
        return queuedBroadcasts;
    }

    /** Direct probes (pings) sent. */
    public long probesSent() {
        return count(Counter.PROBES_SENT);
    }

    /** Acks received, for this node's probes and for probes it relays for others. */
    public long acksReceived() {
        return count(Counter.ACKS_RECEIVED);
    }

    /** Nacks received from the helpers of this node's indirect probes. */
    public long nacksReceived() {
        return count(Counter.NACKS_RECEIVED);
    }

    /** Indirect probe requests (ping-req) sent to helpers. */
    public long indirectProbesSent() {
        return count(Counter.INDIRECT_PROBES_SENT);
    }

    /** Indirect probes run for other members and answered: an ack relayed, or a nack sent back. */
    public long indirectProbesAnswered() {
        return count(Counter.INDIRECT_PROBES_ANSWERED);
    }

    /** Suspicions this node raised after its own probe of a member went unanswered. */
    public long suspicionsRaised() {
        return count(Counter.SUSPICIONS_RAISED);
    }

    /** Claims that this node was suspect or dead that it refuted (with a higher incarnation). */
    public long suspicionsRefuted() {
        return count(Counter.SUSPICIONS_REFUTED);
    }

    /** See {@link Counter#SUSPICIONS_HELD}. */
    public long suspicionsHeld() {
        return count(Counter.SUSPICIONS_HELD);
    }

    /** Push-pull (full-state) exchanges this node started. */
    public long pushPullsInitiated() {
        return count(Counter.PUSH_PULLS_INITIATED);
    }

    /** Push-pull (full-state) exchanges other members started with this node. */
    public long pushPullsAccepted() {
        return count(Counter.PUSH_PULLS_ACCEPTED);
    }

    /** User events this node sent. */
    public long userEventsSent() {
        return count(Counter.USER_EVENTS_SENT);
    }

    /** User events received that were new here. */
    public long userEventsReceived() {
        return count(Counter.USER_EVENTS_RECEIVED);
    }

    /** User events received again and dropped as already seen. */
    public long userEventsDeduplicated() {
        return count(Counter.USER_EVENTS_DEDUPLICATED);
    }

    /** Queries this node sent (internal ones included). */
    public long queriesSent() {
        return count(Counter.QUERIES_SENT);
    }

    /** Queries received that were new here. */
    public long queriesReceived() {
        return count(Counter.QUERIES_RECEIVED);
    }

    /** Queries received again and dropped as already seen. */
    public long queriesDeduplicated() {
        return count(Counter.QUERIES_DEDUPLICATED);
    }

    /** Responses (not acks) received for this node's queries. */
    public long queryResponsesReceived() {
        return count(Counter.QUERY_RESPONSES_RECEIVED);
    }

    /** Acks received for this node's queries. */
    public long queryAcksReceived() {
        return count(Counter.QUERY_ACKS_RECEIVED);
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
