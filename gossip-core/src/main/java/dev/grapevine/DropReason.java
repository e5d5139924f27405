package dev.grapevine;

/**
 * Why an inbound packet or stream was dropped. Every drop is counted by reason in {@link Stats}; none is
 * thrown out of the engine.
 */
public enum DropReason {
    /** The input ended before a field it declared. */
    TRUNCATED("truncated"),
    /** The envelope's version byte is not one this node speaks. */
    UNKNOWN_VERSION("of an unknown protocol version"),
    /** A frame type byte names no message. */
    UNKNOWN_TYPE("of an unknown message type"),
    /** A field holds a value no valid message has (bad flag byte, negative number, nested compound...). */
    MALFORMED("malformed"),
    /** A declared length, or the input itself, is larger than allowed. */
    OVERSIZED("oversized"),
    /** A ping meant for another node (a reused address). */
    MISADDRESSED("meant for another node"),
    /** A well-formed message that makes no sense where it arrived (a push-pull as a datagram...). */
    UNEXPECTED("unexpected where they arrived"),
    /** Authentication or decryption failed (wrong key, another cluster, tampering). */
    DECRYPT_FAILED("not authenticated: wrong key, another cluster name, plaintext where encryption is required, or tampering"),
    /** An inbound stream was refused because too many were already open. */
    TOO_MANY_STREAMS("refused: too many streams open"),
    /** An inbound stream sent nothing, or too slowly, within the stream timeout. */
    STREAM_TIMEOUT("timed out before sending a whole frame"),
    /** An outbound datagram could not be sent (the socket refused it). */
    SEND_FAILED("refused by the socket (outbound)"),
    /** A query response or ack that arrived after its query's deadline (or for no query of ours). */
    LATE_RESPONSE("query answers after the deadline or for no query of ours"),
    /** An authentic packet seen before: a replay (its nonce is in the recent-nonce cache). */
    REPLAYED("replayed: an authentic packet already received");

    private static final DropReason[] VALUES = values();

    private final String description;

    DropReason(String description) {
        this.description = description;
    }

    /** What it means, in words, for logs. */
    public String description() {
        return description;
    }

    static DropReason byOrdinal(int i) {
        return VALUES[i];
    }
}
