package dev.grapevine.benchmarks;

import dev.grapevine.Stats;
import dev.grapevine.security.Encryptor;
import dev.grapevine.security.Keyring;
import dev.grapevine.security.SecureTransport;
import dev.grapevine.transport.Transport;
import dev.grapevine.wire.Codec;
import dev.grapevine.wire.DecodeException;
import dev.grapevine.wire.Message;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One datagram from one node's codec to another's, in pieces and whole: a lone ping, and a full compound
 * (a ping and as many member announcements as fill the 1400-byte packet budget, as the engine piggybacks
 * them).
 * <ul>
 *   <li>{@code encode}: the packet written into a reused buffer ({@code Codec.writePacket}: the message
 *       itself for the ping, the pre-encoded frames for the compound, as the broadcast queue holds them);</li>
 *   <li>{@code decode}: the packet read back into messages ({@code Codec.readPacket});</li>
 *   <li>{@code sealOpen}: the packet sealed and opened with AES-256-GCM ({@code Encryptor}'s buffer API);</li>
 *   <li>{@code roundTripPlain}: encode, hand to a transport (copied into its buffer), decode;</li>
 *   <li>{@code roundTripSealed}: encode, seal through a {@link SecureTransport}, open through another one
 *       (with its replay check), decode: everything a datagram costs its two ends but the socket.</li>
 * </ul>
 * Run with {@code -prof gc} for the bytes allocated per packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PacketBenchmark {

    private static final InetSocketAddress A = SimulatedCluster.address(3);
    private static final InetSocketAddress B = SimulatedCluster.address(17);

    /** {@code ping}: a lone ping; {@code compound}: a ping and member announcements up to 1400 bytes. */
    @Param({"ping", "compound"})
    public String packet;

    private Message.Ping ping;
    private List<byte[]> frames;
    private int frameCount;
    private final ByteBuffer plain = ByteBuffer.allocate(1400);
    private final ByteBuffer encoded = ByteBuffer.allocate(1400);
    private ByteBuffer sealed;
    private final ByteBuffer opened = ByteBuffer.allocate(1400);
    private Encryptor encryptor;
    private CapturingTransport plainWire;
    private CapturingTransport sealedWire;
    private SecureTransport sender;
    private Transport.Inbound sealedReceiver;
    private Transport.Inbound plainReceiver;
    private int decoded;
    private final Consumer<Message> sink = m -> decoded++;

    /** Builds the packet, the keys and the two ends. */
    @Setup
    public void setUp() {
        ping = new Message.Ping(123_456, "node-17", "node-3", A);
        frames = new ArrayList<>();
        frames.add(Codec.encodeFrame(ping));
        if (packet.equals("compound")) {
            int used = Codec.compoundHeaderSize() + frames.get(0).length
                    + Codec.compoundEntryOverhead(frames.get(0).length);
            for (int i = 1; ; i++) {
                byte[] f = Codec.encodeFrame(new Message.Alive(i, "node-" + i, SimulatedCluster.address(i),
                        Map.of("role", "app", "app.port", "8080")));
                int cost = f.length + Codec.compoundEntryOverhead(f.length);
                if (used + cost > 1400) {
                    break;
                }
                frames.add(f);
                used += cost;
            }
        } else if (!packet.equals("ping")) {
            throw new IllegalArgumentException("packet: ping or compound, not " + packet);
        }
        frameCount = frames.size();
        encode();
        encoded.put(plain).flip();
        encryptor = new Encryptor(Keyring.of(Keyring.generateKey()), "bench");
        sealed = ByteBuffer.allocate(1400 + encryptor.overhead());
        Transport.Inbound decoder = new Transport.Inbound() {
            @Override
            public void onDatagram(InetSocketAddress from, ByteBuffer datagram) {
                decodeOrFail(datagram);
            }

            @Override
            public ByteBuffer onRequest(InetSocketAddress from, ByteBuffer request) {
                return null;
            }
        };
        plainWire = new CapturingTransport(A, () -> 0);
        plainReceiver = decoder;
        sealedWire = new CapturingTransport(A, () -> 0);
        sender = new SecureTransport(sealedWire, encryptor, new Stats("a"), true, true);
        CapturingTransport receiverWire = new CapturingTransport(B, () -> 0);
        new SecureTransport(receiverWire, encryptor, new Stats("b"), true, true).start(decoder);
        sealedReceiver = receiverWire.inbound();
        decoded = 0;
        roundTripSealed();
        if (decoded != frameCount) {
            throw new IllegalStateException("decoded " + decoded + " messages of " + frameCount);
        }
    }

    /**
     * Writes the packet.
     *
     * @return the packet
     */
    @Benchmark
    public ByteBuffer encode() {
        plain.clear();
        if (frameCount == 1) {
            Codec.writePacket(ping, plain);
        } else {
            Codec.writePacket(frames, plain);
        }
        return plain.flip();
    }

    /**
     * Reads the packet.
     *
     * @return messages decoded so far
     */
    @Benchmark
    public int decode() {
        encoded.position(0);
        decodeOrFail(encoded);
        return decoded;
    }

    /**
     * Seals and opens the packet.
     *
     * @return the opened packet
     * @throws Exception never: the packet is authentic
     */
    @Benchmark
    public ByteBuffer sealOpen() throws Exception {
        encoded.position(0);
        sealed.clear();
        encryptor.encrypt(encoded, sealed);
        sealed.flip();
        opened.clear();
        encryptor.decrypt(sealed, opened);
        return opened.flip();
    }

    /**
     * Encodes, sends in plaintext, decodes.
     *
     * @return messages decoded so far
     */
    @Benchmark
    public int roundTripPlain() {
        plainWire.sendDatagram(B, encode());
        plainReceiver.onDatagram(A, plainWire.last());
        return decoded;
    }

    /**
     * Encodes, seals, opens, decodes.
     *
     * @return messages decoded so far
     */
    @Benchmark
    public int roundTripSealed() {
        sender.sendDatagram(B, encode());
        sealedReceiver.onDatagram(A, sealedWire.last());
        return decoded;
    }

    private void decodeOrFail(ByteBuffer datagram) {
        try {
            Codec.readPacket(datagram, false, sink);
        } catch (DecodeException e) {
            throw new IllegalStateException("the benchmark's own packet did not decode", e);
        }
    }
}
