package dev.grapevine.security;

import dev.grapevine.DropReason;
import dev.grapevine.Stats;
import dev.grapevine.transport.Transport;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Replayed authentic packets are recognised and dropped. */
class ReplayTest {

    private static final InetSocketAddress FROM = new InetSocketAddress("127.0.0.9", 7946);

    @Test
    void authenticPacketSentTwiceIsDeliveredOnceAndTheReplayCounted() {
        Keyring keys = Keyring.of(Keyring.generateKey());
        Encryptor sealer = new Encryptor(keys, "shop");
        List<byte[]> delivered = new ArrayList<>();
        Transport.Inbound[] inbound = new Transport.Inbound[1];
        Transport inner = new Transport() {
            @Override public InetSocketAddress boundAddress() { return FROM; }
            @Override public void start(Inbound in) { inbound[0] = in; }
            @Override public void sendDatagram(InetSocketAddress to, ByteBuffer d) { }
            @Override public void request(InetSocketAddress to, ByteBuffer r, long t, Reply reply) { }
            @Override public int maxFrameSize() { return 1 << 20; }
            @Override public void close() { }
        };
        Stats stats = new Stats();
        SecureTransport secure = new SecureTransport(inner, new Encryptor(keys, "shop"), stats, true, true);
        secure.start(new Transport.Inbound() {
            @Override
            public void onDatagram(InetSocketAddress from, ByteBuffer datagram) {
                byte[] b = new byte[datagram.remaining()];
                datagram.get(b);
                delivered.add(b);
            }

            @Override
            public ByteBuffer onRequest(InetSocketAddress from, ByteBuffer request) {
                return null;
            }
        });
        byte[] packet = sealer.encrypt(ByteBuffer.wrap(new byte[]{1, 3, 7}));
        inbound[0].onDatagram(FROM, ByteBuffer.wrap(packet.clone()));
        inbound[0].onDatagram(FROM, ByteBuffer.wrap(packet.clone()));
        assertEquals(1, delivered.size());
        assertEquals(1, stats.dropped(DropReason.REPLAYED));
        inbound[0].onDatagram(FROM, ByteBuffer.wrap(sealer.encrypt(ByteBuffer.wrap(new byte[]{1, 3, 7}))));
        assertEquals(2, delivered.size(), "the same content sealed again is a new packet");
    }

    @Property(tries = 200)
    void cacheAgreesWithAModelOfTheLastEntries(@ForAll @Size(max = 400) List<@IntRange(min = 0, max = 300) Integer> ids) {
        ReplayCache cache = new ReplayCache(64);
        ArrayDeque<Integer> window = new ArrayDeque<>();
        Set<Integer> inWindow = new HashSet<>();
        for (int id : ids) {
            byte[] nonce = new byte[12];
            nonce[3] = (byte) id;
            nonce[10] = (byte) (id >> 8);
            boolean expectedFirst = !inWindow.contains(id);
            assertEquals(expectedFirst, cache.firstSeen(nonce, 0), "id " + id);
            if (expectedFirst) {
                window.add(id);
                inWindow.add(id);
                if (window.size() > 64) {
                    inWindow.remove(window.poll());
                }
            }
        }
    }
}
