package dev.grapevine.security;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * Keys from passphrases (Argon2id) and sub-keys from keys (HKDF-SHA256), through Bouncy Castle: the JDK 17
 * has neither.
 *
 * <p><b>Argon2id parameters</b> ({@link #fromPassphrase}): 64 MiB of memory, 3 passes, 1 lane, Argon2
 * version 0x13, 32-byte output. That is RFC 9106's second recommended setting (64 MiB, t=3) with one lane,
 * since Bouncy Castle computes lanes one after another anyway: more lanes would cost the same time and add
 * no parallelism. Cost: 64 MiB of transient heap and about 0.6 s of one core per derivation (measured by
 * KeyDerivationTest on a 2-core Xeon, JDK 17, cold JIT); done once at start-up, never per packet. These parameters
 * are part of the derived key: changing them changes every key derived from a passphrase, so they are
 * fixed, not configurable.
 *
 * <p><b>HKDF</b> ({@link #hkdf}): RFC 5869 with SHA-256 and no salt (a zero salt, as the RFC allows when the
 * input key is already uniformly random, which every keyring key is). {@link #clusterKey} uses it to give
 * each cluster name its own key, so one key file shared by several clusters still keeps their traffic
 * apart.
 *
 * <p>All methods are thread-safe (no shared state) and leave the caller's arrays unchanged; intermediate
 * secrets are zeroed.
 */
public final class KeyDerivation {

    /** Argon2id memory in KiB: 64 MiB. */
    public static final int ARGON2_MEMORY_KIB = 64 * 1024;
    /** Argon2id passes over memory. */
    public static final int ARGON2_ITERATIONS = 3;
    /** Argon2id lanes. */
    public static final int ARGON2_LANES = 1;
    /** Bytes {@link #fromPassphrase} returns: an AES-256 key. */
    public static final int KEY_LENGTH = 32;
    /** Shortest salt accepted (RFC 9106 recommends 16 random bytes; Argon2 itself requires 8). */
    public static final int MIN_SALT_LENGTH = 8;
    /** Longest HKDF-SHA256 output: 255 blocks of 32 bytes (RFC 5869). */
    public static final int MAX_HKDF_LENGTH = 255 * 32;

    private static final String CLUSTER_KEY_LABEL = "grapevine/v1/cluster-key/";

    private KeyDerivation() {
    }

    /**
     * Derives a 32-byte AES-256 key from a passphrase with Argon2id (parameters in the class comment).
     *
     * @param passphrase the passphrase, encoded as UTF-8; not modified (the caller should clear it)
     * @param salt       at least {@value #MIN_SALT_LENGTH} bytes, ideally 16 random bytes stored with the
     *                   cluster's configuration; the same passphrase and salt give the same key
     * @return a new 32-byte key
     * @throws IllegalArgumentException if the passphrase is empty or the salt too short
     */
    public static byte[] fromPassphrase(char[] passphrase, byte[] salt) {
        if (passphrase == null || passphrase.length == 0) {
            throw new IllegalArgumentException("passphrase is empty");
        }
        if (salt == null || salt.length < MIN_SALT_LENGTH) {
            throw new IllegalArgumentException("salt: " + (salt == null ? 0 : salt.length)
                    + " bytes, must be at least " + MIN_SALT_LENGTH);
        }
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(ARGON2_MEMORY_KIB)
                .withIterations(ARGON2_ITERATIONS)
                .withParallelism(ARGON2_LANES)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] out = new byte[KEY_LENGTH];
        byte[] pw = utf8(passphrase);
        try {
            gen.generateBytes(pw, out);
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
        return out;
    }

    /**
     * HKDF-SHA256 (RFC 5869, extract and expand, zero salt).
     *
     * @param key    input keying material, at least one byte; not modified
     * @param info   context that makes the output differ per use (null means empty)
     * @param length bytes wanted, 1 to {@value #MAX_HKDF_LENGTH}
     * @return a new array of {@code length} bytes
     * @throws IllegalArgumentException for an empty key or a length out of range
     */
    public static byte[] hkdf(byte[] key, byte[] info, int length) {
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("key is empty");
        }
        if (length < 1 || length > MAX_HKDF_LENGTH) {
            throw new IllegalArgumentException("length " + length + ", must be 1 to " + MAX_HKDF_LENGTH);
        }
        HKDFBytesGenerator gen = new HKDFBytesGenerator(SHA256Digest.newInstance());
        gen.init(new HKDFParameters(key, null, info == null ? new byte[0] : info));
        byte[] out = new byte[length];
        gen.generateBytes(out, 0, length);
        return out;
    }

    /**
     * The key a cluster named {@code clusterName} uses when derived from {@code key}: HKDF with info
     * {@code "grapevine/v1/cluster-key/" + clusterName} (UTF-8), of the same length as {@code key} so the AES
     * variant is kept.
     *
     * @param key         a 16, 24 or 32-byte key; not modified
     * @param clusterName the cluster's name
     * @return a new key of {@code key.length} bytes
     * @throws IllegalArgumentException for a key of another length
     */
    public static byte[] clusterKey(byte[] key, String clusterName) {
        if (key == null) {
            throw new IllegalArgumentException("key is missing");
        }
        try {
            AeadKey.checkLength(key.length);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key: " + e.getMessage());
        }
        if (clusterName == null) {
            throw new IllegalArgumentException("cluster name is missing");
        }
        byte[] info = (CLUSTER_KEY_LABEL + clusterName).getBytes(StandardCharsets.UTF_8);
        return hkdf(key, info, key.length);
    }

    private static byte[] utf8(char[] chars) {
        ByteBuffer b = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        // The encoder's buffer held the passphrase too.
        if (b.hasArray()) {
            Arrays.fill(b.array(), (byte) 0);
        }
        return out;
    }
}
