package dev.grapevine.payload;

/**
 * Turns typed values into user-event and query payload bytes and back.
 *
 * <p>Payloads cross the network, so {@link #decode} must treat its input as hostile: an implementation
 * throws nothing but {@link PayloadException} for any byte array, and its memory use is bounded by the
 * payload's size, never by a length or count the payload declares. {@link #encode} is the trusted side:
 * it fails with {@link IllegalArgumentException} when a value has no valid encoding (too large, a type the
 * codec does not know).
 *
 * <p>Grapevine ships {@link #bytes()}, {@link #utf8()} and {@link KryoPayloadCodec}; a JSON or Protobuf
 * codec plugs in the same way, by implementing these two methods.
 *
 * <p>Implementations must be safe to call from several threads at once.
 *
 * @param <T> the type of the values carried
 */
public interface PayloadCodec<T> {

    /**
     * Encodes a value into payload bytes.
     *
     * @param value the value; never null
     * @return a new array the caller owns
     * @throws IllegalArgumentException if the value cannot be encoded, e.g. it is too large or of a type
     *                                  the codec does not know; the message says why
     * @throws NullPointerException     if {@code value} is null
     */
    byte[] encode(T value);

    /**
     * Decodes payload bytes received from another node.
     *
     * @param payload the bytes, possibly hostile; the array is not modified or retained
     * @return the value; never null
     * @throws PayloadException     for any payload that is not exactly one valid encoded value; never any
     *                              other exception, whatever the bytes
     * @throws NullPointerException if {@code payload} is null (a programming error, not input)
     */
    T decode(byte[] payload) throws PayloadException;

    /**
     * The identity codec: payloads are raw bytes. Both directions copy, so neither side can change the
     * other's array afterwards.
     *
     * @return a shared, stateless instance
     */
    static PayloadCodec<byte[]> bytes() {
        return BytesCodec.INSTANCE;
    }

    /**
     * Strict UTF-8 text. Unlike {@code new String(bytes, UTF_8)}, which silently turns a malformed sequence
     * into U+FFFD, decoding rejects malformed input with a {@link PayloadException}; encoding rejects a
     * string holding an unpaired surrogate (it has no UTF-8 form) with an {@link IllegalArgumentException}
     * instead of writing {@code '?'}.
     *
     * @return a shared, stateless instance
     */
    static PayloadCodec<String> utf8() {
        return Utf8Codec.INSTANCE;
    }
}
