package dev.grapevine;

/**
 * Why an inbound packet or stream was dropped. Every drop is counted by reason in {@link Stats}; none is
 * thrown out of the engine.
 */
public enum DropReason {
    /** The input ended before a field it declared. */
    TRUNCATED,
    /** The envelope's version byte is not one this node speaks. */
    UNKNOWN_VERSION,
    /** A frame type byte names no message. */
    UNKNOWN_TYPE,
    /** A field holds a value no valid message has (bad flag byte, negative number, nested compound...). */
    MALFORMED,
    /** A declared length, or the input itself, is larger than allowed. */
    OVERSIZED,
    /** A ping meant for another node (a reused address). */
    MISADDRESSED,
    /** A well-formed message that makes no sense where it arrived (a push-pull as a datagram...). */
    UNEXPECTED,
    /** Authentication or decryption failed (wrong key, another cluster, tampering). */
    DECRYPT_FAILED,
    /** An inbound stream was refused because too many were already open. */
    TOO_MANY_STREAMS,
    /** An inbound stream sent nothing, or too slowly, within the stream timeout. */
    STREAM_TIMEOUT,
    /** An outbound datagram could not be sent (the socket refused it). */
    SEND_FAILED,
    /** A query response or ack that arrived after its query's deadline (or for no query of ours). */
    LATE_RESPONSE;

    private static final DropReason[] VALUES = values();

    static DropReason byOrdinal(int i) {
        return VALUES[i];
    }
}
