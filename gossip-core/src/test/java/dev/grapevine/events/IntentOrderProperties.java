package dev.grapevine.events;

import dev.grapevine.time.ManualScheduler;
import dev.grapevine.GossipConfig;
import dev.grapevine.Stats;
import dev.grapevine.membership.MembershipEngine;
import dev.grapevine.transport.Transport;
import dev.grapevine.wire.Message;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Join and leave intents resolve to the newest, whatever order they arrive in. */
class IntentOrderProperties {

    private static EventLayer layer() {
        ManualScheduler scheduler = new ManualScheduler();
        Transport quiet = new QuietTransport(new InetSocketAddress("127.0.0.1", 7946));
        MembershipEngine engine = new MembershipEngine("self", quiet.boundAddress(), Map.of(), GossipConfig.lan(),
                scheduler, quiet, new Random(1), new Stats(), e -> { });
        EventLayer layer = new EventLayer("self", GossipConfig.lan(), scheduler, engine, new Stats(), new Random(2),
                false, e -> { }, Runnable::run);
        engine.setDelegate(layer);
        engine.start();
        return layer;
    }

    private static void apply(EventLayer layer, boolean leave, long ltime) {
        if (leave) {
            layer.onLeaveIntent(new Message.LeaveIntent(ltime, "m"));
        } else {
            layer.onJoinIntent(new Message.JoinIntent(ltime, "m"));
        }
    }

    @Property(tries = 300)
    void outOfOrderIntentsResolveToTheNewest(@ForAll @Size(min = 1, max = 12) List<Boolean> leaves,
                                             @ForAll @IntRange(min = 0, max = 1000) int seed) {
        // Intent i (leave or join) happened at Lamport time i + 1.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < leaves.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        EventLayer shuffled = layer();
        for (int i : order) {
            apply(shuffled, leaves.get(i), i + 1);
        }
        EventLayer inOrder = layer();
        for (int i = 0; i < leaves.size(); i++) {
            apply(inOrder, leaves.get(i), i + 1);
        }
        boolean newestIsLeave = leaves.get(leaves.size() - 1);
        assertEquals(newestIsLeave, shuffled.isLeaving("m"));
        assertEquals(newestIsLeave, inOrder.isLeaving("m"));
        assertEquals(leaves.size(), shuffled.intentTime("m"));
    }

    @Property(tries = 100)
    void leaveOlderThanTheLatestJoinIsIgnored(@ForAll @IntRange(min = 1, max = 1000) int joinTime,
                                               @ForAll @IntRange(min = 0, max = 999) int earlier) {
        EventLayer layer = layer();
        apply(layer, false, joinTime);
        apply(layer, true, Math.min(earlier, joinTime));
        assertEquals(false, layer.isLeaving("m"));
        apply(layer, true, joinTime + 1);
        assertEquals(true, layer.isLeaving("m"));
    }
}
