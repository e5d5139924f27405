package dev.grapevine.roles.admin;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A user event as this node received it.
 *
 * @param name     the event's name
 * @param ltime    its Lamport time on the cluster's event clock
 * @param payload  its payload (a private copy; {@link #payload()} returns another copy)
 * @param received when this node delivered it to its listeners
 */
public record ReceivedEvent(String name, long ltime, byte[] payload, Instant received) {

    /** Encoding name of a payload that is valid UTF-8, shown as text. */
    public static final String UTF8 = "utf-8";
    /** Encoding name of a payload that is not valid UTF-8, shown as base64. */
    public static final String BASE64 = "base64";

    /** Copies the payload so the record stays immutable. */
    public ReceivedEvent {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(received, "received");
        payload = payload.clone();
    }

    /** A copy of the payload. */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** The payload's size in bytes. */
    public int size() {
        return payload.length;
    }

    /** {@value #UTF8} when the payload is valid UTF-8 (empty included), {@value #BASE64} otherwise. */
    public String encoding() {
        return text() != null ? UTF8 : BASE64;
    }

    /** The payload as text: the UTF-8 string when valid, its base64 (standard alphabet, padded) otherwise. */
    public String payloadText() {
        String text = text();
        return text != null ? text : Base64.getEncoder().encodeToString(payload);
    }

    /** The payload decoded strictly as UTF-8, or null when it is not valid UTF-8. */
    private String text() {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReceivedEvent e && e.ltime == ltime && e.name.equals(name)
                && Arrays.equals(e.payload, payload) && e.received.equals(received);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, ltime, received) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "ReceivedEvent[name=" + name + ", ltime=" + ltime + ", payload=" + payload.length + " bytes, received="
                + received + "]";
    }
}
