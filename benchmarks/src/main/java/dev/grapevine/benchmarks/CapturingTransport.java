package dev.grapevine.benchmarks;

import dev.grapevine.transport.Transport;
import dev.grapevine.wire.Codec;
import dev.grapevine.wire.MessageType;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A transport that sends nothing anywhere: it copies the last datagram sent into one reused buffer (so a
 * benchmark can read it back), notes the sequence number of the last ping sent, and refuses every request.
 * Allocates nothing per datagram, so what a benchmark measures through it is the engine's own cost.
 */
final class CapturingTransport implements Transport {

    private final InetSocketAddress address;
    private final java.util.function.LongSupplier clock;
    private final ByteBuffer last = ByteBuffer.allocate(65_536);
    private Inbound inbound;
    private long datagrams;
    private InetSocketAddress lastTo;
    private long pings;
    private int lastPingSeq;
    private InetSocketAddress lastPingTo;
    private long lastPingTime;

    /** A transport at {@code address} that stamps pings with {@code clock}. */
    CapturingTransport(InetSocketAddress address, java.util.function.LongSupplier clock) {
        this.address = address;
        this.clock = clock;
    }

    @Override
    public InetSocketAddress boundAddress() {
        return address;
    }

    @Override
    public void start(Inbound in) {
        this.inbound = in;
    }

    /** What the engine registered to receive traffic. */
    Inbound inbound() {
        return inbound;
    }

    @Override
    public void sendDatagram(InetSocketAddress to, ByteBuffer datagram) {
        last.clear();
        last.put(datagram);
        last.flip();
        lastTo = to;
        datagrams++;
        int seq = leadingPingSeq(last);
        if (seq != -1) {
            pings++;
            lastPingSeq = seq;
            lastPingTo = to;
            lastPingTime = clock.getAsLong();
        }
    }

    /** When the last ping was sent, on the clock given at construction. */
    long lastPingTime() {
        return lastPingTime;
    }

    /** Pings sent so far (datagrams whose first frame is a PING). */
    long pings() {
        return pings;
    }

    /** The sequence number of the last ping sent. */
    int lastPingSeq() {
        return lastPingSeq;
    }

    /** Where the last ping went. */
    InetSocketAddress lastPingTo() {
        return lastPingTo;
    }

    /**
     * The sequence number of the ping that starts {@code packet} (plain, or first in a compound of fewer than
     * 128 frames whose first frame is shorter than 128 bytes: all the engine sends), or -1 when it starts
     * with something else. Reads the bytes in place; a sequence number above 2^31 - 1 reads as -1 too.
     */
    static int leadingPingSeq(ByteBuffer packet) {
        int p = 0;
        if (packet.limit() < 3 || packet.get(p++) != Codec.VERSION) {
            return -1;
        }
        if (packet.get(p) == MessageType.COMPOUND.code) {
            p += 3; // type, frame count, length of the first frame
        }
        if (p >= packet.limit() || packet.get(p++) != MessageType.PING.code) {
            return -1;
        }
        int value = 0;
        for (int shift = 0; shift < 32 && p < packet.limit(); shift += 7) {
            byte b = packet.get(p++);
            value |= (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        return -1;
    }

    /** The last datagram sent (position 0, limit its length); valid until the next send. */
    ByteBuffer last() {
        return last;
    }

    /** Where the last datagram went. */
    InetSocketAddress lastTo() {
        return lastTo;
    }

    /** Datagrams sent so far. */
    long datagrams() {
        return datagrams;
    }

    @Override
    public void request(InetSocketAddress to, ByteBuffer request, long timeoutNanos, Reply reply) {
        reply.onFailure(new IOException("the benchmark transport opens no streams"));
    }

    @Override
    public int maxFrameSize() {
        return 8 << 20;
    }

    @Override
    public void close() {
    }
}
