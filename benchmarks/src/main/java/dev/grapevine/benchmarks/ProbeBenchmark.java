package dev.grapevine.benchmarks;

import dev.grapevine.wire.Codec;
import dev.grapevine.wire.Message;
import dev.grapevine.wire.MessageType;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The failure detector's steady state, through a real {@link dev.grapevine.membership.MembershipEngine} that
 * knows 100 alive members and has nothing left to gossip (so each ping and ack carries a view digest):
 * <ul>
 *   <li>{@code probeAndAck}: one probe period of ours: the probe tick picks a member, encodes and sends a
 *       ping (timers for its timeout and its end are set), then the member's ack comes back and is decoded
 *       and matched (the timers are cancelled);</li>
 *   <li>{@code answerPing}: a member's ping arrives, is decoded, and our ack goes back.</li>
 * </ul>
 * Run with {@code -prof gc} for the allocation per operation. The transport copies datagrams into one
 * reused buffer (no allocation); the timers are the simulator's, one small object each (production's event
 * loop also allocates one per timer).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ProbeBenchmark {

    private static final int MEMBERS = 100;
    private static final InetSocketAddress PEER = SimulatedCluster.address(1);

    private BenchEngine bench;
    private Duration probeInterval;
    private final ByteBuffer ack = ByteBuffer.allocate(16);
    private ByteBuffer ping;
    private long pingsBefore;
    private final BooleanSupplier pingSent = () -> bench.transport.pings() > pingsBefore;

    /** An engine that knows {@value #MEMBERS} members and has spread all it had to. */
    @Setup
    public void setUp() {
        bench = new BenchEngine();
        bench.servePushPull(BenchEngine.pushPullPacket(MEMBERS));
        probeInterval = bench.config.probeInterval();
        ping = ByteBuffer.wrap(Codec.encodePacket(new Message.Ping(12345, "self", "node-1", PEER)));
        // Every probe is acked, so nobody is suspected; the join news about the members is gossiped out.
        for (int i = 0; i < 50 * MEMBERS; i++) {
            nextProbeAcked();
        }
        if (bench.aliveMembers() != MEMBERS + 1) {
            throw new IllegalStateException("expected " + (MEMBERS + 1) + " alive members, the engine has "
                    + bench.aliveMembers());
        }
        // Line up with the probe ticks (one interval apart while every probe is acked).
        bench.net.runFor(Duration.ofNanos(bench.transport.lastPingTime() + probeInterval.toNanos()
                - bench.net.now()));
        ackLastPing();
        if (framesInLastPacket() != 2) {
            throw new IllegalStateException("the engine still piggybacks broadcasts: its ping holds "
                    + framesInLastPacket() + " frames, not ping + view digest");
        }
    }

    /**
     * One probe period: virtual time runs one probe interval, to the instant the probe tick sends its ping;
     * the ack comes back at that same instant.
     *
     * @return the sequence number acked
     */
    @Benchmark
    public int probeAndAck() {
        long before = bench.transport.pings();
        bench.net.runFor(probeInterval);
        if (bench.transport.pings() != before + 1 || bench.transport.lastPingTime() != bench.net.now()) {
            throw new IllegalStateException("the probe ticks are no longer one interval apart");
        }
        ackLastPing();
        return bench.transport.lastPingSeq();
    }

    /** Runs until the next ping (checked every 10 ms of virtual time) and acks it. */
    private void nextProbeAcked() {
        pingsBefore = bench.transport.pings();
        if (!bench.net.runUntil(pingSent, probeInterval.multipliedBy(2))) {
            throw new IllegalStateException("no ping within two probe intervals");
        }
        ackLastPing();
    }

    private void ackLastPing() {
        ack.clear();
        ack.put((byte) Codec.VERSION).put((byte) MessageType.ACK.code);
        putVarint(ack, bench.transport.lastPingSeq());
        ack.flip();
        bench.transport.inbound().onDatagram(bench.transport.lastPingTo(), ack);
    }

    /**
     * A ping arrives and is answered.
     *
     * @return datagrams sent so far
     */
    @Benchmark
    public long answerPing() {
        ping.position(0);
        bench.transport.inbound().onDatagram(PEER, ping);
        return bench.transport.datagrams();
    }

    /** Frames in the last datagram sent, a compound (its count byte). */
    private int framesInLastPacket() {
        return bench.transport.last().get(2);
    }

    private static void putVarint(ByteBuffer out, int v) {
        long u = Integer.toUnsignedLong(v);
        while (u >= 0x80) {
            out.put((byte) (u | 0x80));
            u >>>= 7;
        }
        out.put((byte) u);
    }
}
