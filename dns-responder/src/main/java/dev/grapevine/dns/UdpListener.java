package dev.grapevine.dns;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Receives queries on one UDP socket, on one named thread. Local answers are computed and sent on that thread
 * (microseconds each); forwarded queries go to the forwarding pool so a slow upstream never holds up local
 * answers. When the pool's queue is full the query is answered SERVFAIL at once: the pool pushes back
 * instead of growing.
 */
final class UdpListener implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(UdpListener.class);
    private static final int MAX_DATAGRAM = 65535;

    private final DatagramSocket socket;
    private final QueryHandler handler;
    private final ExecutorService forwardPool;
    private final DnsStats stats;

    UdpListener(DatagramSocket socket, QueryHandler handler, ExecutorService forwardPool, DnsStats stats) {
        this.socket = socket;
        this.handler = handler;
        this.forwardPool = forwardPool;
        this.stats = stats;
    }

    @Override
    public void run() {
        byte[] buf = new byte[MAX_DATAGRAM];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        while (!socket.isClosed()) {
            packet.setData(buf);
            try {
                socket.receive(packet);
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    LOG.warn("UDP receive on {} failed", socket.getLocalSocketAddress(), e);
                }
                continue;
            }
            SocketAddress client = packet.getSocketAddress();
            try {
                dispatch(handler.handle(buf, packet.getLength(), false, packet.getAddress()), client);
            } catch (RuntimeException e) {
                stats.recordInternalError();
                LOG.warn("internal error on a UDP query from {}", client, e);
            }
        }
    }

    private void dispatch(QueryHandler.Outcome outcome, SocketAddress client) {
        if (outcome instanceof QueryHandler.Outcome.Reply reply) {
            send(reply.wire(), client);
        } else if (outcome instanceof QueryHandler.Outcome.Forward f) {
            try {
                forwardPool.execute(() -> send(handler.forward(f), client));
            } catch (RejectedExecutionException e) {
                LOG.debug("forwarding queue full; SERVFAIL to {}", client);
                send(handler.forwardFailed(f), client);
            }
        }
    }

    private void send(byte[] wire, SocketAddress client) {
        try {
            socket.send(new DatagramPacket(wire, wire.length, client));
        } catch (IOException e) {
            if (!socket.isClosed()) {
                LOG.debug("UDP send to {} failed: {}", client, e.toString());
            }
        }
    }
}
