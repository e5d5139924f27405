package dev.grapevine.security;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AES-GCM through the JDK's {@code javax.crypto} ({@code AES/GCM/NoPadding}): the implementation the
 * transport uses. On x86-64 and AArch64 the JDK's GCM runs on AES-NI / PMULL intrinsics, several times faster
 * than {@link BouncyCastleAesGcm} (see benchmarks/README.md for what was measured).
 *
 * <p><b>Threads.</b> Thread-safe: a {@link Cipher} is neither thread-safe nor cheap to create (a provider
 * lookup and several allocations), so each thread that uses an instance gets its own, created on first use
 * and kept in a {@link ThreadLocal} for the life of the thread. Re-initialising a cipher with the key it
 * last used skips the AES key expansion (the JDK keeps the expanded key), so one primary key per cluster
 * costs one expansion per thread.
 *
 * <p><b>Allocation.</b> No buffer of packet size is allocated by {@code seal} or {@code open}: output goes
 * into the caller's buffer. The JCE API forces one {@link GCMParameterSpec} (with a 12-byte nonce copy)
 * per call; that is all on our side.
 *
 * <p>Nonces come from {@code NonceGenerator}; see {@link Aead}.
 */
public final class JdkAesGcm implements Aead {

    private static final Logger LOG = LoggerFactory.getLogger(JdkAesGcm.class);
    private static final int TAG_BITS = TAG_LENGTH * 8;

    /** Per-thread cipher and nonce scratch: see the class comment. */
    private static final class State {
        final Cipher cipher;
        final byte[] nonce = new byte[NONCE_LENGTH];

        State() {
            try {
                cipher = Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
                // Every Java 17 platform must provide AES/GCM/NoPadding (Java Security Standard Names).
                throw new IllegalStateException("AES/GCM/NoPadding is not available", e);
            }
        }
    }

    private final ThreadLocal<State> state = ThreadLocal.withInitial(State::new);

    /** Creates an instance; one per transport (or per JVM) is enough, as it is thread-safe. */
    public JdkAesGcm() {
    }

    @Override
    public String name() {
        return "jdk";
    }

    @Override
    public int seal(AeadKey key, ByteBuffer plaintext, ByteBuffer out, byte[] aad) {
        int total = Envelope.checkSeal(key, plaintext, out);
        State s = state.get();
        NonceGenerator.next(s.nonce);
        int start = out.position();
        try {
            s.cipher.init(Cipher.ENCRYPT_MODE, key.jdkKey, new GCMParameterSpec(TAG_BITS, s.nonce));
            s.cipher.updateAAD(Envelope.VERSION_AAD);
            s.cipher.updateAAD(Envelope.aad(aad));
            out.put(VERSION).put(s.nonce);
            s.cipher.doFinal(plaintext, out);
        } catch (GeneralSecurityException e) {
            // The key was validated and the output sized: nothing here can fail but a broken provider.
            out.position(start);
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
        return total;
    }

    @Override
    public int open(AeadKey key, ByteBuffer packet, ByteBuffer out, byte[] aad) throws AeadException {
        int plain = Envelope.checkOpen(key, packet, out);
        State s = state.get();
        int packetStart = packet.position();
        int outStart = out.position();
        packet.get(packetStart + 1, s.nonce);   // absolute: the position stays put if we fail below
        try {
            s.cipher.init(Cipher.DECRYPT_MODE, key.jdkKey, new GCMParameterSpec(TAG_BITS, s.nonce));
            s.cipher.updateAAD(Envelope.VERSION_AAD);
            s.cipher.updateAAD(Envelope.aad(aad));
            packet.position(packetStart + HEADER_LENGTH);
            s.cipher.doFinal(packet, out);
            return plain;
        } catch (GeneralSecurityException | RuntimeException e) {
            // AEADBadTagException is the expected case. The JDK verifies before it writes, but wiping is cheap
            // on this (failure) path and keeps the promise independent of the provider. A RuntimeException
            // would be a provider quirk; the contract is still "AeadException for any bad packet".
            if (e instanceof RuntimeException) {
                LOG.debug("AES-GCM decryption threw {}; treated as an authentication failure", e.toString());
            }
            packet.position(packetStart);
            out.position(outStart);
            Envelope.wipe(out, outStart, plain);
            throw Envelope.authenticationFailed();
        }
    }

    @Override
    public String toString() {
        return "JdkAesGcm";
    }
}
