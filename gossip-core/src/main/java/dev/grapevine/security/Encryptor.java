package dev.grapevine.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * What the transport calls to seal every outgoing datagram and stream frame and to open every incoming one:
 * a {@link Keyring}, an {@link Aead} and the cluster's label as associated data.
 *
 * <p><b>Cluster binding.</b> Every envelope authenticates {@code "grapevine/v1/" + clusterName} (UTF-8) as
 * associated data. Two clusters sharing a key (or a network) therefore cannot open each other's packets,
 * and the fixed prefix keeps the label from colliding with another protocol that uses the same key with
 * its own associated data. The label is not sent.
 *
 * <p><b>Keys.</b> {@code encrypt} seals with the keyring's primary key; {@code decrypt} tries every key, the
 * primary first (the common case costs one attempt; a packet from a node still on the previous primary
 * costs two during a rotation; junk costs one attempt per installed key, so keep keyrings short).
 *
 * <p><b>Threads.</b> Thread-safe and lock-free. The keyring is an immutable value held in an
 * {@link AtomicReference}: {@link #updateKeyring} swaps it atomically, and a packet in flight uses either
 * the old keyring or the new one, never a mix.
 *
 * <p><b>Allocation.</b> {@link #encrypt(ByteBuffer, ByteBuffer)} and {@link #decrypt(ByteBuffer, ByteBuffer)}
 * write into the caller's buffer and allocate nothing of packet size; {@link #encrypt(ByteBuffer)} and
 * {@link #decrypt(ByteBuffer)} allocate the result.
 *
 * <p><b>Errors.</b> {@code decrypt} throws {@link AeadException} for every bad packet and nothing else; the
 * transport should drop the packet and count it, never log its bytes.
 */
public final class Encryptor {

    /** Prefix of the associated data: protocol and envelope version. */
    public static final String AAD_PREFIX = "grapevine/v1/";

    private final Aead aead;
    private final String clusterName;
    private final byte[] aad;
    private final AtomicReference<Keyring> keyring;

    /**
     * Creates an encryptor.
     *
     * @param keyring     the initial keys
     * @param aead        the cipher, normally {@link JdkAesGcm}
     * @param clusterName the cluster's name, bound into every packet
     */
    public Encryptor(Keyring keyring, Aead aead, String clusterName) {
        this.keyring = new AtomicReference<>(Objects.requireNonNull(keyring, "keyring"));
        this.aead = Objects.requireNonNull(aead, "aead");
        this.clusterName = Objects.requireNonNull(clusterName, "clusterName");
        this.aad = aadFor(clusterName);
    }

    /**
     * Creates an encryptor on {@link JdkAesGcm}.
     *
     * @param keyring     the initial keys
     * @param clusterName the cluster's name, bound into every packet
     */
    public Encryptor(Keyring keyring, String clusterName) {
        this(keyring, new JdkAesGcm(), clusterName);
    }

    /** The associated data for a cluster: UTF-8 of {@value #AAD_PREFIX} followed by its name. */
    public static byte[] aadFor(String clusterName) {
        return (AAD_PREFIX + clusterName).getBytes(StandardCharsets.UTF_8);
    }

    /** Bytes each envelope adds to its plaintext (29). */
    public int overhead() {
        return aead.overhead();
    }

    /** The cluster name bound into every packet. */
    public String clusterName() {
        return clusterName;
    }

    /** The keyring in use now. */
    public Keyring keyring() {
        return keyring.get();
    }

    /**
     * Replaces the keyring.
     *
     * @param next the new keyring
     */
    public void keyring(Keyring next) {
        keyring.set(Objects.requireNonNull(next, "keyring"));
    }

    /**
     * Applies a rotation step atomically, e.g. {@code updateKeyring(k -> k.install(newKey))}; safe against
     * concurrent updates (the function may be called more than once, so it must be side-effect free, as
     * {@link Keyring}'s methods are).
     *
     * @param step the change
     * @return the keyring now in use
     * @throws IllegalArgumentException if the step does (e.g. using a key that is not installed); the
     *                                  keyring is unchanged then
     */
    public Keyring updateKeyring(UnaryOperator<Keyring> step) {
        return keyring.updateAndGet(k -> Objects.requireNonNull(step.apply(k), "keyring"));
    }

    /**
     * Seals {@code plaintext}'s remaining bytes with the primary key into {@code out} (no allocation).
     *
     * @param plaintext the packet to send; consumed
     * @param out       receives the envelope; needs {@code plaintext.remaining() + overhead()} bytes
     * @return the envelope length
     * @throws IllegalArgumentException if {@code out} is too small
     */
    public int encrypt(ByteBuffer plaintext, ByteBuffer out) {
        return aead.seal(keyring.get().primary(), plaintext, out, aad);
    }

    /**
     * Seals {@code plaintext}'s remaining bytes with the primary key into a new array.
     *
     * @param plaintext the packet to send; consumed
     * @return the envelope
     */
    public byte[] encrypt(ByteBuffer plaintext) {
        byte[] out = new byte[plaintext.remaining() + aead.overhead()];
        aead.seal(keyring.get().primary(), plaintext, ByteBuffer.wrap(out), aad);
        return out;
    }

    /**
     * Opens {@code packet}'s remaining bytes into {@code out}, trying every key (no allocation).
     *
     * @param packet the received envelope; consumed on success, untouched on failure
     * @param out    receives the plaintext; needs {@code packet.remaining() - overhead()} bytes
     * @return the plaintext length
     * @throws AeadException            if no key opens it (or it is truncated, or of an unknown version)
     * @throws IllegalArgumentException if {@code out} is too small
     */
    public int decrypt(ByteBuffer packet, ByteBuffer out) throws AeadException {
        // A truncated packet or an unknown version fails alike under every key: say so once, cheaply.
        Envelope.checkStructure(packet);
        List<AeadKey> keys = keyring.get().keys();
        AeadException last = null;
        for (int i = 0; i < keys.size(); i++) {
            try {
                return aead.open(keys.get(i), packet, out, aad);
            } catch (AeadException e) {
                last = e;
            }
        }
        throw keys.size() == 1 ? last : new AeadException("authentication failed with all " + keys.size() + " keys");
    }

    /**
     * Opens {@code packet}'s remaining bytes into a new buffer, trying every key.
     *
     * @param packet the received envelope; consumed on success, untouched on failure
     * @return the plaintext, position 0, limit its length
     * @throws AeadException if no key opens it (or it is truncated, or of an unknown version)
     */
    public ByteBuffer decrypt(ByteBuffer packet) throws AeadException {
        Envelope.checkStructure(packet);
        int n = packet.remaining() - aead.overhead();
        ByteBuffer out = ByteBuffer.allocate(n);
        decrypt(packet, out);
        return out.flip();
    }

    /** Cipher, cluster and keyring fingerprints; never key material. */
    @Override
    public String toString() {
        return "Encryptor[" + aead.name() + ", cluster=" + clusterName + ", " + keyring.get() + "]";
    }
}
