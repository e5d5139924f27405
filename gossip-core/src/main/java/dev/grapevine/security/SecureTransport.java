package dev.grapevine.security;

import dev.grapevine.DropReason;
import dev.grapevine.Stats;
import dev.grapevine.transport.Transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Encrypts everything a node sends and authenticates everything it receives: every datagram and every
 * stream frame, in both directions, sealed with AES-GCM under the keyring's primary key and the cluster
 * name as additional authenticated data (see {@link Encryptor}).
 *
 * <p>A decorator over any {@link Transport}, so the engine never sees ciphertext and the simulator runs the
 * same code as production. Two switches move a running plaintext cluster to encryption without a full
 * restart, as memberlist's do: with {@code encryptOutgoing} off the node still sends plaintext, and with
 * {@code requireIncoming} off it still accepts plaintext. Roll every node to "accept both, send
 * plaintext", then to "accept both, encrypt", then to "require". Plaintext packets are told apart from
 * sealed ones by their first byte (the codec's version 1 against the envelope's version).
 *
 * <p>Whatever fails to authenticate is dropped and counted as {@link DropReason#DECRYPT_FAILED} (logged at
 * most once per interval by {@link Stats}); an authentic packet whose nonce was seen recently is a replay,
 * dropped as {@link DropReason#REPLAYED} (see {@link ReplayCache}); nothing is thrown to the engine.
 */
public final class SecureTransport implements Transport {

    /** First byte of every plaintext packet (the wire codec's version). */
    private static final byte PLAINTEXT_VERSION = 1;

    private final Transport inner;
    private final Encryptor encryptor;
    private final Stats stats;
    private final ByteBuffer sealBuffer;
    private final ByteBuffer openBuffer;
    /** Nonces of recent authentic packets: a repeat is a replay. */
    private final ReplayCache replays = new ReplayCache(1024);
    private final byte[] nonce = new byte[12];
    private volatile boolean encryptOutgoing;
    private volatile boolean requireIncoming;

    /**
     * Wraps {@code inner}.
     *
     * @param encryptOutgoing seal what this node sends (off only while migrating a plaintext cluster)
     * @param requireIncoming drop plaintext that arrives (off only while migrating)
     */
    public SecureTransport(Transport inner, Encryptor encryptor, Stats stats, boolean encryptOutgoing,
                           boolean requireIncoming) {
        this.inner = inner;
        this.encryptor = encryptor;
        this.stats = stats;
        this.encryptOutgoing = encryptOutgoing;
        this.requireIncoming = requireIncoming;
        this.sealBuffer = ByteBuffer.allocate(65_536 + encryptor.overhead());
        this.openBuffer = ByteBuffer.allocate(65_536);
    }

    /** The encryptor (and so the keyring) in use. */
    public Encryptor encryptor() {
        return encryptor;
    }

    /** Whether this node seals what it sends. */
    public boolean encryptOutgoing() {
        return encryptOutgoing;
    }

    /** Turns sealing of outgoing traffic on or off (migration). */
    public void encryptOutgoing(boolean on) {
        this.encryptOutgoing = on;
    }

    /** Whether plaintext that arrives is dropped. */
    public boolean requireIncoming() {
        return requireIncoming;
    }

    /** Turns the rejection of incoming plaintext on or off (migration). */
    public void requireIncoming(boolean on) {
        this.requireIncoming = on;
    }

    @Override
    public InetSocketAddress boundAddress() {
        return inner.boundAddress();
    }

    @Override
    public void start(Inbound inbound) {
        inner.start(new Inbound() {
            @Override
            public void onDatagram(InetSocketAddress from, ByteBuffer datagram) {
                ByteBuffer plain = open(datagram, openBuffer);
                if (plain != null) {
                    inbound.onDatagram(from, plain);
                }
            }

            @Override
            public ByteBuffer onRequest(InetSocketAddress from, ByteBuffer request) {
                ByteBuffer plain = open(request, null);
                if (plain == null) {
                    return null;
                }
                ByteBuffer reply = inbound.onRequest(from, plain);
                return reply == null ? null : sealFrame(reply);
            }
        });
    }

    @Override
    public void sendDatagram(InetSocketAddress to, ByteBuffer datagram) {
        if (!encryptOutgoing) {
            inner.sendDatagram(to, datagram);
            return;
        }
        sealBuffer.clear();
        encryptor.encrypt(datagram, sealBuffer);
        sealBuffer.flip();
        inner.sendDatagram(to, sealBuffer);
    }

    @Override
    public void request(InetSocketAddress to, ByteBuffer request, long timeoutNanos, Reply reply) {
        inner.request(to, sealFrame(request), timeoutNanos, new Reply() {
            @Override
            public void onReply(ByteBuffer frame) {
                ByteBuffer plain = open(frame, null);
                if (plain == null) {
                    reply.onFailure(new IOException("the reply from " + to
                            + " could not be authenticated (wrong key or another cluster)"));
                } else {
                    reply.onReply(plain);
                }
            }

            @Override
            public void onFailure(Exception cause) {
                reply.onFailure(cause);
            }
        });
    }

    @Override
    public int maxFrameSize() {
        return inner.maxFrameSize();
    }

    @Override
    public void close() {
        inner.close();
    }

    private ByteBuffer sealFrame(ByteBuffer frame) {
        return encryptOutgoing ? ByteBuffer.wrap(encryptor.encrypt(frame)) : frame;
    }

    /**
     * The plaintext of {@code packet}, or null when it is dropped (counted). Uses {@code reuse} when given
     * (datagrams: valid until the next one), else a fresh buffer (streams).
     */
    private ByteBuffer open(ByteBuffer packet, ByteBuffer reuse) {
        if (!packet.hasRemaining()) {
            stats.recordDrop(DropReason.TRUNCATED);
            return null;
        }
        byte first = packet.get(packet.position());
        if (first == PLAINTEXT_VERSION) {
            if (requireIncoming) {
                stats.recordDrop(DropReason.DECRYPT_FAILED);
                return null;
            }
            return packet;
        }
        java.util.Arrays.fill(nonce, (byte) 0);
        if (packet.remaining() >= 13) {
            packet.get(packet.position() + 1, nonce);
        }
        ByteBuffer plain;
        try {
            if (reuse == null) {
                plain = encryptor.decrypt(packet);
            } else {
                reuse.clear();
                encryptor.decrypt(packet, reuse);
                plain = reuse.flip();
            }
        } catch (AeadException | IllegalArgumentException e) {
            stats.recordDrop(DropReason.DECRYPT_FAILED);
            return null;
        }
        // Checked only once authentic: junk must not be able to fill the cache and evict real nonces.
        if (!replays.firstSeen(nonce, 0)) {
            stats.recordDrop(DropReason.REPLAYED);
            return null;
        }
        return plain;
    }
}
