package dev.grapevine.benchmarks;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The floor under {@link AeadBenchmark}'s {@code jdk} case: a bare {@code AES/GCM/NoPadding} cipher sealing and
 * opening one packet with a counter nonce, no envelope, no keyring, no thread-local lookups. The gap between
 * the two is what {@code JdkAesGcm} itself costs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class JdkGcmBaselineBenchmark {

    /** Plaintext bytes per packet. */
    @Param({"200", "1400"})
    public int size;

    private Cipher cipher;
    private SecretKeySpec key;
    private final byte[] nonce = new byte[12];
    private long counter;
    private byte[] aad;
    private ByteBuffer plaintext;
    private ByteBuffer sealed;
    private ByteBuffer opened;

    /** A random key and packet, the cipher and the buffers. */
    @Setup
    public void setUp() throws Exception {
        cipher = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] k = new byte[32];
        ThreadLocalRandom.current().nextBytes(k);
        key = new SecretKeySpec(k, "AES");
        aad = "grapevine/v1/bench".getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[size];
        ThreadLocalRandom.current().nextBytes(p);
        plaintext = ByteBuffer.wrap(p);
        sealed = ByteBuffer.allocate(size + 16);
        opened = ByteBuffer.allocate(size);
    }

    /**
     * Seals, then opens.
     *
     * @return the opened buffer
     * @throws Exception never
     */
    @Benchmark
    public ByteBuffer sealOpen() throws Exception {
        long c = ++counter;
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (c >>> (56 - 8 * i));
        }
        plaintext.clear();
        sealed.clear();
        opened.clear();
        GCMParameterSpec spec = new GCMParameterSpec(128, nonce);
        cipher.init(Cipher.ENCRYPT_MODE, key, spec);
        cipher.updateAAD(aad);
        cipher.doFinal(plaintext, sealed);
        sealed.flip();
        cipher.init(Cipher.DECRYPT_MODE, key, spec);
        cipher.updateAAD(aad);
        cipher.doFinal(sealed, opened);
        return opened;
    }
}
