package dev.grapevine.payload;

import java.util.Objects;

/** {@link PayloadCodec#bytes()}: raw bytes, copied both ways. */
final class BytesCodec implements PayloadCodec<byte[]> {

    static final BytesCodec INSTANCE = new BytesCodec();

    private BytesCodec() {
    }

    @Override
    public byte[] encode(byte[] value) {
        return Objects.requireNonNull(value, "value").clone();
    }

    @Override
    public byte[] decode(byte[] payload) {
        return Objects.requireNonNull(payload, "payload").clone();
    }

    @Override
    public String toString() {
        return "PayloadCodec.bytes()";
    }
}
