package dev.grapevine.sim;

import dev.grapevine.Stats;
import dev.grapevine.GossipRuntime;
import dev.grapevine.transport.Transport;
import dev.grapevine.transport.TransportOptions;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Thousands of hosts on one thread: the simulator must stay cheap per event. */
class SimulatedNetworkScaleTest {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedNetworkScaleTest.class);
    private static final int HOSTS = 2000;
    private static final long PERIOD = Duration.ofMillis(200).toNanos();

    /** A minimal node: every 200 ms, one 32-byte datagram to a random host. */
    private static final class Sender implements Runnable, Transport.Inbound {
        final GossipRuntime.Binding binding;
        final Stats stats;
        final Random random;
        final InetSocketAddress[] peers;
        long received;

        Sender(GossipRuntime.Binding binding, Stats stats, Random random, InetSocketAddress[] peers) {
            this.binding = binding;
            this.stats = stats;
            this.random = random;
            this.peers = peers;
        }

        @Override
        public void run() {
            binding.transport().sendDatagram(peers[random.nextInt(peers.length)], ByteBuffer.allocate(32));
            binding.scheduler().schedule(PERIOD, this);
        }

        @Override
        public void onDatagram(InetSocketAddress from, ByteBuffer datagram) {
            received++;
        }

        @Override
        public ByteBuffer onRequest(InetSocketAddress from, ByteBuffer request) {
            return null;
        }
    }

    @Test
    void twoThousandHostsGossipForAMinute() throws IOException {
        long wallStart = System.nanoTime(); // wall time only to report speed, never to decide anything
        SimulatedNetwork net = new SimulatedNetwork(2024);
        InetSocketAddress[] addrs = new InetSocketAddress[HOSTS];
        for (int i = 0; i < HOSTS; i++) {
            addrs[i] = SimHost.addr(i + 1);
        }
        Sender[] senders = new Sender[HOSTS];
        for (int i = 0; i < HOSTS; i++) {
            Stats stats = new Stats();
            GossipRuntime.Binding b = net.bind(addrs[i], TransportOptions.DEFAULTS, stats);
            Sender s = new Sender(b, stats, net.newRandom(), addrs);
            b.transport().start(s);
            b.scheduler().schedule(1 + s.random.nextInt((int) PERIOD - 1), s); // staggered first tick
            senders[i] = s;
        }
        net.runFor(Duration.ofSeconds(60));

        long sent = 0;
        long received = 0;
        for (Sender s : senders) {
            sent += s.stats.packetsSent();
            received += s.received;
            assertEquals(s.received, s.stats.packetsReceived());
        }
        assertEquals((long) HOSTS * 300, sent, "each host ticks 300 times in 60 s");
        assertEquals(sent, net.datagramsSent());
        assertEquals(0, net.datagramsDropped());
        assertEquals(received, net.datagramsDelivered());
        assertTrue(sent - received < HOSTS, "only the last moment's datagrams may still be in flight");
        long wallMs = (System.nanoTime() - wallStart) / 1_000_000;
        LOG.info("{} hosts, 60 virtual s: {} events, {} datagrams delivered, {} ms wall", HOSTS, net.eventsRun(),
                received, wallMs);
    }
}
