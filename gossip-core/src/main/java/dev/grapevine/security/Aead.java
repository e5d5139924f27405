package dev.grapevine.security;

import java.nio.ByteBuffer;

/**
 * Authenticated encryption of one packet (a datagram or a stream frame) into a self-contained envelope.
 *
 * <h2>Envelope</h2>
 * <pre>
 *   +---------+------------------+---------------------+-----------------+
 *   | version | nonce (12 bytes) | ciphertext (n)      | GCM tag (16)    |
 *   | 0x01    | see Nonces       | AES-GCM of the data | over header+aad |
 *   +---------+------------------+---------------------+-----------------+
 * </pre>
 * {@link #OVERHEAD} = 29 bytes. AES-128, -192 or -256 by key length (16, 24, 32 bytes). The version byte is
 * authenticated too (it is fed to GCM as associated data before the caller's {@code aad}), so a future
 * envelope version can never be confused with this one. The nonce is authenticated by GCM itself.
 *
 * <h2>Implementations</h2>
 * {@link JdkAesGcm} (javax.crypto; the one to use) and {@link BouncyCastleAesGcm} (Bouncy Castle's
 * lightweight API, for comparison and for platforms without a JCE AES-GCM). They produce and accept the
 * same envelopes. Both are thread-safe: each keeps one cipher per thread.
 *
 * <h2>Nonces</h2>
 * Every node of a cluster seals with the same key, so nonces must not collide across nodes, ever: one
 * repeat under a key leaks the XOR of two plaintexts and lets an attacker forge tags. Each thread draws a
 * 64-bit random prefix and a random 32-bit starting counter from {@link java.security.SecureRandom}, then
 * counts; after 2<sup>32</sup> packets it draws both again ({@code NonceGenerator}). This is NIST
 * SP 800-38D §8.2.1's deterministic construction with a random fixed field, chosen over a fresh 96-bit
 * random nonce per packet because:
 * <ul>
 *   <li>collisions: with random nonces a repeat after n packets cluster-wide has probability about
 *       n²/2<sup>97</sup>; with g threads (over all nodes and restarts) sending m packets each, two
 *       threads collide only if they drew the same prefix (2<sup>-64</sup>) and their counter ranges
 *       overlap (about 2m/2<sup>32</sup>): about g²m/2<sup>96</sup>, never more than the random scheme's
 *       g²m²/2<sup>97</sup> once a thread has sent two packets;</li>
 *   <li>cost: no {@code SecureRandom} call (synchronised, hashing or reading /dev/urandom) per packet.</li>
 * </ul>
 * The prefix is visible on the wire, so packets from one thread can be linked to each other; the source
 * address links them anyway. Rotate keys (see {@link Keyring}) well before a cluster has sealed
 * 2<sup>40</sup> packets under one key, as for any GCM deployment.
 *
 * <h2>Errors</h2>
 * {@code open} throws {@link AeadException} (checked, without stack trace) for every malformed or
 * unauthentic input and never any other exception for bad input; programming errors are
 * {@link IllegalArgumentException}s (an output buffer too small, a key of the wrong size) or
 * {@link NullPointerException}s.
 */
public interface Aead {

    /** The envelope version this implementation writes and the only one it reads. */
    byte VERSION = (byte) 0x81;
    /** Bytes of nonce after the version byte. */
    int NONCE_LENGTH = 12;
    /** Bytes of GCM authentication tag at the end. */
    int TAG_LENGTH = 16;
    /** Version byte plus nonce. */
    int HEADER_LENGTH = 1 + NONCE_LENGTH;
    /** Bytes an envelope adds to its plaintext: 1 + 12 + 16 = 29. */
    int OVERHEAD = HEADER_LENGTH + TAG_LENGTH;

    /** Short name for logs and benchmarks: {@code "jdk"} or {@code "bc"}. */
    String name();

    /** Bytes added to a plaintext by {@code seal}: always {@link #OVERHEAD}. */
    default int overhead() {
        return OVERHEAD;
    }

    /**
     * Seals {@code plaintext}'s remaining bytes into {@code out} without allocating (the hot path).
     *
     * <p>On return {@code plaintext}'s position is at its limit and {@code out}'s position has advanced by
     * the returned count. {@code out} must not share memory with {@code plaintext}.
     *
     * @param key       the key to seal with
     * @param plaintext the bytes to seal, from position to limit
     * @param out       receives the envelope at its position; needs {@code plaintext.remaining() + overhead()}
     *                  bytes remaining
     * @param aad       associated data authenticated but not sent (the cluster label); null means none
     * @return the envelope length, {@code plaintext.remaining() + overhead()}
     * @throws IllegalArgumentException if {@code out} is too small (nothing is written then) or overlaps
     *                                  {@code plaintext}
     * @throws NullPointerException     if an argument other than {@code aad} is null
     */
    int seal(AeadKey key, ByteBuffer plaintext, ByteBuffer out, byte[] aad);

    /**
     * Opens the envelope in {@code packet}'s remaining bytes into {@code out} without allocating.
     *
     * <p>On success {@code packet}'s position is at its limit and {@code out}'s position has advanced by the
     * returned count. On failure neither position moves and the bytes of {@code out} past its position are
     * zeroed where they may have been written, so no unauthenticated plaintext is ever left behind.
     * {@code out} must not share memory with {@code packet}.
     *
     * @param key    the key to try
     * @param packet the envelope, from position to limit
     * @param out    receives the plaintext; needs {@code packet.remaining() - overhead()} bytes remaining
     * @param aad    the associated data the sender used; null means none
     * @return the plaintext length
     * @throws AeadException            if the packet is shorter than the overhead, has an unknown version, or
     *                                  fails authentication (wrong key, wrong aad, any modified bit)
     * @throws IllegalArgumentException if {@code out} is too small for a well-formed packet or overlaps
     *                                  {@code packet}
     * @throws NullPointerException     if an argument other than {@code aad} is null
     */
    int open(AeadKey key, ByteBuffer packet, ByteBuffer out, byte[] aad) throws AeadException;

    /**
     * Convenience form of {@link #seal(AeadKey, ByteBuffer, ByteBuffer, byte[])} on arrays; allocates the
     * key objects and the result, so prefer the buffer form per packet.
     *
     * @param key       16, 24 or 32 bytes
     * @param plaintext the array holding the plaintext
     * @param off       where the plaintext starts
     * @param len       its length
     * @param aad       associated data; null means none
     * @return a new envelope of {@code len + overhead()} bytes
     * @throws IllegalArgumentException for a key of another length or bounds outside {@code plaintext}
     */
    default byte[] seal(byte[] key, byte[] plaintext, int off, int len, byte[] aad) {
        checkBounds(plaintext, off, len);
        byte[] out = new byte[len + OVERHEAD];
        seal(AeadKey.of(key), ByteBuffer.wrap(plaintext, off, len), ByteBuffer.wrap(out), aad);
        return out;
    }

    /**
     * Convenience form of {@link #open(AeadKey, ByteBuffer, ByteBuffer, byte[])} on arrays.
     *
     * @param key    16, 24 or 32 bytes
     * @param packet the array holding the envelope
     * @param off    where the envelope starts
     * @param len    its length
     * @param aad    associated data; null means none
     * @return a new array with the plaintext
     * @throws AeadException            as the buffer form
     * @throws IllegalArgumentException for a key of another length or bounds outside {@code packet}
     */
    default byte[] open(byte[] key, byte[] packet, int off, int len, byte[] aad) throws AeadException {
        checkBounds(packet, off, len);
        AeadKey k = AeadKey.of(key);
        if (len < OVERHEAD) {
            throw Envelope.tooShort(len);
        }
        byte[] out = new byte[len - OVERHEAD];
        open(k, ByteBuffer.wrap(packet, off, len), ByteBuffer.wrap(out), aad);
        return out;
    }

    private static void checkBounds(byte[] array, int off, int len) {
        if (array == null) {
            throw new IllegalArgumentException("array is null");
        }
        if (off < 0 || len < 0 || off > array.length - len) {
            throw new IllegalArgumentException(
                    "range [" + off + ", " + off + "+" + len + ") outside an array of " + array.length);
        }
    }
}
