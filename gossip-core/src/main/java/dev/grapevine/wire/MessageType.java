package dev.grapevine.wire;

/** The one-byte type that starts every frame on the wire. Values are part of the protocol: never reuse one. */
public enum MessageType {
    PING(1),
    INDIRECT_PING(2),
    ACK(3),
    NACK(4),
    ALIVE(5),
    SUSPECT(6),
    DEAD(7),
    PUSH_PULL(8),
    /** Several frames packed into one datagram. */
    COMPOUND(9),
    /** A digest of the sender's member view (see {@link Message.ViewDigest}). */
    VIEW_DIGEST(10),
    /** A member's join announcement, with its member-clock time. */
    JOIN_INTENT(11),
    /** A member's leave announcement, with its member-clock time. */
    LEAVE_INTENT(12),
    /** A user event. */
    USER_EVENT(13),
    /** A query. */
    QUERY(14),
    /** An ack or response to a query. */
    QUERY_RESPONSE(15),
    /** A query response to forward to its asker (relay factor). */
    RELAY(16),
    /**
     * A leave intent that also asks every member to forget the member at once (force-leave with prune):
     * the body of {@link #LEAVE_INTENT}, read as a {@link Message.LeaveIntent} with {@code prune} set.
     */
    PRUNE_INTENT(17);

    private static final MessageType[] BY_CODE = new MessageType[32];

    static {
        for (MessageType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    /** The byte on the wire. */
    public final int code;

    MessageType(int code) {
        this.code = code;
    }

    /** The type for a wire byte, or null for an unknown one. */
    public static MessageType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
