package dev.grapevine.wire;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * Every message the membership protocol exchanges, as plain values.
 *
 * <p>Each record has a one-byte {@link MessageType} on the wire; {@link Codec} writes and reads them.
 * Incarnation numbers are non-negative longs (varints on the wire); sequence numbers are ints.
 */
public sealed interface Message {

    /** The wire type of this message. */
    MessageType type();

    /**
     * Direct probe. {@code target} names the node the sender meant to reach, so a node that now sits at a
     * reused address ignores a ping meant for another.
     */
    record Ping(int seq, String target, String sourceName, InetSocketAddress source) implements Message {
        public MessageType type() { return MessageType.PING; }
    }

    /**
     * Ask the receiver to probe {@code target} on the sender's behalf (SWIM ping-req). With {@code nack},
     * the receiver answers with a {@link Nack} when its own probe gets no answer (Lifeguard).
     */
    record IndirectPing(int seq, String target, InetSocketAddress targetAddress, boolean nack,
                        String sourceName, InetSocketAddress source) implements Message {
        public MessageType type() { return MessageType.INDIRECT_PING; }
    }

    /** Answer to a ping (direct or relayed). */
    record Ack(int seq) implements Message {
        public MessageType type() { return MessageType.ACK; }
    }

    /** An indirect prober could not reach the target; tells the asker that its own link is fine. */
    record Nack(int seq) implements Message {
        public MessageType type() { return MessageType.NACK; }
    }

    /**
     * A digest of the sender's whole member view, piggybacked on pings and acks while the sender has nothing
     * left to gossip. A quiet receiver whose own digest differs knows the two views diverged for good (not
     * merely in flight) and repairs it with a push-pull at once, instead of waiting for the periodic one.
     * {@code eventClock} does the same for user events: a peer whose event clock is ahead has seen events we
     * missed.
     */
    record ViewDigest(long digest, long eventClock) implements Message {
        public MessageType type() { return MessageType.VIEW_DIGEST; }
    }

    /** {@code node} is alive at {@code incarnation}, at {@code address}, with these tags. */
    record Alive(long incarnation, String node, InetSocketAddress address, Map<String, String> tags)
            implements Message {
        public MessageType type() { return MessageType.ALIVE; }
    }

    /** {@code from} suspects {@code node} at {@code incarnation}. */
    record Suspect(long incarnation, String node, String from) implements Message {
        public MessageType type() { return MessageType.SUSPECT; }
    }

    /**
     * {@code node} is dead at {@code incarnation}, declared by {@code from}. When {@code from} equals
     * {@code node} the node announced its own graceful leave.
     */
    record Dead(long incarnation, String node, String from) implements Message {
        public MessageType type() { return MessageType.DEAD; }

        /** True when the node announced its own departure. */
        public boolean isLeave() { return node.equals(from); }
    }

    /**
     * Full state exchange (anti-entropy) over the reliable stream. {@code join} is set on the exchange
     * a joining node starts. {@code serf} carries the event layer's state: its clocks and recent events.
     */
    record PushPull(boolean join, List<MemberState> members, SerfState serf) implements Message {
        /** A membership-only exchange (empty event-layer state). */
        public PushPull(boolean join, List<MemberState> members) {
            this(join, members, SerfState.EMPTY);
        }

        public MessageType type() { return MessageType.PUSH_PULL; }
    }

    /**
     * The event layer's part of a push-pull: its three Lamport clocks, the recent user events (so a member
     * that missed some while unreachable gets them), and the member-intent clock of each member.
     */
    record SerfState(long memberClock, long eventClock, long queryClock, List<UserEvent> events,
                     Map<String, Long> intentClocks) {
        /** No clocks, no events. */
        public static final SerfState EMPTY = new SerfState(0, 0, 0, List.of(), Map.of());
    }

    /** {@code node} announces it joined, at member-clock time {@code ltime}. */
    record JoinIntent(long ltime, String node) implements Message {
        public MessageType type() { return MessageType.JOIN_INTENT; }
    }

    /**
     * {@code node} is leaving (it says so itself, or another member force-leaves it), at member-clock time
     * {@code ltime}. With {@code prune}, every member also forgets it as soon as it is failed or left, instead
     * of keeping it until the tombstone timeout; it travels as {@link MessageType#PRUNE_INTENT} then.
     */
    record LeaveIntent(long ltime, String node, boolean prune) implements Message {
        /** A leave intent without prune. */
        public LeaveIntent(long ltime, String node) {
            this(ltime, node, false);
        }

        public MessageType type() { return prune ? MessageType.PRUNE_INTENT : MessageType.LEAVE_INTENT; }
    }

    /** A user event, gossiped to every member. */
    record UserEvent(long ltime, String name, byte[] payload, boolean coalesce) implements Message {
        public MessageType type() { return MessageType.USER_EVENT; }

        @Override
        public boolean equals(Object o) {
            return o instanceof UserEvent e && e.ltime == ltime && e.coalesce == coalesce && e.name.equals(name)
                    && java.util.Arrays.equals(e.payload, payload);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(ltime, name, coalesce) * 31 + java.util.Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "UserEvent[ltime=" + ltime + ", name=" + name + ", payload=" + payload.length + " bytes, coalesce="
                    + coalesce + "]";
        }
    }

    /**
     * A query, gossiped to every member; those that pass the filters answer {@code source} directly.
     *
     * @param filterNodes only these members answer (empty: no name filter)
     * @param filterTags  only members whose tag matches each regular expression answer
     * @param relayFactor how many extra members each response is also sent through
     * @param timeoutMillis how long the asker waits; responders do not answer after it
     */
    record Query(long ltime, int id, String sourceName, InetSocketAddress source, List<String> filterNodes,
                 Map<String, String> filterTags, boolean ack, int relayFactor, long timeoutMillis, String name,
                 byte[] payload) implements Message {
        public MessageType type() { return MessageType.QUERY; }

        @Override
        public boolean equals(Object o) {
            return o instanceof Query q && q.ltime == ltime && q.id == id && q.ack == ack
                    && q.relayFactor == relayFactor && q.timeoutMillis == timeoutMillis
                    && q.sourceName.equals(sourceName) && q.source.equals(source)
                    && q.filterNodes.equals(filterNodes) && q.filterTags.equals(filterTags) && q.name.equals(name)
                    && java.util.Arrays.equals(q.payload, payload);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(ltime, id, name, sourceName) * 31 + java.util.Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "Query[ltime=" + ltime + ", id=" + id + ", name=" + name + ", from=" + sourceName + ", payload="
                    + payload.length + " bytes]";
        }
    }

    /** An answer to query {@code id}: an ack (it arrived) or a response with a payload. */
    record QueryResponse(long ltime, int id, String from, boolean ack, byte[] payload) implements Message {
        public MessageType type() { return MessageType.QUERY_RESPONSE; }

        @Override
        public boolean equals(Object o) {
            return o instanceof QueryResponse r && r.ltime == ltime && r.id == id && r.ack == ack
                    && r.from.equals(from) && java.util.Arrays.equals(r.payload, payload);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(ltime, id, from, ack) * 31 + java.util.Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "QueryResponse[ltime=" + ltime + ", id=" + id + ", from=" + from + ", ack=" + ack + ", payload="
                    + payload.length + " bytes]";
        }
    }

    /** Please forward {@code frame} (an encoded {@link QueryResponse}) to {@code destination}. */
    record Relay(InetSocketAddress destination, byte[] frame) implements Message {
        public MessageType type() { return MessageType.RELAY; }

        @Override
        public boolean equals(Object o) {
            return o instanceof Relay r && r.destination.equals(destination) && java.util.Arrays.equals(r.frame, frame);
        }

        @Override
        public int hashCode() {
            return destination.hashCode() * 31 + java.util.Arrays.hashCode(frame);
        }
    }

    /** One member's state as carried in a {@link PushPull}. */
    record MemberState(String name, InetSocketAddress address, Map<String, String> tags, long incarnation,
                       WireState state) {
    }

    /** Member states as they travel on the wire (one byte each). */
    enum WireState {
        ALIVE, SUSPECT, DEAD, LEFT;

        private static final WireState[] VALUES = values();

        /** The state for a wire byte, or null when the byte names none. */
        public static WireState fromByte(int b) {
            return b >= 0 && b < VALUES.length ? VALUES[b] : null;
        }
    }
}
