package dev.grapevine.membership;

import dev.grapevine.time.ManualScheduler;
import dev.grapevine.GossipConfig;
import dev.grapevine.Stats;
import dev.grapevine.wire.Codec;
import dev.grapevine.wire.DecodeException;
import dev.grapevine.wire.Message;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whatever bytes arrive, the engine drops and counts them and keeps answering probes. */
class HostileInputProperties {

    private static final InetSocketAddress FROM = new InetSocketAddress("127.0.0.9", 7946);

    @Property(tries = 500)
    void arbitraryDatagramsAreDroppedAndCountedAndTheNodeStillAnswersPings(
            @ForAll @Size(max = 1500) byte[] junk) {
        ManualScheduler scheduler = new ManualScheduler();
        MembershipEngineTest.RecordingTransport transport = new MembershipEngineTest.RecordingTransport();
        Stats stats = new Stats();
        MembershipEngine engine = new MembershipEngine("self", new InetSocketAddress("127.0.0.1", 7946),
                Map.of(), GossipConfig.lan(), scheduler, transport, new Random(1), stats, e -> { });
        engine.start();
        long dropsBefore = stats.droppedTotal();
        boolean valid = decodes(junk);
        engine.onDatagram(FROM, ByteBuffer.wrap(junk));
        if (!valid) {
            assertEquals(dropsBefore + 1, stats.droppedTotal(), "an undecodable datagram is counted once");
        }
        // The stream path takes the same bytes without throwing either.
        engine.onRequest(FROM, ByteBuffer.wrap(junk));
        // Still alive: a ping gets an ack.
        transport.sent.clear();
        transport.to.clear();
        engine.onDatagram(FROM, ByteBuffer.wrap(Codec.encodePacket(new Message.Ping(77, "self", "peer", FROM))));
        assertTrue(acks(transport).contains(77), "the node still answers a ping");
    }

    private static boolean decodes(byte[] bytes) {
        try {
            Codec.readPacket(ByteBuffer.wrap(bytes), false, m -> { });
            return true;
        } catch (DecodeException e) {
            return false;
        }
    }

    private static List<Integer> acks(MembershipEngineTest.RecordingTransport t) {
        List<Integer> out = new ArrayList<>();
        for (ByteBuffer b : t.sent) {
            try {
                Codec.readPacket(b.duplicate(), false, m -> {
                    if (m instanceof Message.Ack a) {
                        out.add(a.seq());
                    }
                });
            } catch (DecodeException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }
}
