package dev.grapevine.dns;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * DNS over TCP (RFC 7766): each message framed by a two-byte length, several queries per connection, answered
 * in order. One named thread accepts; each connection is served by its own thread from a pool of at most
 * {@code maxConnections}: a connection beyond that is closed at once and counted. A connection idle for
 * {@code idleTimeout} is closed, and so is one whose frame does not arrive whole within it (a client trickling
 * bytes cannot hold a thread forever).
 */
final class TcpListener implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(TcpListener.class);

    private final ServerSocket server;
    private final QueryHandler handler;
    private final DnsStats stats;
    private final int idleTimeoutMillis;
    private final ThreadPoolExecutor connections;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    TcpListener(ServerSocket server, QueryHandler handler, DnsStats stats, int maxConnections,
                int idleTimeoutMillis, String threadPrefix) {
        this.server = server;
        this.handler = handler;
        this.stats = stats;
        this.idleTimeoutMillis = idleTimeoutMillis;
        AtomicInteger n = new AtomicInteger();
        this.connections = new ThreadPoolExecutor(0, maxConnections, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, threadPrefix + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    @Override
    public void run() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warn("TCP accept on {} failed", server.getLocalSocketAddress(), e);
                }
                continue;
            }
            open.add(s);
            try {
                connections.execute(() -> serve(s));
            } catch (RejectedExecutionException e) {
                stats.recordTcpRejected();
                LOG.debug("too many TCP connections; closed the one from {}", s.getRemoteSocketAddress());
                close(s);
            }
        }
    }

    private void serve(Socket s) {
        try {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            byte[] length = new byte[2];
            while (!s.isClosed()) {
                long deadline = System.nanoTime() + idleTimeoutMillis * 1_000_000L;
                if (!readFully(s, in, length, deadline)) {
                    return;
                }
                byte[] query = new byte[((length[0] & 0xFF) << 8) | (length[1] & 0xFF)];
                if (!readFully(s, in, query, deadline)) {
                    return;
                }
                byte[] response = handler.respond(query, query.length, true, s.getInetAddress());
                if (response != null) {
                    out.write(frame(response));
                    out.flush();
                }
            }
        } catch (IOException e) {
            LOG.debug("TCP connection from {} ended: {}", s.getRemoteSocketAddress(), e.toString());
        } catch (RuntimeException e) {
            stats.recordInternalError();
            LOG.warn("internal error on the TCP connection from {}", s.getRemoteSocketAddress(), e);
        } finally {
            close(s);
        }
    }

    /** A DNS message with its two-byte length prefix, as TCP carries it. */
    static byte[] frame(byte[] message) {
        byte[] frame = new byte[message.length + 2];
        frame[0] = (byte) (message.length >>> 8);
        frame[1] = (byte) message.length;
        System.arraycopy(message, 0, frame, 2, message.length);
        return frame;
    }

    /** Fills {@code buf} before {@code deadline}; false on a clean end of stream or a timeout. */
    private static boolean readFully(Socket s, InputStream in, byte[] buf, long deadline) throws IOException {
        int off = 0;
        while (off < buf.length) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return false;
            }
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            int n;
            try {
                n = in.read(buf, off, buf.length - off);
            } catch (SocketTimeoutException e) {
                return false;
            }
            if (n < 0) {
                return false;
            }
            off += n;
        }
        return true;
    }

    private void close(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            LOG.debug("closing a TCP connection: {}", e.toString());
        }
    }

    /** Closes every open connection and stops the connection threads (the caller closes the server socket). */
    void closeConnections() throws InterruptedException {
        connections.shutdown();
        for (Socket s : List.copyOf(open)) {
            close(s);
        }
        connections.awaitTermination(5, TimeUnit.SECONDS);
    }
}
