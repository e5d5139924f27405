package dev.grapevine.dns;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Relays queries for names outside the domain to upstream resolvers, one after the other until one answers.
 *
 * <p>Each attempt uses a fresh socket (a fresh source port) and a fresh random query ID, and accepts only a
 * response from that upstream with that ID, the QR bit and the same question; anything else is ignored
 * until the timeout (a spoofed or stray datagram cannot answer for the upstream). UDP clients are relayed
 * over UDP; when the upstream truncates, the query is repeated over TCP and the full answer used if it fits
 * the client, else the truncated one is passed on (the client then asks us over TCP). TCP clients are relayed
 * over TCP.
 */
final class Forwarder implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);
    private static final int MAX_RESPONSE = 65535;

    private final List<InetSocketAddress> upstreams;
    private final int timeoutMillis;
    private final SecureRandom random = new SecureRandom();
    /** Sockets of exchanges in progress, closed by {@link #close()} so no thread stays blocked on them. */
    private final Set<Closeable> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    Forwarder(List<InetSocketAddress> upstreams, int timeoutMillis) {
        this.upstreams = List.copyOf(upstreams);
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * The first valid answer of an upstream, with the client's ID, or null when none answered.
     *
     * @param query  the client's query bytes
     * @param parsed the same, parsed
     * @param tcp    whether the client asked over TCP
     * @param limit  the most bytes the client accepts
     */
    byte[] forward(byte[] query, Message parsed, boolean tcp, int limit) {
        int clientId = parsed.getHeader().getID();
        for (InetSocketAddress upstream : upstreams) {
            if (closed) {
                return null;
            }
            try {
                byte[] answer = tcp ? tcp(upstream, query, parsed) : udp(upstream, query, parsed);
                if (answer == null) {
                    continue;
                }
                if (!tcp && (answer[2] & 0x02) != 0) {
                    byte[] full = tcp(upstream, query, parsed);
                    if (full != null && full.length <= limit) {
                        answer = full;
                    }
                }
                answer[0] = (byte) (clientId >>> 8);
                answer[1] = (byte) clientId;
                return answer;
            } catch (IOException e) {
                LOG.debug("upstream {} failed for {}: {}", upstream, parsed.getQuestion(), e.toString());
            }
        }
        LOG.debug("no upstream answered {}", parsed.getQuestion());
        return null;
    }

    /** One exchange over UDP; null on timeout. */
    private byte[] udp(InetSocketAddress upstream, byte[] query, Message parsed) throws IOException {
        int id = random.nextInt(0x10000);
        byte[] out = withId(query, id);
        DatagramSocket socket = open(new DatagramSocket());
        try {
            socket.connect(upstream);
            socket.send(new DatagramPacket(out, out.length));
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            byte[] buf = new byte[MAX_RESPONSE];
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return null;
                }
                socket.setSoTimeout((int) left);
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    return null;
                }
                byte[] answer = java.util.Arrays.copyOf(buf, p.getLength());
                if (matches(answer, id, parsed)) {
                    return answer;
                }
                LOG.debug("ignored a stray {}-byte datagram from upstream {}", answer.length, upstream);
            }
        } finally {
            release(socket);
        }
    }

    /** One exchange over TCP (2-byte length prefix); null on timeout or an invalid answer. */
    private byte[] tcp(InetSocketAddress upstream, byte[] query, Message parsed) throws IOException {
        int id = random.nextInt(0x10000);
        byte[] out = withId(query, id);
        Socket socket = open(new Socket());
        try {
            socket.connect(upstream, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream os = socket.getOutputStream();
            os.write(TcpListener.frame(out));
            os.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] answer = new byte[in.readUnsignedShort()];
            in.readFully(answer);
            return matches(answer, id, parsed) ? answer : null;
        } catch (SocketTimeoutException e) {
            return null;
        } finally {
            release(socket);
        }
    }

    /** Registers a new socket so that {@link #close()} can unblock it; fails once closed. */
    private <T extends Closeable> T open(T socket) throws IOException {
        inFlight.add(socket);
        if (closed) {
            release(socket);
            throw new IOException("responder closed");
        }
        return socket;
    }

    private void release(Closeable socket) {
        inFlight.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing an upstream socket: {}", e.toString());
        }
    }

    private static byte[] withId(byte[] query, int id) {
        byte[] out = query.clone();
        out[0] = (byte) (id >>> 8);
        out[1] = (byte) id;
        return out;
    }

    /** A response to our query: long enough, our ID, QR set, the same question. */
    private static boolean matches(byte[] answer, int id, Message query) {
        if (answer.length < 12 || (((answer[0] & 0xFF) << 8) | (answer[1] & 0xFF)) != id
                || (answer[2] & 0x80) == 0) {
            return false;
        }
        try {
            Record q = new Message(answer).getQuestion();
            Record mine = query.getQuestion();
            return q != null && q.getName().equals(mine.getName()) && q.getType() == mine.getType()
                    && q.getDClass() == mine.getDClass();
        } catch (Exception e) {
            return false;
        }
    }

    /** Closes the sockets of exchanges in progress and refuses new ones. */
    @Override
    public void close() {
        closed = true;
        for (Closeable c : List.copyOf(inFlight)) {
            release(c);
        }
    }
}
