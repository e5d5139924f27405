package dev.grapevine.payload;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * {@link PayloadCodec#utf8()}: strict UTF-8 both ways. A coder is made per call: they are not thread-safe,
 * and text payloads are small.
 */
final class Utf8Codec implements PayloadCodec<String> {

    static final Utf8Codec INSTANCE = new Utf8Codec();

    private Utf8Codec() {
    }

    @Override
    public byte[] encode(String value) {
        Objects.requireNonNull(value, "value");
        try {
            ByteBuffer out = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(value));
            byte[] bytes = new byte[out.remaining()];
            out.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(
                    "string has no UTF-8 form (unpaired surrogate): " + e.getMessage(), e);
        }
    }

    @Override
    public String decode(byte[] payload) throws PayloadException {
        Objects.requireNonNull(payload, "payload");
        ByteBuffer in = ByteBuffer.wrap(payload);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(in)
                    .toString();
        } catch (CharacterCodingException e) {
            // The decoder stops with the buffer at the start of the bad sequence.
            throw new PayloadException("payload of " + payload.length + " bytes is not well-formed UTF-8: "
                    + "bad sequence at byte " + in.position(), e);
        }
    }

    @Override
    public String toString() {
        return "PayloadCodec.utf8()";
    }
}
