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
     */
    record ViewDigest(long digest) implements Message {
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
     * a joining node starts.
     */
    record PushPull(boolean join, List<MemberState> members) implements Message {
        public MessageType type() { return MessageType.PUSH_PULL; }
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
