package dev.grapevine.security;

import java.security.SecureRandom;

/**
 * Per-thread GCM nonces: a 64-bit random prefix followed by a 32-bit counter that starts at a random value.
 * See {@link Aead}'s "Nonces" section for why this beats a random nonce per packet.
 *
 * <p>Thread confinement makes it lock-free: {@link #next(byte[])} uses the calling thread's state only.
 */
final class NonceGenerator {

    /** Packets one prefix may seal before both prefix and counter are drawn again (the counter's range). */
    static final long PER_PREFIX = 1L << 32;

    // Shared, used only when a thread starts or exhausts a prefix; SecureRandom is thread-safe.
    private static final SecureRandom SEEDS = new SecureRandom();

    private static final ThreadLocal<NonceGenerator> PER_THREAD = ThreadLocal.withInitial(NonceGenerator::new);

    private long prefix;
    private int counter;
    private long used;

    private NonceGenerator() {
        reseed();
    }

    private void reseed() {
        prefix = SEEDS.nextLong();
        counter = SEEDS.nextInt();
        used = 0;
    }

    /**
     * Writes the calling thread's next nonce into {@code nonce[0..12)}.
     *
     * @param nonce at least {@link Aead#NONCE_LENGTH} bytes
     */
    static void next(byte[] nonce) {
        PER_THREAD.get().fill(nonce);
    }

    private void fill(byte[] nonce) {
        if (used == PER_PREFIX) {
            reseed();
        }
        used++;
        long p = prefix;
        for (int i = 7; i >= 0; i--) {
            nonce[i] = (byte) p;
            p >>>= 8;
        }
        int c = counter++;   // wraps modulo 2^32: a prefix covers each counter value once
        nonce[8] = (byte) (c >>> 24);
        nonce[9] = (byte) (c >>> 16);
        nonce[10] = (byte) (c >>> 8);
        nonce[11] = (byte) c;
    }

    /** For tests: make the calling thread's generator behave as if {@code n} nonces had been used. */
    static void skipForTest(long n) {
        NonceGenerator g = PER_THREAD.get();
        g.used = n;
        g.counter += (int) n;
    }
}
