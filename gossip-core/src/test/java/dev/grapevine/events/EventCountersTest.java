package dev.grapevine.events;

import dev.grapevine.GossipConfig;
import dev.grapevine.QueryHandle;
import dev.grapevine.QueryOptions;
import dev.grapevine.Stats;
import dev.grapevine.membership.MembershipEngine;
import dev.grapevine.time.ManualScheduler;
import dev.grapevine.wire.Codec;
import dev.grapevine.wire.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Serf-layer counters of {@link Stats} and the broadcast queue gauge, one node driven by hand. */
class EventCountersTest {

    private static final InetSocketAddress SELF = new InetSocketAddress("127.0.0.1", 7946);
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.2", 7946);

    private final ManualScheduler scheduler = new ManualScheduler();
    private final Stats stats = new Stats();
    private MembershipEngine engine;
    private EventLayer layer;

    @BeforeEach
    void start() {
        engine = new MembershipEngine("self", SELF, Map.of(), GossipConfig.lan(), scheduler,
                new QuietTransport(SELF), new Random(1), stats, e -> { });
        layer = new EventLayer("self", GossipConfig.lan(), scheduler, engine, stats, new Random(2), false, e -> { },
                Runnable::run);
        engine.setDelegate(layer);
        engine.start();
    }

    private void datagram(Message m) {
        engine.onDatagram(PEER, ByteBuffer.wrap(Codec.encodePacket(m)));
    }

    @Test
    void userEventsSentReceivedAndDeduplicated() {
        layer.sendEvent("deploy", "v1".getBytes(StandardCharsets.UTF_8), false);
        assertEquals(1, stats.userEventsSent());
        assertEquals(0, stats.userEventsReceived(), "our own event is sent, not received");
        Message.UserEvent remote = new Message.UserEvent(7, "restart", new byte[]{1}, false);
        datagram(remote);
        assertEquals(1, stats.userEventsReceived());
        assertEquals(0, stats.userEventsDeduplicated());
        datagram(remote); // gossip delivers it again
        datagram(remote);
        assertEquals(1, stats.userEventsReceived());
        assertEquals(2, stats.userEventsDeduplicated());
        // A push-pull carrying events already seen is anti-entropy, not a re-delivery; a new one in it counts.
        layer.mergeRemoteState(new Message.SerfState(1, 9, 0, List.of(remote,
                new Message.UserEvent(8, "scale", new byte[0], false)), Map.of()), false);
        assertEquals(2, stats.userEventsReceived());
        assertEquals(2, stats.userEventsDeduplicated());
        assertEquals(1, stats.userEventsSent());
    }

    @Test
    void queriesSentReceivedDeduplicatedAndAnswered() {
        QueryHandle handle = new QueryHandle("load", 42);
        layer.ask("load", new byte[0], QueryOptions.defaults().requestAck(true), handle);
        assertEquals(1, stats.queriesSent());
        assertEquals(0, stats.queriesReceived(), "our own query is sent, not received");
        assertEquals(1, stats.queryAcksReceived(), "our own ack");
        datagram(new Message.QueryResponse(0, 42, "peer", true, new byte[0]));
        datagram(new Message.QueryResponse(0, 42, "peer", false, new byte[]{1}));
        datagram(new Message.QueryResponse(0, 42, "peer", false, new byte[]{2})); // one answer per member
        assertEquals(2, stats.queryAcksReceived());
        assertEquals(1, stats.queryResponsesReceived());

        Message.Query remote = new Message.Query(3, 99, "peer", PEER, List.of(), Map.of(), false, 0, 1000, "load",
                new byte[0]);
        datagram(remote);
        assertEquals(1, stats.queriesReceived());
        datagram(remote);
        assertEquals(1, stats.queriesReceived());
        assertEquals(1, stats.queriesDeduplicated());
        assertEquals(1, stats.queriesSent());
    }

    @Test
    void broadcastQueueDepthIsPublished() {
        int before = stats.queuedBroadcasts(); // our own alive announcement, with no one to send it to
        assertEquals(1, before);
        layer.sendEvent("a", new byte[0], false);
        layer.sendEvent("b", new byte[0], false);
        assertEquals(before + 2, stats.queuedBroadcasts());
        engine.stop();
        assertEquals(0, stats.queuedBroadcasts());
    }
}
