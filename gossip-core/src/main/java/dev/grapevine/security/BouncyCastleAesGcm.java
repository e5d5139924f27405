package dev.grapevine.security;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * AES-GCM through Bouncy Castle's lightweight API ({@link GCMBlockCipher} over {@link AESEngine}), with the
 * same envelope as {@link JdkAesGcm}: either opens what the other sealed.
 *
 * <p>Why it exists: as a measured alternative (benchmarks/README.md) and for runtimes whose JCE lacks
 * AES-GCM. It runs in pure Java without the JDK's AES-NI/carry-less-multiply intrinsics, so the transport
 * uses {@link JdkAesGcm}.
 *
 * <p><b>Threads.</b> Thread-safe: each thread gets its own cipher in a {@link ThreadLocal}. A cipher
 * remembers the last key it was given; sealing or opening again with the same {@link AeadKey} instance
 * reuses its AES key schedule and GHASH tables instead of rebuilding them (Bouncy Castle's documented
 * "null key means the previous key" init).
 *
 * <p><b>Allocation.</b> Heap buffers are processed in place through their arrays; a direct or read-only
 * buffer goes through a per-thread scratch array, which grows to the largest packet seen. Bouncy Castle
 * allocates an {@link AEADParameters} and a nonce copy per call.
 *
 * <p><b>Unauthenticated output.</b> Bouncy Castle writes plaintext before it checks the tag; on a failed
 * {@code open} everything written is zeroed before {@link AeadException} is thrown.
 */
public final class BouncyCastleAesGcm implements Aead {

    private static final int TAG_BITS = TAG_LENGTH * 8;

    /** Per-thread cipher, the key it holds, and scratch space. */
    private static final class State {
        final GCMModeCipher cipher = GCMBlockCipher.newInstance(AESEngine.newInstance());
        final byte[] nonce = new byte[NONCE_LENGTH];
        AeadKey lastKey;
        byte[] scratchIn = new byte[0];
        byte[] scratchOut = new byte[0];

        /** Initialises the cipher, reusing the key schedule when the key is the one it already holds. */
        void init(boolean encrypt, AeadKey key) {
            KeyParameter kp = key == lastKey ? null : key.bcKey;
            lastKey = null;   // if init fails half-way, the cipher's key is unknown
            cipher.init(encrypt, new AEADParameters(kp, TAG_BITS, nonce));
            lastKey = key;
        }

        byte[] in(int n) {
            if (scratchIn.length < n) {
                scratchIn = new byte[n];
            }
            return scratchIn;
        }

        byte[] out(int n) {
            if (scratchOut.length < n) {
                scratchOut = new byte[n];
            }
            return scratchOut;
        }
    }

    private final ThreadLocal<State> state = ThreadLocal.withInitial(State::new);

    /** Creates an instance; it is thread-safe, one is enough. */
    public BouncyCastleAesGcm() {
    }

    @Override
    public String name() {
        return "bc";
    }

    @Override
    public int seal(AeadKey key, ByteBuffer plaintext, ByteBuffer out, byte[] aad) {
        int total = Envelope.checkSeal(key, plaintext, out);
        int n = plaintext.remaining();
        State s = state.get();
        NonceGenerator.next(s.nonce);

        byte[] in;
        int inOff;
        if (plaintext.hasArray()) {
            in = plaintext.array();
            inOff = plaintext.arrayOffset() + plaintext.position();
        } else {
            in = s.in(n);
            inOff = 0;
            plaintext.get(plaintext.position(), in, 0, n);
        }
        boolean direct = !out.hasArray();
        byte[] o = direct ? s.out(total) : out.array();
        int oOff = direct ? 0 : out.arrayOffset() + out.position();

        o[oOff] = VERSION;
        System.arraycopy(s.nonce, 0, o, oOff + 1, NONCE_LENGTH);
        s.init(true, key);
        s.cipher.processAADBytes(Envelope.VERSION_AAD, 0, 1);
        byte[] a = Envelope.aad(aad);
        s.cipher.processAADBytes(a, 0, a.length);
        int w = s.cipher.processBytes(in, inOff, n, o, oOff + HEADER_LENGTH);
        try {
            s.cipher.doFinal(o, oOff + HEADER_LENGTH + w);
        } catch (InvalidCipherTextException e) {
            // Only decryption checks anything; encryption cannot fail here.
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
        if (direct) {
            out.put(o, 0, total);
        } else {
            out.position(out.position() + total);
        }
        plaintext.position(plaintext.limit());
        return total;
    }

    @Override
    public int open(AeadKey key, ByteBuffer packet, ByteBuffer out, byte[] aad) throws AeadException {
        int plain = Envelope.checkOpen(key, packet, out);
        int len = packet.remaining();
        State s = state.get();

        byte[] in;
        int inOff;
        if (packet.hasArray()) {
            in = packet.array();
            inOff = packet.arrayOffset() + packet.position();
        } else {
            in = s.in(len);
            inOff = 0;
            packet.get(packet.position(), in, 0, len);
        }
        boolean direct = !out.hasArray();
        byte[] o = direct ? s.out(plain) : out.array();
        int oOff = direct ? 0 : out.arrayOffset() + out.position();

        System.arraycopy(in, inOff + 1, s.nonce, 0, NONCE_LENGTH);
        s.init(false, key);
        s.cipher.processAADBytes(Envelope.VERSION_AAD, 0, 1);
        byte[] a = Envelope.aad(aad);
        s.cipher.processAADBytes(a, 0, a.length);
        try {
            int w = s.cipher.processBytes(in, inOff + HEADER_LENGTH, len - HEADER_LENGTH, o, oOff);
            s.cipher.doFinal(o, oOff + w);
        } catch (InvalidCipherTextException | RuntimeException e) {
            // Bouncy Castle has already written unauthenticated plaintext: destroy it.
            Arrays.fill(o, oOff, oOff + plain, (byte) 0);
            throw Envelope.authenticationFailed();
        }
        if (direct) {
            out.put(o, 0, plain);
        } else {
            out.position(out.position() + plain);
        }
        packet.position(packet.limit());
        return plain;
    }

    @Override
    public String toString() {
        return "BouncyCastleAesGcm";
    }
}
