package dev.grapevine.security;

/**
 * Remembers the nonces of the last {@code capacity} authentic packets, so that a captured packet sent again
 * is recognised and dropped as a replay.
 *
 * <p>Every sealed packet carries a nonce that is never used twice under a key, so a repeated nonce is a
 * replay. The cache is small and fixed (a ring of 64-bit nonce fingerprints plus an open-addressing index,
 * 24 KiB for 1,024 entries), because an embedded node must stay cheap. A replay older than the cache is not
 * caught here; it is harmless above: every membership message is judged by incarnation, every event and
 * query by Lamport time and de-duplication, so old news changes nothing.
 *
 * <p>Confined to one thread (the node's protocol thread).
 */
final class ReplayCache {

    /** Marks an empty index slot (a real fingerprint of 0 is remapped). */
    private static final long EMPTY = 0;

    private final long[] ring;
    private final long[] index;
    private final int mask;
    private int next;
    private int size;

    /** A cache of {@code capacity} nonces (a power of two). */
    ReplayCache(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two, was " + capacity);
        }
        ring = new long[capacity];
        index = new long[capacity * 2];
        mask = index.length - 1;
    }

    /** Records the nonce at {@code packet[offset, offset + 12)}; false when it was already there (a replay). */
    boolean firstSeen(byte[] packet, int offset) {
        long f = fingerprint(packet, offset);
        if (contains(f)) {
            return false;
        }
        if (size == ring.length) {
            remove(ring[next]);
        } else {
            size++;
        }
        ring[next] = f;
        next = (next + 1) % ring.length;
        insert(f);
        return true;
    }

    private static long fingerprint(byte[] b, int off) {
        long hi = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (b[off + i] & 0xFF);
        }
        long lo = 0;
        for (int i = 8; i < 12; i++) {
            lo = (lo << 8) | (b[off + i] & 0xFF);
        }
        long f = hi ^ (lo * 0x9E3779B97F4A7C15L);
        return f == EMPTY ? 1 : f;
    }

    private int slot(long f) {
        return (int) (f ^ (f >>> 29)) & mask;
    }

    private boolean contains(long f) {
        for (int i = slot(f); index[i] != EMPTY; i = (i + 1) & mask) {
            if (index[i] == f) {
                return true;
            }
        }
        return false;
    }

    private void insert(long f) {
        int i = slot(f);
        while (index[i] != EMPTY) {
            i = (i + 1) & mask;
        }
        index[i] = f;
    }

    /** Removes with backward-shift deletion, so probing chains stay intact. */
    private void remove(long f) {
        int i = slot(f);
        while (index[i] != f) {
            if (index[i] == EMPTY) {
                return;
            }
            i = (i + 1) & mask;
        }
        int hole = i;
        for (int j = (hole + 1) & mask; index[j] != EMPTY; j = (j + 1) & mask) {
            int home = slot(index[j]);
            // Move j back into the hole unless its home lies cyclically in (hole, j].
            boolean between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!between) {
                index[hole] = index[j];
                hole = j;
            }
        }
        index[hole] = EMPTY;
    }
}
