package dev.grapevine.benchmarks;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipRuntime;
import dev.grapevine.Stats;
import dev.grapevine.membership.MembershipEngine;
import dev.grapevine.sim.SimulatedNetwork;
import dev.grapevine.transport.TransportOptions;
import dev.grapevine.wire.Codec;
import dev.grapevine.wire.Message;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One {@link MembershipEngine} on its own, for the hot-path benchmarks: its timers run on a
 * {@link SimulatedNetwork}'s virtual clock (one timer object per schedule, as production's event loop) and
 * its traffic goes to a {@link CapturingTransport}, so nothing but the engine allocates per packet. Periodic
 * push-pull is off (its state exchange would be billed to whatever the benchmark measures).
 */
final class BenchEngine {

    /** The engine's own address. */
    static final InetSocketAddress SELF = SimulatedCluster.address(0);

    final SimulatedNetwork net = new SimulatedNetwork(7);
    final CapturingTransport transport = new CapturingTransport(SELF, net::now);
    final GossipConfig config = GossipConfig.lan().toBuilder().pushPullInterval(java.time.Duration.ZERO).build();
    final MembershipEngine engine;

    BenchEngine() {
        GossipRuntime.Binding binding;
        try {
            binding = net.bind(SELF, TransportOptions.DEFAULTS, new Stats("bench"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        engine = new MembershipEngine("self", SELF, Map.of("role", "app"), config, binding.scheduler(), transport,
                new Random(7), new Stats("self"), event -> { });
        engine.start();
    }

    /** Member {@code i} (1-based) as another node would describe it: ALIVE, incarnation 1, two tags. */
    static Message.MemberState member(int i) {
        return new Message.MemberState("node-" + i, SimulatedCluster.address(i),
                Map.of("role", "app", "app.port", "8080"), 1, Message.WireState.ALIVE);
    }

    /** A PUSH_PULL packet from a peer that knows members 1..{@code n}. */
    static ByteBuffer pushPullPacket(int n) {
        List<Message.MemberState> members = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            members.add(member(i));
        }
        return ByteBuffer.wrap(Codec.encodePacket(new Message.PushPull(false, members, Message.SerfState.EMPTY)));
    }

    /** Serves a push-pull request from member 1; returns the reply. */
    ByteBuffer servePushPull(ByteBuffer packet) {
        packet.position(0);
        ByteBuffer reply = transport.inbound().onRequest(SimulatedCluster.address(1), packet);
        if (reply == null) {
            throw new IllegalStateException("the engine refused the push-pull");
        }
        return reply;
    }

    /** Distinct names the engine knows with status ALIVE, self included. */
    long aliveMembers() {
        return engine.members().stream().filter(m -> m.status() == dev.grapevine.MemberStatus.ALIVE).count();
    }
}
