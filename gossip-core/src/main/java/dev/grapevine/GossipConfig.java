package dev.grapevine;

import java.time.Duration;
import java.util.Objects;

/**
 * Every timing and size knob of the protocol, in one immutable value.
 *
 * <p>Start from a {@link Profile} ({@link #lan()}, {@link #wan()}, {@link #local()}; the same defaults as
 * HashiCorp memberlist and Serf so that results compare side by side) and override what you need:
 * <pre>{@code
 * GossipConfig c = GossipConfig.lan().toBuilder().probeInterval(Duration.ofMillis(500)).build();
 * }</pre>
 * The constructor checks every value and fails with a message naming the field that is out of range.
 *
 * @param probeInterval           time between failure probes of one member (scaled up by local health)
 * @param probeTimeout            how long to wait for a direct ack before probing indirectly; should be
 *                                about the network's 99th percentile round trip
 * @param indirectChecks          members asked to probe on our behalf when a direct probe fails (SWIM's k)
 * @param retransmitMult          a broadcast is sent retransmitMult * ceil(log10(N+1)) times
 * @param suspicionMult           the suspicion timeout is suspicionMult * max(1, log10(N)) * probeInterval
 *                                once enough members confirm; also how many confirmations are sought (mult - 2)
 * @param suspicionMaxTimeoutMult an unconfirmed suspicion lasts up to this many times the minimum timeout
 * @param awarenessMaxMultiplier  Lifeguard: a node in poor local health scales its probe interval and
 *                                timeout by up to this factor
 * @param gossipInterval          time between gossip rounds (piggybacked broadcasts to random members)
 * @param gossipNodes             members a gossip round sends to
 * @param gossipToTheDeadTime     how long a dead member still receives gossip (lets it learn and refute)
 * @param pushPullInterval        time between full state exchanges with a random member; scaled up for
 *                                clusters over 32 members; zero disables periodic exchanges
 * @param streamTimeout           timeout of a reliable-stream exchange (connect, send and answer)
 * @param maxInboundStreams       concurrent inbound push-pull exchanges accepted; more are refused
 * @param maxStateBytes           largest push-pull state accepted, in bytes
 * @param packetSize              largest datagram sent (broadcasts are packed up to it); the MTU budget
 * @param fallbackStreamPing      also probe over the reliable stream when UDP probes fail (memberlist's
 *                                TCP ping), so a node whose UDP alone is blocked is not declared dead
 * @param reconnectInterval       time between attempts to reach a random failed member again (this heals
 *                                partitions)
 * @param reconnectTimeout        a failed member is reaped (forgotten) after this long
 * @param tombstoneTimeout        a member that left is reaped after this long
 * @param reapInterval            how often failed and left members are checked for reaping
 * @param leaveTimeout            the most {@code leave()} waits for its announcement to be sent out
 * @param maxTagsBytes            largest encoded size of a member's tags
 * @param eventBufferSize         user events remembered for de-duplication, in Lamport times (Serf: 512)
 * @param queryBufferSize         queries remembered for de-duplication, in Lamport times
 * @param userEventSizeLimit      largest user event (name plus payload), in bytes (Serf: 512)
 * @param querySizeLimit          largest query (name plus payload), in bytes
 * @param queryResponseSizeLimit  largest query response payload, in bytes
 * @param queryTimeoutMult        default query timeout is gossipInterval * this * ceil(log10(N+1))
 * @param coalescePeriod          a burst of coalesced events is delivered at most this long after it began
 * @param quiescentPeriod         ...or as soon as this long passes with no new event in the burst
 * @param coalesceMemberEvents    coalesce member events per member (off by default: every change delivered)
 * @param deadNodeReclaimTime     a failed or left member's name may be taken by a new address once it has
 *                                been gone this long (zero: at once)
 */
public record GossipConfig(
        Duration probeInterval,
        Duration probeTimeout,
        int indirectChecks,
        int retransmitMult,
        int suspicionMult,
        int suspicionMaxTimeoutMult,
        int awarenessMaxMultiplier,
        Duration gossipInterval,
        int gossipNodes,
        Duration gossipToTheDeadTime,
        Duration pushPullInterval,
        Duration streamTimeout,
        int maxInboundStreams,
        int maxStateBytes,
        int packetSize,
        boolean fallbackStreamPing,
        Duration reconnectInterval,
        Duration reconnectTimeout,
        Duration tombstoneTimeout,
        Duration reapInterval,
        Duration leaveTimeout,
        int maxTagsBytes,
        int eventBufferSize,
        int queryBufferSize,
        int userEventSizeLimit,
        int querySizeLimit,
        int queryResponseSizeLimit,
        int queryTimeoutMult,
        Duration coalescePeriod,
        Duration quiescentPeriod,
        boolean coalesceMemberEvents,
        Duration deadNodeReclaimTime) {

    /** Validates every field; the message names the one at fault. */
    public GossipConfig {
        positive("probeInterval", probeInterval);
        positive("probeTimeout", probeTimeout);
        if (probeTimeout.compareTo(probeInterval) > 0) {
            throw new IllegalArgumentException("probeTimeout (" + probeTimeout
                    + ") must not exceed probeInterval (" + probeInterval + ")");
        }
        atLeast("indirectChecks", indirectChecks, 0);
        atLeast("retransmitMult", retransmitMult, 1);
        atLeast("suspicionMult", suspicionMult, 1);
        atLeast("suspicionMaxTimeoutMult", suspicionMaxTimeoutMult, 1);
        atLeast("awarenessMaxMultiplier", awarenessMaxMultiplier, 1);
        positive("gossipInterval", gossipInterval);
        atLeast("gossipNodes", gossipNodes, 1);
        notNegative("gossipToTheDeadTime", gossipToTheDeadTime);
        notNegative("pushPullInterval", pushPullInterval);
        positive("streamTimeout", streamTimeout);
        atLeast("maxInboundStreams", maxInboundStreams, 1);
        atLeast("maxStateBytes", maxStateBytes, 1024);
        if (packetSize < 512 || packetSize > 65_000) {
            throw new IllegalArgumentException("packetSize must be between 512 and 65000 bytes, was " + packetSize);
        }
        positive("reconnectInterval", reconnectInterval);
        positive("reconnectTimeout", reconnectTimeout);
        positive("tombstoneTimeout", tombstoneTimeout);
        positive("reapInterval", reapInterval);
        notNegative("leaveTimeout", leaveTimeout);
        if (maxTagsBytes < 0 || maxTagsBytes > packetSize / 2) {
            throw new IllegalArgumentException("maxTagsBytes must be between 0 and packetSize/2 ("
                    + packetSize / 2 + "), was " + maxTagsBytes);
        }
        atLeast("eventBufferSize", eventBufferSize, 16);
        atLeast("queryBufferSize", queryBufferSize, 16);
        // What must fit in one datagram with its framing and (later) encryption: keep 128 bytes spare.
        int room = packetSize - 128;
        if (userEventSizeLimit < 1 || userEventSizeLimit > room) {
            throw new IllegalArgumentException("userEventSizeLimit must be between 1 and packetSize - 128 ("
                    + room + "), was " + userEventSizeLimit);
        }
        if (querySizeLimit < 1 || querySizeLimit > room) {
            throw new IllegalArgumentException("querySizeLimit must be between 1 and packetSize - 128 ("
                    + room + "), was " + querySizeLimit);
        }
        if (queryResponseSizeLimit < 0 || queryResponseSizeLimit > room) {
            throw new IllegalArgumentException("queryResponseSizeLimit must be between 0 and packetSize - 128 ("
                    + room + "), was " + queryResponseSizeLimit);
        }
        atLeast("queryTimeoutMult", queryTimeoutMult, 1);
        positive("coalescePeriod", coalescePeriod);
        positive("quiescentPeriod", quiescentPeriod);
        notNegative("deadNodeReclaimTime", deadNodeReclaimTime);
    }

    /** The LAN profile: memberlist's DefaultLANConfig with Serf's reconnect and reap defaults. */
    public static GossipConfig lan() {
        return new GossipConfig(
                Duration.ofSeconds(1), Duration.ofMillis(500), 3, 4, 4, 6, 8,
                Duration.ofMillis(200), 3, Duration.ofSeconds(30), Duration.ofSeconds(30),
                Duration.ofSeconds(10), 128, 8 << 20, 1400, true,
                Duration.ofSeconds(30), Duration.ofHours(24), Duration.ofHours(24), Duration.ofSeconds(15),
                Duration.ofSeconds(5), 512,
                512, 512, 512, 1024, 1024, 16, Duration.ofSeconds(5), Duration.ofSeconds(1), false, Duration.ZERO);
    }

    /** The WAN profile: memberlist's DefaultWANConfig (slower probes, more patience). */
    public static GossipConfig wan() {
        return lan().toBuilder()
                .streamTimeout(Duration.ofSeconds(30))
                .suspicionMult(6)
                .pushPullInterval(Duration.ofSeconds(60))
                .probeTimeout(Duration.ofSeconds(3))
                .probeInterval(Duration.ofSeconds(5))
                .gossipNodes(4)
                .gossipInterval(Duration.ofMillis(500))
                .gossipToTheDeadTime(Duration.ofSeconds(60))
                .build();
    }

    /** The LOCAL profile: memberlist's DefaultLocalConfig (one host or a very fast network). */
    public static GossipConfig local() {
        return lan().toBuilder()
                .streamTimeout(Duration.ofSeconds(1))
                .indirectChecks(1)
                .retransmitMult(2)
                .suspicionMult(3)
                .pushPullInterval(Duration.ofSeconds(15))
                .probeTimeout(Duration.ofMillis(200))
                .probeInterval(Duration.ofSeconds(1))
                .gossipInterval(Duration.ofMillis(100))
                .gossipToTheDeadTime(Duration.ofSeconds(15))
                .build();
    }

    /** A builder that starts from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    private static void positive(String field, Duration d) {
        Objects.requireNonNull(d, field);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, was " + d);
        }
    }

    private static void notNegative(String field, Duration d) {
        Objects.requireNonNull(d, field);
        if (d.isNegative()) {
            throw new IllegalArgumentException(field + " must not be negative, was " + d);
        }
    }

    private static void atLeast(String field, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be at least " + min + ", was " + value);
        }
    }

    /** Mutable builder for {@link GossipConfig}; {@link #build()} validates. */
    public static final class Builder {
        private Duration probeInterval;
        private Duration probeTimeout;
        private int indirectChecks;
        private int retransmitMult;
        private int suspicionMult;
        private int suspicionMaxTimeoutMult;
        private int awarenessMaxMultiplier;
        private Duration gossipInterval;
        private int gossipNodes;
        private Duration gossipToTheDeadTime;
        private Duration pushPullInterval;
        private Duration streamTimeout;
        private int maxInboundStreams;
        private int maxStateBytes;
        private int packetSize;
        private boolean fallbackStreamPing;
        private Duration reconnectInterval;
        private Duration reconnectTimeout;
        private Duration tombstoneTimeout;
        private Duration reapInterval;
        private Duration leaveTimeout;
        private int maxTagsBytes;
        private int eventBufferSize;
        private int queryBufferSize;
        private int userEventSizeLimit;
        private int querySizeLimit;
        private int queryResponseSizeLimit;
        private int queryTimeoutMult;
        private Duration coalescePeriod;
        private Duration quiescentPeriod;
        private boolean coalesceMemberEvents;
        private Duration deadNodeReclaimTime;

        private Builder(GossipConfig c) {
            probeInterval = c.probeInterval;
            probeTimeout = c.probeTimeout;
            indirectChecks = c.indirectChecks;
            retransmitMult = c.retransmitMult;
            suspicionMult = c.suspicionMult;
            suspicionMaxTimeoutMult = c.suspicionMaxTimeoutMult;
            awarenessMaxMultiplier = c.awarenessMaxMultiplier;
            gossipInterval = c.gossipInterval;
            gossipNodes = c.gossipNodes;
            gossipToTheDeadTime = c.gossipToTheDeadTime;
            pushPullInterval = c.pushPullInterval;
            streamTimeout = c.streamTimeout;
            maxInboundStreams = c.maxInboundStreams;
            maxStateBytes = c.maxStateBytes;
            packetSize = c.packetSize;
            fallbackStreamPing = c.fallbackStreamPing;
            reconnectInterval = c.reconnectInterval;
            reconnectTimeout = c.reconnectTimeout;
            tombstoneTimeout = c.tombstoneTimeout;
            reapInterval = c.reapInterval;
            leaveTimeout = c.leaveTimeout;
            maxTagsBytes = c.maxTagsBytes;
            eventBufferSize = c.eventBufferSize;
            queryBufferSize = c.queryBufferSize;
            userEventSizeLimit = c.userEventSizeLimit;
            querySizeLimit = c.querySizeLimit;
            queryResponseSizeLimit = c.queryResponseSizeLimit;
            queryTimeoutMult = c.queryTimeoutMult;
            coalescePeriod = c.coalescePeriod;
            quiescentPeriod = c.quiescentPeriod;
            coalesceMemberEvents = c.coalesceMemberEvents;
            deadNodeReclaimTime = c.deadNodeReclaimTime;
        }

        /** See {@link GossipConfig#probeInterval()}. */
        public Builder probeInterval(Duration v) { probeInterval = v; return this; }
        /** See {@link GossipConfig#probeTimeout()}. */
        public Builder probeTimeout(Duration v) { probeTimeout = v; return this; }
        /** See {@link GossipConfig#indirectChecks()}. */
        public Builder indirectChecks(int v) { indirectChecks = v; return this; }
        /** See {@link GossipConfig#retransmitMult()}. */
        public Builder retransmitMult(int v) { retransmitMult = v; return this; }
        /** See {@link GossipConfig#suspicionMult()}. */
        public Builder suspicionMult(int v) { suspicionMult = v; return this; }
        /** See {@link GossipConfig#suspicionMaxTimeoutMult()}. */
        public Builder suspicionMaxTimeoutMult(int v) { suspicionMaxTimeoutMult = v; return this; }
        /** See {@link GossipConfig#awarenessMaxMultiplier()}. */
        public Builder awarenessMaxMultiplier(int v) { awarenessMaxMultiplier = v; return this; }
        /** See {@link GossipConfig#gossipInterval()}. */
        public Builder gossipInterval(Duration v) { gossipInterval = v; return this; }
        /** See {@link GossipConfig#gossipNodes()}. */
        public Builder gossipNodes(int v) { gossipNodes = v; return this; }
        /** See {@link GossipConfig#gossipToTheDeadTime()}. */
        public Builder gossipToTheDeadTime(Duration v) { gossipToTheDeadTime = v; return this; }
        /** See {@link GossipConfig#pushPullInterval()}. */
        public Builder pushPullInterval(Duration v) { pushPullInterval = v; return this; }
        /** See {@link GossipConfig#streamTimeout()}. */
        public Builder streamTimeout(Duration v) { streamTimeout = v; return this; }
        /** See {@link GossipConfig#maxInboundStreams()}. */
        public Builder maxInboundStreams(int v) { maxInboundStreams = v; return this; }
        /** See {@link GossipConfig#maxStateBytes()}. */
        public Builder maxStateBytes(int v) { maxStateBytes = v; return this; }
        /** See {@link GossipConfig#packetSize()}. */
        public Builder packetSize(int v) { packetSize = v; return this; }
        /** See {@link GossipConfig#fallbackStreamPing()}. */
        public Builder fallbackStreamPing(boolean v) { fallbackStreamPing = v; return this; }
        /** See {@link GossipConfig#reconnectInterval()}. */
        public Builder reconnectInterval(Duration v) { reconnectInterval = v; return this; }
        /** See {@link GossipConfig#reconnectTimeout()}. */
        public Builder reconnectTimeout(Duration v) { reconnectTimeout = v; return this; }
        /** See {@link GossipConfig#tombstoneTimeout()}. */
        public Builder tombstoneTimeout(Duration v) { tombstoneTimeout = v; return this; }
        /** See {@link GossipConfig#reapInterval()}. */
        public Builder reapInterval(Duration v) { reapInterval = v; return this; }
        /** See {@link GossipConfig#leaveTimeout()}. */
        public Builder leaveTimeout(Duration v) { leaveTimeout = v; return this; }
        /** See {@link GossipConfig#maxTagsBytes()}. */
        public Builder maxTagsBytes(int v) { maxTagsBytes = v; return this; }

        /** See {@link GossipConfig#eventBufferSize()}. */
        public Builder eventBufferSize(int v) { eventBufferSize = v; return this; }
        /** See {@link GossipConfig#queryBufferSize()}. */
        public Builder queryBufferSize(int v) { queryBufferSize = v; return this; }
        /** See {@link GossipConfig#userEventSizeLimit()}. */
        public Builder userEventSizeLimit(int v) { userEventSizeLimit = v; return this; }
        /** See {@link GossipConfig#querySizeLimit()}. */
        public Builder querySizeLimit(int v) { querySizeLimit = v; return this; }
        /** See {@link GossipConfig#queryResponseSizeLimit()}. */
        public Builder queryResponseSizeLimit(int v) { queryResponseSizeLimit = v; return this; }
        /** See {@link GossipConfig#queryTimeoutMult()}. */
        public Builder queryTimeoutMult(int v) { queryTimeoutMult = v; return this; }
        /** See {@link GossipConfig#coalescePeriod()}. */
        public Builder coalescePeriod(Duration v) { coalescePeriod = v; return this; }
        /** See {@link GossipConfig#quiescentPeriod()}. */
        public Builder quiescentPeriod(Duration v) { quiescentPeriod = v; return this; }
        /** See {@link GossipConfig#coalesceMemberEvents()}. */
        public Builder coalesceMemberEvents(boolean v) { coalesceMemberEvents = v; return this; }
        /** See {@link GossipConfig#deadNodeReclaimTime()}. */
        public Builder deadNodeReclaimTime(Duration v) { deadNodeReclaimTime = v; return this; }

        /** Builds and validates. */
        public GossipConfig build() {
            return new GossipConfig(probeInterval, probeTimeout, indirectChecks, retransmitMult, suspicionMult,
                    suspicionMaxTimeoutMult, awarenessMaxMultiplier, gossipInterval, gossipNodes,
                    gossipToTheDeadTime, pushPullInterval, streamTimeout, maxInboundStreams, maxStateBytes,
                    packetSize, fallbackStreamPing, reconnectInterval, reconnectTimeout, tombstoneTimeout,
                    reapInterval, leaveTimeout, maxTagsBytes, eventBufferSize, queryBufferSize, userEventSizeLimit,
                    querySizeLimit, queryResponseSizeLimit, queryTimeoutMult, coalescePeriod, quiescentPeriod,
                    coalesceMemberEvents, deadNodeReclaimTime);
        }
    }
}
