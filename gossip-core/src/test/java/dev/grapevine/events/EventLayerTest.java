package dev.grapevine.events;

import dev.grapevine.time.ManualScheduler;
import dev.grapevine.ClusterEvent;
import dev.grapevine.DropReason;
import dev.grapevine.GossipConfig;
import dev.grapevine.Stats;
import dev.grapevine.membership.MembershipEngine;
import dev.grapevine.transport.Transport;
import dev.grapevine.wire.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event layer of one node, driven by hand on virtual time. */
class EventLayerTest {

    private static final InetSocketAddress SELF = new InetSocketAddress("127.0.0.1", 7946);
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.2", 7946);

    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<ClusterEvent> delivered = new ArrayList<>();
    private final Stats stats = new Stats();
    private MembershipEngine engine;
    private EventLayer layer;

    @BeforeEach
    void start() {
        Transport quiet = new QuietTransport(SELF);
        engine = new MembershipEngine("self", SELF, Map.of("role", "app"), GossipConfig.lan(), scheduler, quiet,
                new Random(1), stats, e -> { });
        layer = new EventLayer("self", GossipConfig.lan(), scheduler, engine, stats, new Random(2), false,
                delivered::add, Runnable::run);
        engine.setDelegate(layer);
        engine.start();
    }

    private List<String> userEvents() {
        List<String> out = new ArrayList<>();
        for (ClusterEvent e : delivered) {
            if (e instanceof ClusterEvent.UserEvent u) {
                out.add(u.name() + "@" + u.ltime() + "=" + new String(u.payload(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @Test
    void ownLeaveIntentIsRecordedAndSpreadNotRefuted() {
        layer.announceLeave();
        assertTrue(layer.isLeaving("self"), "our own leave is genuine");
        assertEquals(1, layer.intentTime("self"));
        assertTrue(layer.localState(false).intentClocks().get("self") % 2 == 1, "push-pull carries it as a leave");
    }

    @Test
    void foreignLeaveIntentAboutUsIsRefutedWithANewerJoin() {
        layer.onMessage(new Message.LeaveIntent(5, "self"), PEER);
        assertTrue(!layer.isLeaving("self"));
        assertTrue(layer.intentTime("self") > 5, "refuted by a newer join intent");
    }

    @Test
    void coalescedBurstKeepsEveryEventAtTheNewestTimeAndDropsOlderOnes() {
        layer.onMessage(new Message.UserEvent(3, "deploy", "a".getBytes(StandardCharsets.UTF_8), true), PEER);
        layer.onMessage(new Message.UserEvent(5, "deploy", "b".getBytes(StandardCharsets.UTF_8), true), PEER);
        layer.onMessage(new Message.UserEvent(5, "deploy", "c".getBytes(StandardCharsets.UTF_8), true), PEER);
        layer.onMessage(new Message.UserEvent(4, "deploy", "d".getBytes(StandardCharsets.UTF_8), true), PEER);
        scheduler.advance(2_000_000_000L);
        assertEquals(List.of("deploy@5=b", "deploy@5=c"), userEvents());
        // After the flush a new burst starts: an event older than the last burst is delivered again.
        layer.onMessage(new Message.UserEvent(4, "deploy", "e".getBytes(StandardCharsets.UTF_8), true), PEER);
        scheduler.advance(2_000_000_000L);
        assertEquals(List.of("deploy@5=b", "deploy@5=c", "deploy@4=e"), userEvents());
    }

    @Test
    void hostileTagFilterNeitherStallsNorThrows() {
        String nested = "(".repeat(120) + "z" + ")".repeat(120);
        for (String regex : List.of("((.*)*)*X", nested, "(((((", "a".repeat(300))) {
            layer.onMessage(new Message.Query(1, regex.hashCode(), "peer", PEER, List.of(), Map.of("role", regex),
                    false, 0, 1000, "load", new byte[0]), PEER);
        }
        assertTrue(delivered.stream().noneMatch(e -> e instanceof ClusterEvent.Query), "no filter matched");
        assertEquals(1, stats.dropped(DropReason.OVERSIZED), "the 300-character expression was refused");
        layer.onMessage(new Message.Query(2, 99, "peer", PEER, List.of(), Map.of("role", "ap"), false, 0, 1000,
                "load", new byte[0]), PEER);
        assertTrue(delivered.stream().anyMatch(e -> e instanceof ClusterEvent.Query),
                "Serf's unanchored match: 'ap' matches 'app'");
    }

    @Test
    void intentsForUnknownNamesStayBounded() {
        for (int i = 0; i < 10_000; i++) {
            layer.onMessage(new Message.LeaveIntent(i + 1, "ghost" + i), PEER);
        }
        assertTrue(layer.localState(false).intentClocks().size() <= 1, "unknown names are not shipped");
        assertTrue(layer.isLeaving("ghost9999"), "recent ones are kept");
        assertTrue(!layer.isLeaving("ghost0"), "old ones fell out of the ring");
    }

    @Test
    void oversizedReceivedEventIsDroppedAndCounted() {
        layer.onMessage(new Message.UserEvent(1, "big", new byte[600], false), PEER);
        assertTrue(userEvents().isEmpty());
        assertEquals(1, stats.dropped(DropReason.OVERSIZED));
    }

    @Test
    void hostileClockJumpIsDropped() {
        layer.onMessage(new Message.UserEvent(Long.MAX_VALUE - 1, "x", new byte[1], false), PEER);
        assertTrue(userEvents().isEmpty());
        assertEquals(1, stats.dropped(DropReason.MALFORMED));
        layer.sendEvent("ok", new byte[1], false);
        assertEquals(1, userEvents().size(), "the clock still works");
    }
}
