package dev.grapevine.events;

import dev.grapevine.transport.Transport;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** A transport that sends nothing anywhere and fails every request: for driving one node's layers by hand. */
final class QuietTransport implements Transport {

    private final InetSocketAddress address;

    QuietTransport(InetSocketAddress address) {
        this.address = address;
    }

    @Override public InetSocketAddress boundAddress() { return address; }
    @Override public void start(Inbound inbound) { }
    @Override public void sendDatagram(InetSocketAddress to, ByteBuffer datagram) { }
    @Override public void request(InetSocketAddress to, ByteBuffer request, long timeoutNanos, Reply reply) {
        reply.onFailure(new java.net.ConnectException("none"));
    }
    @Override public int maxFrameSize() { return 1 << 20; }
    @Override public void close() { }
}
