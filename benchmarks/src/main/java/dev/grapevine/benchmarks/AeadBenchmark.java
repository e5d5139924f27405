package dev.grapevine.benchmarks;

import dev.grapevine.security.Aead;
import dev.grapevine.security.AeadException;
import dev.grapevine.security.AeadKey;
import dev.grapevine.security.BouncyCastleAesGcm;
import dev.grapevine.security.Encryptor;
import dev.grapevine.security.JdkAesGcm;
import dev.grapevine.security.Keyring;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

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
 * One packet sealed and opened again, as every datagram costs its sender and receiver: the JDK's AES-GCM
 * against Bouncy Castle's lightweight one, at a small packet (200 B, a ping with a few piggybacked
 * broadcasts) and a full one (1400 B, the UDP packet budget). AES-256, the cluster label as associated
 * data, the zero-allocation buffer API the transport uses.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar AeadBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s};
 * results in benchmarks/README.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class AeadBenchmark {

    /** Plaintext bytes per packet. */
    @Param({"200", "1400"})
    public int size;

    /** Which implementation: {@code jdk} or {@code bc}. */
    @Param({"jdk", "bc"})
    public String impl;

    private Aead aead;
    private AeadKey key;
    private byte[] aad;
    private ByteBuffer plaintext;
    private ByteBuffer sealed;
    private ByteBuffer opened;

    /** Builds the cipher, a random key and packet, and the reusable buffers. */
    @Setup
    public void setUp() {
        aead = impl.equals("jdk") ? new JdkAesGcm() : new BouncyCastleAesGcm();
        key = AeadKey.of(Keyring.generateKey());
        aad = Encryptor.aadFor("bench");
        byte[] p = new byte[size];
        ThreadLocalRandom.current().nextBytes(p);
        plaintext = ByteBuffer.wrap(p);
        sealed = ByteBuffer.allocate(size + Aead.OVERHEAD);
        opened = ByteBuffer.allocate(size);
    }

    /**
     * Seals the packet, then opens it.
     *
     * @return the opened buffer (consumed by JMH so nothing is optimised away)
     * @throws AeadException never: the packet is authentic
     */
    @Benchmark
    public ByteBuffer sealOpen() throws AeadException {
        plaintext.clear();
        sealed.clear();
        opened.clear();
        aead.seal(key, plaintext, sealed, aad);
        sealed.flip();
        aead.open(key, sealed, opened, aad);
        return opened;
    }
}
