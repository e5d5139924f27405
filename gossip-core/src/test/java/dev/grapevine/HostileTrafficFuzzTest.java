package dev.grapevine;

import dev.grapevine.security.Encryptor;
import dev.grapevine.security.Keyring;
import dev.grapevine.transport.NetworkRuntime;
import dev.grapevine.wire.Codec;
import dev.grapevine.wire.Message;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A million random and mutated packets, and a few hundred junk streams, thrown at live nodes (one plaintext
 * pair, so the codec sees the junk, and one encrypted pair): nothing escapes, everything is counted, and
 * the members stay alive to each other. Seeded; bounded to about a minute.
 */
class HostileTrafficFuzzTest {

    private static final int PORT = 17970;
    private static final int PACKETS = 1_000_000;
    private static final String KEY = Keyring.generateKeyBase64();

    @Test
    void millionHostilePacketsAreDroppedAndCountedAndMembershipStaysIntact() throws Exception {
        try (NetworkRuntime runtime = NetworkRuntime.create("fuzz")) {
            List<GossipNode> nodes = new ArrayList<>();
            List<String> encryptedSaw = new java.util.concurrent.CopyOnWriteArrayList<>();
            ClusterListener watch = e -> {
                if (e instanceof ClusterEvent.MemberEvent m && !(e instanceof ClusterEvent.MemberJoined)) {
                    encryptedSaw.add(e.toString());
                }
            };
            ClusterListener none = e -> { };
            GossipNode p1 = node(runtime, nodes, "p1", 1, null, none);
            GossipNode p2 = node(runtime, nodes, "p2", 2, null, none);
            GossipNode e1 = node(runtime, nodes, "e1", 3, Keyring.ofBase64(KEY), watch);
            GossipNode e2 = node(runtime, nodes, "e2", 4, Keyring.ofBase64(KEY), watch);
            try {
                p2.join("127.0.4.101:" + PORT).get(10, TimeUnit.SECONDS);
                e2.join("127.0.4.103:" + PORT).get(10, TimeUnit.SECONDS);

                List<byte[]> seeds = validPackets(new Encryptor(Keyring.ofBase64(KEY), "grapevine"));
                Random random = new Random(20261121L);
                InetSocketAddress plainTarget = new InetSocketAddress("127.0.4.101", PORT);
                InetSocketAddress sealedTarget = new InetSocketAddress("127.0.4.103", PORT);
                long received0 = p1.stats().packetsReceived() + e1.stats().packetsReceived();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                int sent = 0;
                try (DatagramChannel out = DatagramChannel.open()) {
                    out.bind(new InetSocketAddress("127.0.4.199", 0));
                    ByteBuffer buf = ByteBuffer.allocate(2048);
                    while (sent < PACKETS && System.nanoTime() < deadline) {
                        buf.clear();
                        buf.put(nextPacket(random, seeds)).flip();
                        out.send(buf, (sent & 1) == 0 ? plainTarget : sealedTarget);
                        sent++;
                        if ((sent & 255) == 0) {
                            Thread.sleep(1); // let the receivers keep up, so the packets reach the nodes
                        }
                    }
                }
                junkStreams(random, plainTarget, 100);
                junkStreams(random, sealedTarget, 100);
                Thread.sleep(2000);

                long received = p1.stats().packetsReceived() + e1.stats().packetsReceived() - received0;
                long dropped = p1.stats().droppedTotal() + e1.stats().droppedTotal();
                assertEquals(PACKETS, sent, "the fuzzer sent its million within the minute");
                assertTrue(received > PACKETS / 2, "most packets reached the nodes: " + received);
                assertTrue(dropped > received / 2, "junk is dropped and counted: " + p1.stats() + " / " + e1.stats());
                assertTrue(e1.stats().dropped(DropReason.DECRYPT_FAILED) > 0);
                // Nothing forged gets into an encrypted cluster: not one membership change happened there.
                assertTrue(encryptedSaw.isEmpty(), "the encrypted pair saw no change: " + encryptedSaw);
                // The encrypted pair is untouched and whole.
                assertEquals(MemberStatus.ALIVE, e1.member("e2").orElseThrow().status());
                assertEquals(MemberStatus.ALIVE, e2.member("e1").orElseThrow().status());
                // Both answer a reachability query (asked up to three times: on a loaded machine one round
                // may miss its 2 s deadline; what must hold is that the pair still works).
                GossipNode.Reachability r = null;
                for (int attempt = 0; attempt < 3 && (r == null || !r.silent().isEmpty()); attempt++) {
                    r = e2.checkReachability(Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS);
                }
                assertEquals(java.util.Set.of("e1", "e2"), r.answered(), r.toString());
                assertTrue(r.silent().isEmpty(), r.toString());
                // A plaintext cluster is unauthenticated by design: well-formed forgeries among the mutations
                // (members that do not exist, "p2 is dead") are believed, as in memberlist without a key. What
                // must hold is that the node survived the junk: it still answers a probe.
                assertTrue(answersPing(plainTarget, "p1"), "the plaintext node still answers probes");
                assertTrue(p1.stats().droppedTotal() > 0);
            } finally {
                nodes.forEach(GossipNode::close);
            }
        }
    }

    private static boolean answersPing(InetSocketAddress node, String name) throws Exception {
        try (DatagramChannel ch = DatagramChannel.open()) {
            InetSocketAddress self = new InetSocketAddress("127.0.4.198", 0);
            ch.bind(self);
            InetSocketAddress me = (InetSocketAddress) ch.getLocalAddress();
            ch.send(ByteBuffer.wrap(Codec.encodePacket(new Message.Ping(777, name, "tester", me))), node);
            ch.configureBlocking(false);
            long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            ByteBuffer in = ByteBuffer.allocate(2048);
            while (System.nanoTime() < until) {
                in.clear();
                if (ch.receive(in) != null) {
                    in.flip();
                    List<Message> got = new ArrayList<>();
                    Codec.readPacket(in, false, got::add);
                    if (got.stream().anyMatch(m -> m instanceof Message.Ack a && a.seq() == 777)) {
                        return true;
                    }
                }
                Thread.sleep(10);
            }
            return false;
        }
    }

    private static boolean alive(GossipNode observer, String member) {
        return observer.member(member).map(m -> m.status() == MemberStatus.ALIVE).orElse(false);
    }

    private static GossipNode node(NetworkRuntime rt, List<GossipNode> nodes, String name, int host, Keyring keyring,
                                   ClusterListener listener) throws Exception {
        GossipNode.Builder b = GossipNode.builder().name(name).bind(new InetSocketAddress("127.0.4." + (100 + host), PORT))
                .config(GossipConfig.local()).runtime(rt).listener(listener);
        if (keyring != null) {
            b.keyring(keyring);
        }
        GossipNode n = b.start();
        nodes.add(n);
        return n;
    }

    /** Well-formed packets of every kind, plaintext and sealed, for the mutator to start from. */
    private static List<byte[]> validPackets(Encryptor sealer) {
        InetSocketAddress a = new InetSocketAddress("127.0.4.150", 7946);
        List<Message> messages = List.of(
                new Message.Ping(1, "p1", "x", a), new Message.Ack(1), new Message.Nack(2),
                new Message.IndirectPing(3, "p2", a, true, "x", a),
                new Message.Alive(5, "ghost", a, Map.of("role", "app")), new Message.Suspect(5, "p2", "x"),
                new Message.Dead(5, "p2", "x"), new Message.UserEvent(3, "ev", new byte[]{1, 2, 3}, false),
                new Message.Query(2, 9, "x", a, List.of(), Map.of("role", ".*"), true, 2, 1000, "q", new byte[4]),
                new Message.QueryResponse(2, 9, "x", false, new byte[3]), new Message.JoinIntent(4, "ghost"),
                new Message.ViewDigest(42, 7));
        List<byte[]> out = new ArrayList<>();
        for (Message m : messages) {
            byte[] plain = Codec.encodePacket(m);
            out.add(plain);
            out.add(sealer.encrypt(ByteBuffer.wrap(plain)));
        }
        List<byte[]> frames = new ArrayList<>();
        for (Message m : messages) {
            frames.add(Codec.encodeFrame(m));
        }
        ByteBuffer compound = ByteBuffer.allocate(4096);
        Codec.writePacket(frames, compound);
        compound.flip();
        byte[] c = new byte[compound.remaining()];
        compound.get(c);
        out.add(c);
        out.add(sealer.encrypt(ByteBuffer.wrap(c)));
        return out;
    }

    private static byte[] nextPacket(Random r, List<byte[]> seeds) {
        int kind = r.nextInt(4);
        if (kind == 0) {
            byte[] junk = new byte[r.nextInt(300)];
            r.nextBytes(junk);
            return junk;
        }
        byte[] p = seeds.get(r.nextInt(seeds.size())).clone();
        switch (kind) {
            case 1 -> { // flip a few bits (two flips of one bit cancel out: then flip once more)
                byte[] original = p.clone();
                for (int i = 0, n = 1 + r.nextInt(3); i < n && p.length > 0; i++) {
                    p[r.nextInt(p.length)] ^= (byte) (1 << r.nextInt(8));
                }
                if (p.length > 0 && java.util.Arrays.equals(p, original)) {
                    p[r.nextInt(p.length)] ^= 0x10;
                }
                return p;
            }
            case 2 -> { // truncate
                return java.util.Arrays.copyOf(p, p.length == 0 ? 0 : r.nextInt(p.length));
            }
            default -> { // overwrite a byte with an extreme length-like value
                if (p.length > 2) {
                    int at = 1 + r.nextInt(p.length - 1);
                    byte extreme = (byte) (r.nextBoolean() ? 0xFF : 0x7F);
                    // Always a change: an unmodified sealed seed would be an authentic packet, which an
                    // attacker without the key cannot make.
                    p[at] = p[at] == extreme ? (byte) (extreme ^ 0x01) : extreme;
                } else if (p.length > 0) {
                    p[0] ^= 0x40;
                }
                return p;
            }
        }
    }

    private static void junkStreams(Random r, InetSocketAddress to, int count) {
        for (int i = 0; i < count; i++) {
            try (Socket s = new Socket()) {
                s.connect(to, 2000);
                s.setSoTimeout(500);
                OutputStream o = s.getOutputStream();
                byte[] junk = new byte[r.nextInt(64)];
                r.nextBytes(junk);
                if (r.nextBoolean()) {
                    o.write(new byte[]{0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}); // declares 2 GiB
                }
                o.write(junk);
                o.flush();
            } catch (Exception ignored) {
                // Reset or refused by the node: that is its right.
            }
        }
    }
}
