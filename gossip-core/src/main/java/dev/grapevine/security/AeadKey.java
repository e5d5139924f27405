package dev.grapevine.security;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.crypto.params.KeyParameter;

/**
 * An AES key of 16, 24 or 32 bytes (AES-128, -192 or -256), validated once and ready for both
 * {@link Aead} implementations.
 *
 * <p>Why a type rather than a {@code byte[]}: the hot path must not copy the key, build a
 * {@link SecretKeySpec} or a {@link KeyParameter}, or hash it for a fingerprint per packet; an
 * {@code AeadKey} holds all of that, built once. It is immutable and thread-safe. Its key bytes never
 * leave it except through {@link #bytes()} and {@link #base64()} (copies, for persisting a keyring);
 * {@link #toString()} shows only the {@linkplain #fingerprint() fingerprint}.
 *
 * <p>Two keys are {@linkplain #equals(Object) equal} when their bytes are (compared in constant time).
 */
public final class AeadKey {

    private final byte[] key;
    private final String fingerprint;
    // Built once so that neither implementation allocates key objects per packet.
    final SecretKeySpec jdkKey;
    final KeyParameter bcKey;

    private AeadKey(byte[] key) {
        this.key = key;
        this.fingerprint = computeFingerprint(key);
        this.jdkKey = new SecretKeySpec(key, "AES");
        this.bcKey = new KeyParameter(key);
    }

    /**
     * A key from raw bytes (copied).
     *
     * @param key 16, 24 or 32 bytes
     * @return the key
     * @throws IllegalArgumentException if {@code key} is null or of another length, e.g.
     *                                  {@code "20 bytes, must be 16, 24 or 32"}
     */
    public static AeadKey of(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("missing");
        }
        checkLength(key.length);
        return new AeadKey(key.clone());
    }

    /**
     * A key from standard base64 (padding optional; surrounding whitespace ignored).
     *
     * @param base64 the encoded key, 16, 24 or 32 bytes once decoded
     * @return the key
     * @throws IllegalArgumentException {@code "missing"}, {@code "empty"}, {@code "not base64"} or
     *                                  {@code "20 bytes, must be 16, 24 or 32"}; the input itself is never
     *                                  echoed, since a mistyped key is still mostly a key
     */
    public static AeadKey ofBase64(String base64) {
        if (base64 == null) {
            throw new IllegalArgumentException("missing");
        }
        String s = base64.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not base64");
        }
        try {
            checkLength(raw.length);
            return new AeadKey(raw);
        } catch (IllegalArgumentException e) {
            Arrays.fill(raw, (byte) 0);
            throw e;
        }
    }

    static void checkLength(int length) {
        if (length != 16 && length != 24 && length != 32) {
            throw new IllegalArgumentException(length + " bytes, must be 16, 24 or 32");
        }
    }

    /** The key length in bytes: 16, 24 or 32. */
    public int length() {
        return key.length;
    }

    /** A copy of the key bytes (for persisting or deriving; never log them). */
    public byte[] bytes() {
        return key.clone();
    }

    /** The key in standard base64 with padding, the format {@link Keyring#toFile} writes. */
    public String base64() {
        return Base64.getEncoder().encodeToString(key);
    }

    /**
     * The first 8 hex digits of the SHA-256 of the key: enough for an operator to tell keys apart in logs
     * and to compare keyrings across nodes, and useless for recovering the key (32 bits of a hash).
     */
    public String fingerprint() {
        return fingerprint;
    }

    /** Internal access without a copy, for the implementations in this package. */
    byte[] raw() {
        return key;
    }

    private static String computeFingerprint(byte[] key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key);
            return HexFormat.of().formatHex(h, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AeadKey other && MessageDigest.isEqual(key, other.key);
    }

    @Override
    public int hashCode() {
        // The fingerprint, not the key: a hash code can end up in a debugger or a heap dump summary.
        return fingerprint.hashCode();
    }

    /** {@code AeadKey[AES-256 3f2a9c1b]}: the size and the fingerprint, never the key. */
    @Override
    public String toString() {
        return "AeadKey[AES-" + (key.length * 8) + " " + fingerprint + "]";
    }
}
