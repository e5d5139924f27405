package dev.grapevine.events;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipConfig;
import dev.grapevine.MemberStatus;
import dev.grapevine.Stats;
import dev.grapevine.membership.MembershipEngine;
import dev.grapevine.time.ManualScheduler;
import dev.grapevine.transport.Transport;
import dev.grapevine.wire.Codec;
import dev.grapevine.wire.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prune intents (force-leave with prune) at one receiver, engine and event layer driven by hand. */
class PruneIntentTest {

    private static final InetSocketAddress SELF = new InetSocketAddress("127.0.0.1", 7946);
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.2", 7946);
    private static final InetSocketAddress X = new InetSocketAddress("127.0.0.3", 7946);

    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<String> events = new ArrayList<>();
    private MembershipEngine engine;
    private EventLayer layer;

    @BeforeEach
    void start() {
        Transport quiet = new QuietTransport(SELF);
        EventLayer[] holder = new EventLayer[1];
        engine = new MembershipEngine("self", SELF, Map.of(), GossipConfig.lan(), scheduler, quiet,
                new Random(1), new Stats(), e -> holder[0].onMemberEvent(e));
        layer = new EventLayer("self", GossipConfig.lan(), scheduler, engine, new Stats(), new Random(2), false,
                e -> {
                    if (e instanceof ClusterEvent.MemberEvent m) {
                        events.add(e.getClass().getSimpleName() + " " + m.member().name());
                    }
                }, Runnable::run);
        holder[0] = layer;
        engine.setDelegate(layer);
        engine.start();
        datagram(new Message.Alive(1, "x", X, Map.of()));
        datagram(new Message.Alive(1, "peer", PEER, Map.of()));
        events.clear();
    }

    private void datagram(Message m) {
        engine.onDatagram(PEER, ByteBuffer.wrap(Codec.encodePacket(m)));
        scheduler.advance(0);
    }

    @Test
    void memberStillAliveHereIsReapedOnceItFails() {
        datagram(new Message.LeaveIntent(10, "x", true));
        assertEquals(MemberStatus.ALIVE, engine.member("x").status(), "alive here: not touched yet");
        assertTrue(events.isEmpty(), events.toString());
        datagram(new Message.Dead(1, "x", "peer"));
        assertNull(engine.member("x"), "reaped as soon as it failed");
        assertEquals(List.of("MemberLeft x", "MemberReaped x"), events);
        // The same intent gossiped again by others is old news, not a new prune to remember.
        datagram(new Message.LeaveIntent(10, "x", true));
        datagram(new Message.Alive(2, "x", X, Map.of()));
        datagram(new Message.Dead(2, "x", "peer"));
        assertNotNull(engine.member("x"), "a later run of x that fails again is only failed");
        assertEquals(MemberStatus.FAILED, engine.member("x").status());
    }

    @Test
    void suspectHereIsReapedOnceItFails() {
        datagram(new Message.Suspect(1, "x", "peer"));
        datagram(new Message.LeaveIntent(10, "x", true));
        assertEquals(MemberStatus.SUSPECT, engine.member("x").status());
        scheduler.advance(60_000_000_000L); // the suspicion runs out
        assertNull(engine.member("x"));
        assertTrue(events.contains("MemberReaped x"), events.toString());
    }

    @Test
    void aNewerJoinIntentCancelsAPendingPrune() {
        datagram(new Message.LeaveIntent(10, "x", true));
        datagram(new Message.JoinIntent(11, "x"));
        datagram(new Message.Dead(1, "x", "peer"));
        assertEquals(MemberStatus.FAILED, engine.member("x").status(), "x refuted the force-leave: only failed");
        assertFalse(events.contains("MemberReaped x"));
    }

    @Test
    void pushPullCarryingThePrunedMemberDoesNotResurrectIt() {
        datagram(new Message.Dead(1, "x", "peer"));
        datagram(new Message.LeaveIntent(10, "x", true));
        assertNull(engine.member("x"));
        for (Message.WireState state : List.of(Message.WireState.DEAD, Message.WireState.LEFT,
                Message.WireState.SUSPECT)) {
            Message.PushPull pp = new Message.PushPull(false, List.of(
                    new Message.MemberState("peer", PEER, Map.of(), 1, Message.WireState.ALIVE),
                    new Message.MemberState("x", X, Map.of(), 1, state)),
                    new Message.SerfState(10, 0, 0, List.of(),
                            Map.of("x", EventLayer.encodeIntent(10, true), "peer", EventLayer.encodeIntent(3, false))));
            assertNotNull(engine.onRequest(PEER, ByteBuffer.wrap(Codec.encodePacket(pp))));
            scheduler.advance(0);
            assertNull(engine.member("x"), "still forgotten after a push-pull with x " + state);
        }
        assertEquals(1, events.stream().filter("MemberReaped x"::equals).count(), events.toString());
    }

    @Test
    void pruneIntentAboutUsIsRefuted() {
        datagram(new Message.LeaveIntent(10, "self", true));
        assertNotNull(engine.member("self"));
        assertEquals(MemberStatus.ALIVE, engine.member("self").status());
        assertFalse(layer.isLeaving("self"));
        assertTrue(layer.intentTime("self") > 10, "refuted by a newer join intent");
    }

    @Test
    void forceLeaveWithPruneOfAFailedMemberReapsItHereAndSpreadsTheIntent() {
        datagram(new Message.Dead(1, "x", "peer"));
        events.clear();
        layer.forceLeave("x", true);
        assertNull(engine.member("x"));
        assertEquals(List.of("MemberLeft x", "MemberReaped x"), events);
    }
}
