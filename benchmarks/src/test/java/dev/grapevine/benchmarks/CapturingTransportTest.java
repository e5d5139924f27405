package dev.grapevine.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.grapevine.wire.Codec;
import dev.grapevine.wire.Message;

import java.nio.ByteBuffer;
import java.util.List;

import org.junit.jupiter.api.Test;

class CapturingTransportTest {

    private static final Message.Ping PING = new Message.Ping(300, "node-2", "self", SimulatedCluster.address(0));

    @Test
    void readsTheSequenceNumberOfALeadingPing() {
        for (int seq : new int[] {0, 1, 127, 128, 300, 70_000, Integer.MAX_VALUE}) {
            Message.Ping p = new Message.Ping(seq, "node-2", "self", SimulatedCluster.address(0));
            assertEquals(seq, CapturingTransport.leadingPingSeq(ByteBuffer.wrap(Codec.encodePacket(p))));
            ByteBuffer compound = ByteBuffer.allocate(1400);
            Codec.writePacket(List.of(Codec.encodeFrame(p), Codec.encodeFrame(new Message.ViewDigest(5, 6))),
                    compound);
            assertEquals(seq, CapturingTransport.leadingPingSeq(compound.flip()));
        }
    }

    @Test
    void answersMinusOneForAnythingElse() {
        assertEquals(-1, CapturingTransport.leadingPingSeq(ByteBuffer.wrap(Codec.encodePacket(new Message.Ack(9)))));
        ByteBuffer ackFirst = ByteBuffer.allocate(1400);
        Codec.writePacket(List.of(Codec.encodeFrame(new Message.Ack(9)), Codec.encodeFrame(PING)), ackFirst);
        assertEquals(-1, CapturingTransport.leadingPingSeq(ackFirst.flip()));
        assertEquals(-1, CapturingTransport.leadingPingSeq(ByteBuffer.wrap(new byte[] {1})));
        byte[] negative = Codec.encodePacket(new Message.Ping(-1, "node-2", "self", SimulatedCluster.address(0)));
        assertEquals(-1, CapturingTransport.leadingPingSeq(ByteBuffer.wrap(negative)));
    }

    @Test
    void keepsTheLastDatagramAndPing() {
        long[] now = {5};
        CapturingTransport t = new CapturingTransport(SimulatedCluster.address(0), () -> now[0]);
        t.sendDatagram(SimulatedCluster.address(2), ByteBuffer.wrap(Codec.encodePacket(PING)));
        now[0] = 9;
        byte[] ack = Codec.encodePacket(new Message.Ack(4));
        t.sendDatagram(SimulatedCluster.address(3), ByteBuffer.wrap(ack));
        assertEquals(2, t.datagrams());
        assertEquals(1, t.pings());
        assertEquals(300, t.lastPingSeq());
        assertEquals(5, t.lastPingTime());
        assertEquals(SimulatedCluster.address(2), t.lastPingTo());
        assertEquals(SimulatedCluster.address(3), t.lastTo());
        assertEquals(ByteBuffer.wrap(ack), t.last());
    }
}
