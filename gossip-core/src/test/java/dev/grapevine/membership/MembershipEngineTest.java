package dev.grapevine.membership;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipConfig;
import dev.grapevine.MemberStatus;
import dev.grapevine.Stats;
import dev.grapevine.transport.Transport;
import dev.grapevine.wire.Codec;
import dev.grapevine.wire.DecodeException;
import dev.grapevine.wire.Message;
import dev.grapevine.wire.Message.Alive;
import dev.grapevine.wire.Message.Dead;
import dev.grapevine.wire.Message.Suspect;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The merge rules of one engine, driven by hand. */
class MembershipEngineTest {

    private static final InetSocketAddress SELF = new InetSocketAddress("127.0.0.1", 7946);
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.2", 7946);

    private final ManualScheduler scheduler = new ManualScheduler();
    private final RecordingTransport transport = new RecordingTransport();
    private final List<ClusterEvent> events = new ArrayList<>();
    private MembershipEngine engine;

    @BeforeEach
    void start() {
        engine = new MembershipEngine("self", SELF, Map.of("role", "app"), GossipConfig.lan(), scheduler,
                transport, new Random(1), new Stats(), events::add);
        engine.start();
    }

    private List<Message> sentMessages() {
        List<Message> out = new ArrayList<>();
        for (ByteBuffer b : transport.sent) {
            try {
                Codec.readPacket(b.duplicate(), false, out::add);
            } catch (DecodeException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    @Test
    void suspectRefutedByHigherIncarnation() {
        engine.onAlive(new Alive(1, "peer", PEER, Map.of()));
        long before = engine.member("self").incarnation();
        engine.onSuspect(new Suspect(before, "self", "peer"));
        long after = engine.member("self").incarnation();
        assertTrue(after > before, "incarnation " + before + " -> " + after);
        assertEquals(MemberStatus.ALIVE, engine.member("self").status());
        scheduler.advance(300_000_000L); // a gossip round carries the refutation
        assertTrue(sentMessages().stream().anyMatch(m -> m instanceof Alive a && a.node().equals("self")
                && a.incarnation() == after), "refutation broadcast");
    }

    @Test
    void deathReportAboutSelfIsRefutedToo() {
        engine.onAlive(new Alive(1, "peer", PEER, Map.of()));
        engine.onDead(new Dead(7, "self", "peer"));
        assertEquals(8, engine.member("self").incarnation());
        assertEquals(MemberStatus.ALIVE, engine.member("self").status());
    }

    @Test
    void suspicionAtOldIncarnationIsIgnoredAndAliveAtHigherClearsIt() {
        engine.onAlive(new Alive(5, "peer", PEER, Map.of()));
        engine.onSuspect(new Suspect(4, "peer", "x"));
        assertEquals(MemberStatus.ALIVE, engine.member("peer").status());
        engine.onSuspect(new Suspect(5, "peer", "x"));
        assertEquals(MemberStatus.SUSPECT, engine.member("peer").status());
        engine.onAlive(new Alive(5, "peer", PEER, Map.of()));
        assertEquals(MemberStatus.SUSPECT, engine.member("peer").status(), "same incarnation does not refute");
        engine.onAlive(new Alive(6, "peer", PEER, Map.of()));
        assertEquals(MemberStatus.ALIVE, engine.member("peer").status());
    }

    @Test
    void unrefutedSuspicionEndsInFailureAfterTheTimeout() {
        engine.onAlive(new Alive(1, "peer", PEER, Map.of()));
        engine.onSuspect(new Suspect(1, "peer", "x"));
        // Two members: no confirmations wanted, so the minimum timeout (4 s) applies.
        scheduler.advance(3_900_000_000L);
        assertEquals(MemberStatus.SUSPECT, engine.member("peer").status());
        scheduler.advance(200_000_000L);
        assertEquals(MemberStatus.FAILED, engine.member("peer").status());
        assertTrue(events.stream().anyMatch(e -> e instanceof ClusterEvent.MemberFailed f
                && f.member().name().equals("peer")));
    }

    @Test
    void leaveAnnouncementMakesTheMemberLeftAndAnnouncesIt() {
        engine.onAlive(new Alive(1, "peer", PEER, Map.of()));
        engine.onDead(new Dead(1, "peer", "peer"));
        assertEquals(MemberStatus.LEFT, engine.member("peer").status());
        assertTrue(events.stream().anyMatch(e -> e instanceof ClusterEvent.MemberLeft));
    }

    @Test
    void failedMemberComesBackWithHigherIncarnationAndIsJoinedAgain() {
        engine.onAlive(new Alive(1, "peer", PEER, Map.of()));
        engine.onDead(new Dead(1, "peer", "x"));
        engine.onAlive(new Alive(1, "peer", PEER, Map.of()));
        assertEquals(MemberStatus.FAILED, engine.member("peer").status(), "old news");
        engine.onAlive(new Alive(2, "peer", PEER, Map.of()));
        assertEquals(MemberStatus.ALIVE, engine.member("peer").status());
        assertEquals(2, events.stream().filter(e -> e instanceof ClusterEvent.MemberJoined j
                && j.member().name().equals("peer")).count());
    }

    @Test
    void failedMemberIsReapedAfterTheReconnectTimeout() {
        engine.onAlive(new Alive(1, "peer", PEER, Map.of()));
        engine.onDead(new Dead(1, "peer", "x"));
        scheduler.advance(GossipConfig.lan().reconnectTimeout().toNanos() + 20_000_000_000L);
        assertEquals(null, engine.member("peer"));
        assertTrue(events.stream().anyMatch(e -> e instanceof ClusterEvent.MemberReaped));
    }

    @Test
    void probeCarriesSuspicionToTheSuspectItself() {
        engine.onAlive(new Alive(1, "peer", PEER, Map.of()));
        engine.onSuspect(new Suspect(1, "peer", "x"));
        transport.sent.clear();
        scheduler.advance(1_100_000_000L); // one probe interval (plus stagger)
        List<Message> sent = sentMessages();
        assertTrue(sent.stream().anyMatch(m -> m instanceof Message.Ping), "probed");
        assertTrue(sent.stream().anyMatch(m -> m instanceof Suspect s && s.node().equals("peer")),
                "buddy system: the suspicion travels with the probe");
    }

    /** Records datagrams; streams fail. */
    static final class RecordingTransport implements Transport {
        final List<ByteBuffer> sent = new ArrayList<>();
        final List<InetSocketAddress> to = new ArrayList<>();

        @Override
        public InetSocketAddress boundAddress() {
            return SELF;
        }

        @Override
        public void start(Inbound inbound) {
        }

        @Override
        public void sendDatagram(InetSocketAddress to, ByteBuffer datagram) {
            ByteBuffer copy = ByteBuffer.allocate(datagram.remaining());
            copy.put(datagram.duplicate()).flip();
            sent.add(copy);
            this.to.add(to);
        }

        @Override
        public void request(InetSocketAddress to, ByteBuffer request, long timeoutNanos, Reply reply) {
            reply.onFailure(new java.net.ConnectException("no streams in this test"));
        }

        @Override
        public int maxFrameSize() {
            return 1 << 20;
        }

        @Override
        public void close() {
        }
    }
}
