package dev.grapevine.membership;

import dev.grapevine.time.ManualScheduler;
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
    void assumedMembersAreKnownAliveAndNeverAnnounced() {
        List<dev.grapevine.Member> assumed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            assumed.add(new dev.grapevine.Member("m" + i, new InetSocketAddress("127.0.0.3", 8000 + i),
                    Map.of("role", "db"), MemberStatus.ALIVE, 3));
        }
        // This node's own entry and a second entry for m0 are skipped.
        assumed.add(new dev.grapevine.Member("self", SELF, Map.of(), MemberStatus.ALIVE, 9));
        assumed.add(new dev.grapevine.Member("m0", PEER, Map.of(), MemberStatus.ALIVE, 1));
        events.clear();
        engine.assumeAlive(assumed);
        assertEquals(6, engine.liveCount());
        for (int i = 0; i < 5; i++) {
            dev.grapevine.Member m = engine.member("m" + i);
            assertEquals(MemberStatus.ALIVE, m.status());
            assertEquals(3, m.incarnation());
            assertEquals(Map.of("role", "db"), m.tags());
            assertEquals(8000 + i, m.address().getPort());
        }
        assertEquals(1, engine.member("self").incarnation());
        assertEquals(5, events.size());
        assertTrue(events.stream().allMatch(e -> e instanceof ClusterEvent.MemberJoined), events.toString());

        // Ten seconds of probing and gossip: the only announcement ever sent is this node's own.
        scheduler.advance(10_000_000_000L);
        List<Message> sent = sentMessages();
        assertTrue(sent.stream().anyMatch(m -> m instanceof Message.Ping), "the assumed members are probed");
        assertTrue(sent.stream().anyMatch(m -> m instanceof Alive a && a.node().equals("self")), "own start");
        assertTrue(sent.stream().noneMatch(m -> m instanceof Alive a && !a.node().equals("self")), sent.toString());

        // Whereas a member learned from a message is announced.
        engine.onAlive(new Alive(1, "peer", PEER, Map.of()));
        scheduler.advance(1_000_000_000L);
        assertTrue(sentMessages().stream().anyMatch(m -> m instanceof Alive a && a.node().equals("peer")));
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

    /** The digest must stay the XOR of the published members' hashes through every kind of change. */
    private void assertDigestMatchesMembers(String step) {
        long expected = 0;
        for (dev.grapevine.Member m : engine.members()) {
            expected ^= MembershipEngine.memberHash(m);
            assertEquals(m, engine.member(m.name()), step + ": " + m.name());
        }
        assertEquals(expected, engine.viewDigest(), step);
    }

    @Test
    void viewDigestFollowsEveryPublishedChange() {
        InetSocketAddress a = new InetSocketAddress("127.0.0.3", 7946);
        InetSocketAddress b = new InetSocketAddress("127.0.0.4", 7946);
        InetSocketAddress c = new InetSocketAddress("127.0.0.5", 7946);
        assertDigestMatchesMembers("self alone");
        engine.onAlive(new Alive(1, "a", a, Map.of("role", "db")));
        engine.onAlive(new Alive(1, "b", b, Map.of()));
        engine.onAlive(new Alive(3, "c", c, Map.of("role", "app")));
        assertEquals(4, engine.members().size());
        assertDigestMatchesMembers("three joined");
        engine.onSuspect(new Suspect(1, "a", "b"));
        assertEquals(MemberStatus.SUSPECT, engine.member("a").status());
        assertDigestMatchesMembers("a suspected");
        engine.onAlive(new Alive(2, "a", a, Map.of("role", "db", "db.port", "5432")));
        assertEquals(Map.of("role", "db", "db.port", "5432"), engine.member("a").tags());
        assertEquals(2, engine.member("a").incarnation());
        assertDigestMatchesMembers("a refuted with new tags");
        engine.onDead(new Dead(1, "b", "c"));
        assertDigestMatchesMembers("b failed");
        engine.updateTags(Map.of("role", "web"));
        assertEquals("web", engine.member("self").tag("role"));
        assertDigestMatchesMembers("own tags changed");
        engine.onDead(new Dead(3, "c", "c"));
        assertEquals(MemberStatus.LEFT, engine.member("c").status());
        assertDigestMatchesMembers("c left");
        // A new node takes the departed c's name at another address (LAN: reclaimable at once).
        InetSocketAddress c2 = new InetSocketAddress("127.0.0.6", 7946);
        engine.onAlive(new Alive(1, "c", c2, Map.of("role", "app", "app.port", "80")));
        assertEquals(c2, engine.member("c").address());
        assertEquals(MemberStatus.ALIVE, engine.member("c").status());
        assertEquals("80", engine.member("c").tag("app.port"));
        assertDigestMatchesMembers("c's name reclaimed");
        scheduler.advance(GossipConfig.lan().reconnectTimeout().toNanos() + 20_000_000_000L);
        // Nobody answers probes here: a and c failed too in the meantime, and all three were reaped.
        assertEquals(List.of("self"), engine.members().stream().map(dev.grapevine.Member::name).toList());
        assertTrue(events.stream().filter(e -> e instanceof ClusterEvent.MemberReaped).count() >= 3);
        assertDigestMatchesMembers("all reaped");
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

    @Test
    void gossipPacksManyBroadcastsIntoDatagramsNoLargerThanThePacketSize() {
        for (int i = 0; i < 300; i++) {
            engine.onAlive(new Alive(1, "peer" + i, new InetSocketAddress("127.0.3." + (i % 250 + 1), 7000 + i),
                    Map.of("role", "app", "http.port", "8080")));
        }
        transport.sent.clear();
        scheduler.advance(1_000_000_000L);
        assertTrue(!transport.sent.isEmpty());
        int maxFrames = 0;
        for (ByteBuffer b : transport.sent) {
            assertTrue(b.remaining() <= GossipConfig.lan().packetSize(), "datagram of " + b.remaining() + " bytes");
            List<Message> frames = new ArrayList<>();
            try {
                Codec.readPacket(b.duplicate(), false, frames::add);
            } catch (DecodeException e) {
                throw new AssertionError(e);
            }
            maxFrames = Math.max(maxFrames, frames.size());
        }
        assertTrue(maxFrames >= 10, "compound datagrams carry many messages, saw at most " + maxFrames);
    }

    @Test
    void newsAtAQuietNodeLeavesAtOnceButRoundsStayAnIntervalApart() {
        long interval = GossipConfig.lan().gossipInterval().toNanos();
        List<Long> gossipTimes = new ArrayList<>();
        transport.onSend = b -> {
            List<Message> frames = new ArrayList<>();
            try {
                Codec.readPacket(b.duplicate(), false, frames::add);
            } catch (DecodeException e) {
                throw new AssertionError(e);
            }
            if (frames.stream().noneMatch(m -> m instanceof Message.Ping || m instanceof Message.Ack)
                    && (gossipTimes.isEmpty() || gossipTimes.get(gossipTimes.size() - 1) != scheduler.nanoTime())) {
                gossipTimes.add(scheduler.nanoTime());
            }
        };
        engine.onAlive(new Alive(1, "peer", PEER, Map.of()));
        scheduler.advance(0);
        assertEquals(List.of(0L), gossipTimes, "a quiet node spreads news without waiting for a ticker");

        scheduler.advance(interval / 4);
        engine.onAlive(new Alive(1, "peer2", new InetSocketAddress("127.0.0.3", 7946), Map.of()));
        scheduler.advance(interval / 2);
        assertEquals(List.of(0L), gossipTimes, "not before an interval has passed since the last round");
        scheduler.advance(interval);
        assertEquals(List.of(0L, interval), gossipTimes);

        scheduler.advance(60L * interval); // every broadcast sent its last time; the node goes quiet
        gossipTimes.clear();
        long quietSince = scheduler.nanoTime();
        engine.onAlive(new Alive(2, "peer", PEER, Map.of("role", "front")));
        scheduler.advance(0);
        assertEquals(List.of(quietSince), gossipTimes, "quiet again: the next news leaves at once too");
        scheduler.advance(10L * interval);
        for (int i = 1; i < gossipTimes.size(); i++) {
            assertTrue(gossipTimes.get(i) - gossipTimes.get(i - 1) >= interval, "rounds " + gossipTimes);
        }
    }

    @Test
    void malformedDatagramIsCountedNotThrown() {
        Stats stats = new Stats();
        MembershipEngine e = new MembershipEngine("x", SELF, Map.of(), GossipConfig.lan(), scheduler, transport,
                new Random(2), stats, ev -> { });
        e.start();
        e.onDatagram(PEER, ByteBuffer.wrap(new byte[]{1, 99, 0}));
        e.onDatagram(PEER, ByteBuffer.wrap(new byte[]{42}));
        assertEquals(1, stats.dropped(dev.grapevine.DropReason.UNKNOWN_TYPE));
        assertEquals(1, stats.dropped(dev.grapevine.DropReason.UNKNOWN_VERSION));
    }

    @Test
    void pingForAnotherNodeIsDroppedAsMisaddressed() {
        Stats stats = new Stats();
        MembershipEngine e = new MembershipEngine("x", SELF, Map.of(), GossipConfig.lan(), scheduler, transport,
                new Random(2), stats, ev -> { });
        e.start();
        transport.sent.clear();
        e.onDatagram(PEER, ByteBuffer.wrap(Codec.encodePacket(new Message.Ping(1, "someone-else", "p", PEER))));
        assertEquals(1, stats.dropped(dev.grapevine.DropReason.MISADDRESSED));
        assertTrue(transport.sent.isEmpty(), "no ack for a ping meant for another node");
    }

    @Test
    void leavingTwiceReturnsTheSameAnnouncementAndTagsCannotChangeMeanwhile() {
        engine.onAlive(new Alive(1, "peer", PEER, Map.of()));
        var first = engine.leave();
        var second = engine.leave();
        assertTrue(first == second, "one leave, one future");
        assertTrue(!first.isDone(), "still announcing");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> engine.updateTags(Map.of("role", "x")));
        scheduler.advance(6_000_000_000L);
        assertTrue(first.isDone());
        assertTrue(engine.isStopped());
    }

    @Test
    void gossipStillFindsLiveTargetsAmongThousandsOfDepartedMembers() {
        for (int i = 0; i < 2000; i++) {
            String n = "old" + i;
            engine.onAlive(new Alive(1, n, new InetSocketAddress("127.0.5." + (i % 250 + 1), 8000 + i), Map.of()));
            engine.onDead(new Dead(1, n, n));
        }
        for (int i = 0; i < 5; i++) {
            engine.onAlive(new Alive(1, "live" + i, new InetSocketAddress("127.0.6." + (i + 1), 7946), Map.of()));
        }
        scheduler.advance(40_000_000_000L); // let the departure news run out
        engine.updateTags(Map.of("role", "db"));
        transport.sent.clear();
        transport.to.clear();
        scheduler.advance(400_000_000L); // two gossip rounds
        long toLive = transport.to.stream().filter(a -> a.getAddress().getHostAddress().startsWith("127.0.6.")).count();
        assertTrue(toLive >= 3, "gossip reached live members " + toLive + " times");
    }

    @Test
    void quietPeerWithANewerEventClockOrAnotherViewTriggersOneRepairExchange() {
        long[] ourEventClock = {3};
        engine.setDelegate(new Delegate() {
            @Override public void onMessage(Message message, InetSocketAddress from) { }
            @Override public Message.SerfState localState(boolean join) { return Message.SerfState.EMPTY; }
            @Override public void mergeRemoteState(Message.SerfState state, boolean ourJoin) { }
            @Override public boolean announcedLeave(String member) { return false; }
            @Override public void onConflict(dev.grapevine.Member member, InetSocketAddress other) { }
            @Override public long eventClock() { return ourEventClock[0]; }
        });
        engine.onAlive(new Alive(1, "peer", PEER, Map.of()));
        scheduler.advance(20_000_000_000L); // all news has been sent out: quiet
        transport.requests.clear();
        long same = engine.viewDigest();
        engine.onDatagram(PEER, ByteBuffer.wrap(Codec.encodePacket(new Message.ViewDigest(same, 3))));
        assertTrue(transport.requests.isEmpty(), "same view, same event clock: nothing to repair");
        engine.onDatagram(PEER, ByteBuffer.wrap(Codec.encodePacket(new Message.ViewDigest(same, 9))));
        assertEquals(List.of(PEER), transport.requests, "the peer has seen events we missed");
        engine.onDatagram(PEER, ByteBuffer.wrap(Codec.encodePacket(new Message.ViewDigest(same ^ 1, 3))));
        assertEquals(1, transport.requests.size(), "at most one repair per five probe intervals");
        scheduler.advance(6_000_000_000L);
        transport.requests.clear();
        engine.onDatagram(PEER, ByteBuffer.wrap(Codec.encodePacket(new Message.ViewDigest(same ^ 1, 3))));
        assertEquals(List.of(PEER), transport.requests, "a different view is repaired too");
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

        java.util.function.Consumer<ByteBuffer> onSend = b -> { };

        @Override
        public void sendDatagram(InetSocketAddress to, ByteBuffer datagram) {
            ByteBuffer copy = ByteBuffer.allocate(datagram.remaining());
            copy.put(datagram.duplicate()).flip();
            sent.add(copy);
            this.to.add(to);
            onSend.accept(copy);
        }

        final List<InetSocketAddress> requests = new ArrayList<>();

        @Override
        public void request(InetSocketAddress to, ByteBuffer request, long timeoutNanos, Reply reply) {
            requests.add(to);
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
