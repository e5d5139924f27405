package dev.grapevine.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The two implementations interoperate, the envelope is plain AES-GCM as documented (so another language
 * can implement it), nonces never repeat, and caller mistakes fail before anything is written.
 */
class CipherInteropTest {

    private final Aead jdk = new JdkAesGcm();
    private final Aead bc = new BouncyCastleAesGcm();

    @ParameterizedTest
    @ValueSource(ints = {16, 24, 32})
    void jdkSealedOpensWithBouncyCastleAndBack(int keySize) throws AeadException {
        byte[] key = Arrays.copyOf(Keyring.generateKey(), keySize);
        byte[] aad = Encryptor.aadFor("shop");
        byte[] msg = "ping from app1 to app2, incarnation 7".getBytes(StandardCharsets.UTF_8);

        byte[] byJdk = jdk.seal(key, msg, 0, msg.length, aad);
        byte[] byBc = bc.seal(key, msg, 0, msg.length, aad);
        assertArrayEquals(msg, bc.open(key, byJdk, 0, byJdk.length, aad));
        assertArrayEquals(msg, jdk.open(key, byBc, 0, byBc.length, aad));
        assertNotEquals(Arrays.toString(byJdk), Arrays.toString(byBc), "fresh nonces make distinct envelopes");
    }

    @Test
    void envelopeIsPlainAesGcmWithTheVersionByteBeforeTheAad() throws Exception {
        byte[] key = Keyring.generateKey();
        byte[] aad = Encryptor.aadFor("shop");
        byte[] msg = new byte[1400];
        Arrays.fill(msg, (byte) 0x5a);
        for (Aead impl : List.of(jdk, bc)) {
            byte[] packet = impl.seal(key, msg, 0, msg.length, aad);
            // What an implementation in any other language does: version, 12-byte nonce, GCM(ct || tag)
            // with associated data = version byte followed by the cluster label.
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(128, packet, 1, 12));
            c.updateAAD(new byte[] {Aead.VERSION});
            c.updateAAD(aad);
            assertArrayEquals(msg, c.doFinal(packet, 13, packet.length - 13), impl.name());
        }
    }

    @Test
    void keySchedulesCachedPerThreadFollowKeyChanges() throws AeadException {
        // Bouncy Castle reuses the key schedule when the same AeadKey comes back: alternate keys and
        // failures to make sure the cache never answers with a stale key.
        AeadKey a = AeadKey.of(Keyring.generateKey());
        AeadKey b = AeadKey.of(Keyring.generateKey());
        for (Aead impl : List.of(jdk, bc)) {
            for (int i = 0; i < 20; i++) {
                AeadKey k = i % 3 == 0 ? a : b;
                AeadKey other = k == a ? b : a;
                ByteBuffer sealed = ByteBuffer.allocate(10 + Aead.OVERHEAD);
                impl.seal(k, ByteBuffer.wrap(new byte[10]), sealed, null);
                sealed.flip();
                assertThrows(AeadException.class, () -> impl.open(other, sealed, ByteBuffer.allocate(10), null));
                assertEquals(10, impl.open(k, sealed, ByteBuffer.allocate(10), null));
            }
        }
    }

    @Test
    void noncesNeverRepeatOnOneThreadOrAcrossThreads() throws Exception {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        int threads = 4;
        int perThread = 50_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    byte[] n = new byte[Aead.NONCE_LENGTH];
                    int dups = 0;
                    for (int i = 0; i < perThread; i++) {
                        NonceGenerator.next(n);
                        if (!seen.add(Arrays.toString(n))) {
                            dups++;
                        }
                    }
                    return dups;
                }));
            }
            start.countDown();
            for (Future<Integer> f : results) {
                assertEquals(0, f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * perThread, seen.size());
    }

    @Test
    void aThreadDrawsANewPrefixAfterTwoToThe32Nonces() throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            one.submit(() -> {
                byte[] before = new byte[12];
                byte[] after = new byte[12];
                NonceGenerator.next(before);
                NonceGenerator.skipForTest(NonceGenerator.PER_PREFIX);
                NonceGenerator.next(after);
                assertTrue(!Arrays.equals(Arrays.copyOf(before, 8), Arrays.copyOf(after, 8)), "new prefix");
                // Same prefix, consecutive counters, until then.
                byte[] n1 = new byte[12];
                byte[] n2 = new byte[12];
                NonceGenerator.next(n1);
                NonceGenerator.next(n2);
                assertArrayEquals(Arrays.copyOf(n1, 8), Arrays.copyOf(n2, 8));
                assertEquals(ByteBuffer.wrap(n1, 8, 4).getInt() + 1, ByteBuffer.wrap(n2, 8, 4).getInt());
                return null;
            }).get();
        } finally {
            one.shutdownNow();
        }
    }

    @Test
    void concurrentSealAndOpenOnSharedInstances() throws Exception {
        AeadKey key = AeadKey.of(Keyring.generateKey());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Void>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Aead sealer = t % 2 == 0 ? jdk : bc;
                Aead opener = t % 2 == 0 ? bc : jdk;
                int seed = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        byte[] msg = new byte[(i * 31 + seed) % 1400];
                        Arrays.fill(msg, (byte) i);
                        ByteBuffer sealed = ByteBuffer.allocate(msg.length + Aead.OVERHEAD);
                        sealer.seal(key, ByteBuffer.wrap(msg), sealed, null);
                        ByteBuffer out = ByteBuffer.allocate(msg.length);
                        opener.open(key, sealed.flip(), out, null);
                        assertArrayEquals(msg, out.array());
                    }
                    return null;
                }));
            }
            for (Future<Void> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void callerMistakesAreIllegalArgumentsAndWriteNothing() {
        AeadKey key = AeadKey.of(Keyring.generateKey());
        for (Aead impl : List.of(jdk, bc)) {
            ByteBuffer small = ByteBuffer.allocate(10 + Aead.OVERHEAD - 1);
            ByteBuffer msg = ByteBuffer.wrap(new byte[10]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> impl.seal(key, msg, small, null));
            assertEquals("output has 38 bytes left, the envelope needs 39", e.getMessage());
            assertEquals(0, small.position());
            assertEquals(0, msg.position());

            byte[] shared = new byte[100];
            assertThrows(IllegalArgumentException.class,
                    () -> impl.seal(key, ByteBuffer.wrap(shared, 0, 10), ByteBuffer.wrap(shared, 5, 60), null));

            byte[] packet = impl.seal(key.bytes(), new byte[10], 0, 10, null);
            e = assertThrows(IllegalArgumentException.class,
                    () -> impl.open(key, ByteBuffer.wrap(packet), ByteBuffer.allocate(9), null));
            assertEquals("output has 9 bytes left, the plaintext needs 10", e.getMessage());

            e = assertThrows(IllegalArgumentException.class, () -> impl.seal(new byte[20], new byte[1], 0, 1, null));
            assertEquals("20 bytes, must be 16, 24 or 32", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> impl.seal(key.bytes(), new byte[1], 1, 1, null));
        }
    }

    @Test
    void truncatedPacketsSayHowShort() {
        byte[] key = Keyring.generateKey();
        for (Aead impl : List.of(jdk, bc)) {
            for (int len = 0; len < Aead.OVERHEAD; len++) {
                byte[] p = new byte[len];
                AeadException e = assertThrows(AeadException.class, () -> impl.open(key, p, 0, p.length, null));
                assertEquals("truncated: " + len + " bytes, an envelope has at least 29", e.getMessage());
                assertEquals(0, e.getStackTrace().length, "no stack trace");
            }
        }
    }

    @Test
    void emptyPlaintextSealsToJustTheOverhead() throws AeadException {
        byte[] key = Keyring.generateKey();
        Set<Integer> sizes = new HashSet<>();
        for (Aead impl : List.of(jdk, bc)) {
            byte[] p = impl.seal(key, new byte[0], 0, 0, null);
            sizes.add(p.length);
            assertEquals(0, impl.open(key, p, 0, p.length, null).length);
            assertEquals(29, impl.overhead());
        }
        assertEquals(Set.of(29), sizes);
    }
}
