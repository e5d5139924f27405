package dev.grapevine.security;

import java.nio.ByteBuffer;
import java.util.Objects;

/** Checks and messages shared by the two {@link Aead} implementations, so both fail identically. */
final class Envelope {

    /** The version byte as GCM associated data: authenticating it binds the envelope format. */
    static final byte[] VERSION_AAD = {Aead.VERSION};
    static final byte[] NO_AAD = new byte[0];

    private Envelope() {
    }

    static AeadException tooShort(int length) {
        return new AeadException("truncated: " + length + " bytes, an envelope has at least " + Aead.OVERHEAD);
    }

    static AeadException unknownVersion(byte version) {
        return new AeadException("unknown envelope version " + (version & 0xff) + ", expected " + (Aead.VERSION & 0xff));
    }

    static AeadException authenticationFailed() {
        // Deliberately vague: whether the key, the aad or the bytes were wrong is not knowable, and not
        // something to hint at.
        return new AeadException("authentication failed");
    }

    /** Argument checks of seal; returns the envelope length. */
    static int checkSeal(AeadKey key, ByteBuffer plaintext, ByteBuffer out) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(out, "out");
        int total = plaintext.remaining() + Aead.OVERHEAD;
        if (out.remaining() < total) {
            throw new IllegalArgumentException(
                    "output has " + out.remaining() + " bytes left, the envelope needs " + total);
        }
        checkNoOverlap(plaintext, out, total);
        return total;
    }

    /**
     * Input checks of open (malformed input: {@link AeadException}) then argument checks (caller errors:
     * {@link IllegalArgumentException}); returns the plaintext length.
     */
    static int checkOpen(AeadKey key, ByteBuffer packet, ByteBuffer out) throws AeadException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(packet, "packet");
        Objects.requireNonNull(out, "out");
        checkStructure(packet);
        int plain = packet.remaining() - Aead.OVERHEAD;
        if (out.remaining() < plain) {
            throw new IllegalArgumentException(
                    "output has " + out.remaining() + " bytes left, the plaintext needs " + plain);
        }
        checkNoOverlap(packet, out, plain);
        return plain;
    }

    /** The checks that need no key: long enough for header and tag, and our version. */
    static void checkStructure(ByteBuffer packet) throws AeadException {
        int len = packet.remaining();
        if (len < Aead.OVERHEAD) {
            throw tooShort(len);
        }
        byte version = packet.get(packet.position());
        if (version != Aead.VERSION) {
            throw unknownVersion(version);
        }
    }

    static byte[] aad(byte[] aad) {
        return aad == null ? NO_AAD : aad;
    }

    /** Zeroes {@code out[from, from+len)} by absolute index, leaving its position alone. */
    static void wipe(ByteBuffer out, int from, int len) {
        for (int i = 0; i < len; i++) {
            out.put(from + i, (byte) 0);
        }
    }

    private static void checkNoOverlap(ByteBuffer in, ByteBuffer out, int written) {
        // Only heap buffers on one array can be checked cheaply; direct buffers are the caller's word.
        if (in.hasArray() && out.hasArray() && in.array() == out.array()) {
            int a0 = in.arrayOffset() + in.position();
            int a1 = a0 + in.remaining();
            int b0 = out.arrayOffset() + out.position();
            int b1 = b0 + written;
            if (a0 < b1 && b0 < a1) {
                throw new IllegalArgumentException("input and output buffers overlap");
            }
        }
    }
}
