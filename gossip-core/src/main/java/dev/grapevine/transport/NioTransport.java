package dev.grapevine.transport;

import dev.grapevine.DropReason;
import dev.grapevine.Stats;
import dev.grapevine.time.Cancellable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The real {@link Transport}: UDP datagrams and TCP request/reply streams on one IP address and port,
 * driven by an {@link EventLoop}.
 *
 * <h2>Threads and lifecycle</h2>
 * The constructor opens and binds both sockets (so bind errors reach the caller) and may run on any thread.
 * Nothing is registered with the selector until {@link #start}, which must run on the loop thread; traffic
 * arriving before that waits in the kernel's buffers. {@link #start}, {@link #request} and {@link #close}
 * must be called on the loop thread; {@link #sendDatagram} is safe from any thread. Every callback runs on
 * the loop thread. Callback exceptions are logged and never break the transport.
 *
 * <h2>Datagrams</h2>
 * One reused heap receive buffer of {@link TransportOptions#receiveBufferSize()} bytes; a datagram larger
 * than that is truncated by the operating system. Each readiness event drains at most
 * {@value #MAX_DATAGRAMS_PER_WAKE} datagrams so one busy socket cannot starve the others sharing the loop.
 * Sends are non-blocking; a send the socket refuses (full buffer, unreachable, closed) is counted as
 * {@link DropReason#SEND_FAILED} and never thrown.
 *
 * <h2>Streams</h2>
 * One request frame and one reply frame per TCP connection, as in memberlist's push-pull; a frame is a
 * 4-byte big-endian length and that many bytes. The server side refuses connections beyond
 * {@link TransportOptions#maxInboundStreams()} ({@link DropReason#TOO_MANY_STREAMS}), cuts off frames
 * declaring more than {@link TransportOptions#maxFrameSize()} before allocating anything
 * ({@link DropReason#OVERSIZED}), and closes streams whose request has not fully arrived within
 * {@link TransportOptions#streamTimeout()} of being accepted ({@link DropReason#STREAM_TIMEOUT}); writing the
 * reply gets a fresh stream timeout of its own, counted the same way. A stream that ends before its frame is
 * counted as {@link DropReason#TRUNCATED}. The client side ({@link #request}) always answers asynchronously,
 * exactly once, within its timeout.
 *
 * <h2>Binding</h2>
 * With port 0 the UDP socket binds first and the TCP server then binds the port UDP got; if that port is
 * taken for TCP, both are released and the pair is retried with a fresh port, up to {@value #BIND_ATTEMPTS}
 * times.
 */
public final class NioTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(NioTransport.class);

    /** Datagrams read per readiness event, at most. */
    static final int MAX_DATAGRAMS_PER_WAKE = 64;

    /** Connections accepted per readiness event, at most. */
    static final int MAX_ACCEPTS_PER_WAKE = 64;

    /** Attempts at finding a port free for both UDP and TCP when port 0 was asked for. */
    static final int BIND_ATTEMPTS = 8;

    /** Pause in accepting after {@code accept} fails (e.g. out of file descriptors), to avoid spinning. */
    private static final long ACCEPT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final int ACCEPT_BACKLOG = 128;

    private final EventLoop loop;
    private final TransportOptions options;
    private final Stats stats;
    private final DatagramChannel udp;
    private final ServerSocketChannel server;
    private final InetSocketAddress boundAddress;
    private final ByteBuffer receiveBuffer;
    private final long streamTimeoutNanos;

    // Loop-confined state.
    private final Set<InboundStream> inboundStreams = new HashSet<>();
    private final Set<OutboundRequest> pendingRequests = new LinkedHashSet<>();
    private Inbound inbound;
    private SelectionKey serverKey;

    private volatile boolean closed;

    /** Where outgoing streams leave from; null: wherever the route decides. Set on any thread, read on the loop. */
    private volatile InetAddress streamSource;

    /**
     * Opens and binds the UDP socket and the TCP server at {@code bind}. May be called from any thread;
     * call {@link #start} on the loop thread to begin receiving.
     *
     * @param loop    the loop that will drive this transport
     * @param bind    the address to bind; port 0 picks a port free for both UDP and TCP
     * @param options limits enforced on inbound traffic
     * @param stats   where traffic and drops are counted
     * @throws IOException when the address cannot be bound (e.g. {@link BindException})
     */
    public NioTransport(EventLoop loop, InetSocketAddress bind, TransportOptions options, Stats stats)
            throws IOException {
        this.loop = Objects.requireNonNull(loop, "loop");
        this.options = Objects.requireNonNull(options, "options");
        this.stats = Objects.requireNonNull(stats, "stats");
        Objects.requireNonNull(bind, "bind");
        if (bind.isUnresolved()) {
            throw new UnknownHostException("unresolved bind address " + bind);
        }
        DatagramChannel boundUdp = null;
        ServerSocketChannel boundServer = null;
        int attempts = bind.getPort() == 0 ? BIND_ATTEMPTS : 1;
        for (int attempt = 1; boundUdp == null; attempt++) {
            DatagramChannel u = DatagramChannel.open();
            ServerSocketChannel s = null;
            try {
                u.configureBlocking(false);
                u.bind(bind);
                int port = ((InetSocketAddress) u.getLocalAddress()).getPort();
                s = ServerSocketChannel.open();
                s.configureBlocking(false);
                s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                s.bind(new InetSocketAddress(bind.getAddress(), port), ACCEPT_BACKLOG);
                boundUdp = u;
                boundServer = s;
            } catch (BindException e) {
                closeQuietly(s);
                closeQuietly(u);
                if (attempt >= attempts) {
                    throw e;
                }
                LOG.debug("port pair at {} not free (attempt {}), retrying: {}", bind, attempt, e.toString());
            } catch (IOException | RuntimeException e) {
                closeQuietly(s);
                closeQuietly(u);
                throw e;
            }
        }
        this.udp = boundUdp;
        this.server = boundServer;
        // Streams this node opens leave from its own address, not from whichever the route picks (on
        // loopback: 127.0.0.1), so that one node is one address to firewalls and to its peers.
        this.streamSource = bind.getAddress().isAnyLocalAddress() ? null : bind.getAddress();
        this.boundAddress = (InetSocketAddress) boundUdp.getLocalAddress();
        this.receiveBuffer = ByteBuffer.allocate(options.receiveBufferSize());
        this.streamTimeoutNanos = saturatedNanos(options);
        LOG.debug("bound UDP and TCP at {}", boundAddress);
    }

    /** {@inheritDoc} */
    @Override
    public InetSocketAddress boundAddress() {
        return boundAddress;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException when not on the loop thread, already started, or closed
     * @throws UncheckedIOException  when the sockets cannot be registered with the loop
     */
    @Override
    public void start(Inbound inbound) {
        Objects.requireNonNull(inbound, "inbound");
        checkInLoop("start");
        if (this.inbound != null) {
            throw new IllegalStateException("already started: " + this);
        }
        if (closed) {
            throw new IllegalStateException("closed: " + this);
        }
        this.inbound = inbound;
        try {
            loop.register(udp, SelectionKey.OP_READ, key -> onDatagramsReady());
            serverKey = loop.register(server, SelectionKey.OP_ACCEPT, key -> onAcceptReady());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot register " + boundAddress + " with " + loop.name(), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sends {@code datagram}'s remaining bytes without moving its position. Safe from any thread.
     */
    @Override
    public void sendDatagram(InetSocketAddress to, ByteBuffer datagram) {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(datagram, "datagram");
        try {
            int sent = udp.send(datagram.duplicate(), to);
            if (sent == 0) {
                stats.recordDrop(DropReason.SEND_FAILED);
                LOG.debug("{}: socket buffer full, dropped datagram to {}", boundAddress, to);
            } else {
                stats.recordSent(sent);
            }
        } catch (IOException | RuntimeException e) {
            stats.recordDrop(DropReason.SEND_FAILED);
            LOG.debug("{}: datagram to {} failed: {}", boundAddress, to, e.toString());
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The request is copied (its position is not moved). The reply callback always runs later on the loop
     * thread, never inside this call. Failures: {@link java.net.ConnectException} when refused,
     * {@link TimeoutException} after {@code timeoutNanos}, {@link FrameTooLargeException} for an oversized
     * reply, {@link EOFException} when the peer closes without a full reply, {@link ClosedChannelException}
     * when this transport is closed first. If the loop itself is closed, no callback runs at all.
     *
     * @throws IllegalStateException when not on the loop thread
     */
    @Override
    public void request(InetSocketAddress to, ByteBuffer request, long timeoutNanos, Reply reply) {
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(reply, "reply");
        checkInLoop("request");
        OutboundRequest r = new OutboundRequest(to, FrameReader.encode(request), reply);
        if (closed) {
            loop.execute(() -> r.fail(new ClosedChannelException()));
            return;
        }
        pendingRequests.add(r);
        r.timer = loop.schedule(timeoutNanos, () -> r.fail(new TimeoutException(
                "no reply from " + to + " within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms")));
        try {
            r.channel = SocketChannel.open();
            stats.recordStreamOpened();
            r.channel.configureBlocking(false);
            InetAddress source = streamSource;
            if (source != null && to.getAddress() != null
                    && (source instanceof java.net.Inet4Address) == (to.getAddress() instanceof java.net.Inet4Address)) {
                r.channel.bind(new InetSocketAddress(source, 0));
            }
            r.connected = r.channel.connect(to);
            loop.register(r.channel, r.connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, r);
        } catch (IOException | RuntimeException e) {
            loop.execute(() -> r.fail(e));
        }
    }

    /**
     * Where streams this transport opens leave from: by default the bind address when it is a specific one;
     * a node bound to a wildcard sets its advertise address here when that is an address of this host.
     * Null leaves the choice to the route. Takes effect for streams opened afterwards.
     */
    public void streamSource(InetAddress source) {
        this.streamSource = source;
    }

    /** Where outgoing streams leave from, or null when the route decides. */
    public InetAddress streamSource() {
        return streamSource;
    }

    /** {@inheritDoc} */
    @Override
    public int maxFrameSize() {
        return options.maxFrameSize();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Closes both sockets and every open stream; pending requests fail with
     * {@link ClosedChannelException} (their callbacks run during this call). Idempotent. Must be called on
     * the loop thread, unless the loop is already closed (then it only releases the sockets).
     *
     * @throws IllegalStateException when called off the loop thread of a running loop
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (!loop.inProtocolThread()) {
            if (!loop.isClosed()) {
                throw new IllegalStateException("close must be called on " + loop.name());
            }
            closed = true;
            closeQuietly(udp);
            closeQuietly(server);
            return;
        }
        closed = true;
        closeQuietly(udp);
        closeQuietly(server);
        for (InboundStream s : new ArrayList<>(inboundStreams)) {
            s.finish();
        }
        for (OutboundRequest r : new ArrayList<>(pendingRequests)) {
            r.fail(new ClosedChannelException());
        }
        LOG.debug("closed transport at {}", boundAddress);
    }

    /** True once {@link #close()} has been called. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "NioTransport[" + boundAddress + (closed ? ", closed]" : "]");
    }

    // ------------------------------------------------------------------------------------------ datagrams

    private void onDatagramsReady() {
        for (int i = 0; i < MAX_DATAGRAMS_PER_WAKE && !closed; i++) {
            receiveBuffer.clear();
            SocketAddress from;
            try {
                from = udp.receive(receiveBuffer);
            } catch (IOException e) {
                if (!closed) {
                    LOG.debug("{}: receive failed: {}", boundAddress, e.toString());
                }
                return;
            }
            if (from == null) {
                return;
            }
            receiveBuffer.flip();
            stats.recordReceived(receiveBuffer.remaining());
            try {
                inbound.onDatagram((InetSocketAddress) from, receiveBuffer);
            } catch (RuntimeException e) {
                LOG.error("{}: datagram handler failed on a datagram from {}", boundAddress, from, e);
            }
        }
    }

    // ------------------------------------------------------------------------------------ inbound streams

    private void onAcceptReady() {
        for (int i = 0; i < MAX_ACCEPTS_PER_WAKE && !closed; i++) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("{}: accept failed, pausing accepts: {}", boundAddress, e.toString());
                    pauseAccepting();
                }
                return;
            }
            if (channel == null) {
                return;
            }
            if (inboundStreams.size() >= options.maxInboundStreams()) {
                closeQuietly(channel);
                stats.recordDrop(DropReason.TOO_MANY_STREAMS);
                LOG.debug("{}: refused a stream, {} already open", boundAddress, inboundStreams.size());
                continue;
            }
            try {
                InetSocketAddress remote = (InetSocketAddress) channel.getRemoteAddress();
                InboundStream stream = new InboundStream(channel, remote);
                stream.key = loop.register(channel, SelectionKey.OP_READ, stream);
                inboundStreams.add(stream);
                stats.recordStreamAccepted();
                stream.timer = loop.schedule(streamTimeoutNanos, stream::onTimeout);
            } catch (IOException e) {
                LOG.debug("{}: lost an accepted stream: {}", boundAddress, e.toString());
                closeQuietly(channel);
            }
        }
    }

    private void pauseAccepting() {
        SelectionKey key = serverKey;
        key.interestOps(0);
        loop.schedule(ACCEPT_BACKOFF_NANOS, () -> {
            if (!closed && key.isValid()) {
                key.interestOps(SelectionKey.OP_ACCEPT);
            }
        });
    }

    /** The server side of one stream: read one frame, hand it to the node, write the reply, close. */
    private final class InboundStream implements IoHandler {
        final SocketChannel channel;
        final InetSocketAddress remote;
        final FrameReader reader = new FrameReader(options.maxFrameSize());
        SelectionKey key;
        Cancellable timer = Cancellable.NONE;
        ByteBuffer out;
        boolean done;

        InboundStream(SocketChannel channel, InetSocketAddress remote) {
            this.channel = channel;
            this.remote = remote;
        }

        @Override
        public void onReady(SelectionKey k) {
            try {
                if (out == null) {
                    continueReading();
                } else {
                    continueWriting();
                }
            } catch (FrameTooLargeException e) {
                stats.recordDrop(DropReason.OVERSIZED);
                LOG.debug("{}: stream from {} dropped: {}", boundAddress, remote, e.getMessage());
                finish();
            } catch (EOFException e) {
                stats.recordDrop(DropReason.TRUNCATED);
                LOG.debug("{}: stream from {} dropped: {}", boundAddress, remote, e.getMessage());
                finish();
            } catch (IOException e) {
                LOG.debug("{}: stream from {} failed: {}", boundAddress, remote, e.toString());
                finish();
            }
        }

        private void continueReading() throws IOException {
            if (!reader.readFrom(channel)) {
                return;
            }
            timer.cancel();
            key.interestOps(0);
            ByteBuffer reply;
            try {
                reply = inbound.onRequest(remote, reader.frame());
            } catch (RuntimeException e) {
                LOG.error("{}: request handler failed on a stream from {}", boundAddress, remote, e);
                finish();
                return;
            }
            if (done) {
                return; // the handler closed the transport
            }
            if (reply == null) {
                finish();
                return;
            }
            out = FrameReader.encode(reply);
            timer = loop.schedule(streamTimeoutNanos, this::onTimeout);
            continueWriting();
        }

        private void continueWriting() throws IOException {
            channel.write(out);
            if (out.hasRemaining()) {
                key.interestOps(SelectionKey.OP_WRITE);
            } else {
                finish();
            }
        }

        void onTimeout() {
            if (done) {
                return;
            }
            stats.recordDrop(DropReason.STREAM_TIMEOUT);
            LOG.debug("{}: stream from {} timed out while {}", boundAddress, remote,
                    out == null ? "reading the request" : "writing the reply");
            finish();
        }

        void finish() {
            if (done) {
                return;
            }
            done = true;
            timer.cancel();
            inboundStreams.remove(this);
            closeQuietly(channel);
        }

        @Override
        public String toString() {
            return "InboundStream[" + remote + " -> " + boundAddress + "]";
        }
    }

    // ----------------------------------------------------------------------------------- outbound requests

    /** The client side of one stream: connect, write the request frame, read the reply frame, close. */
    private final class OutboundRequest implements IoHandler {
        final InetSocketAddress to;
        final ByteBuffer out;
        final Reply reply;
        final FrameReader reader = new FrameReader(options.maxFrameSize());
        SocketChannel channel;
        Cancellable timer = Cancellable.NONE;
        boolean connected;
        boolean done;

        OutboundRequest(InetSocketAddress to, ByteBuffer out, Reply reply) {
            this.to = to;
            this.out = out;
            this.reply = reply;
        }

        @Override
        public void onReady(SelectionKey key) {
            try {
                if (!connected) {
                    if (!channel.finishConnect()) {
                        return;
                    }
                    connected = true;
                }
                if (out.hasRemaining()) {
                    channel.write(out);
                    if (out.hasRemaining()) {
                        key.interestOps(SelectionKey.OP_WRITE);
                        return;
                    }
                    key.interestOps(SelectionKey.OP_READ);
                }
                if (reader.readFrom(channel)) {
                    succeed(reader.frame());
                }
            } catch (IOException | RuntimeException e) {
                fail(e);
            }
        }

        void succeed(ByteBuffer frame) {
            if (finish()) {
                try {
                    reply.onReply(frame);
                } catch (RuntimeException e) {
                    LOG.error("{}: reply callback for {} failed", boundAddress, to, e);
                }
            }
        }

        void fail(Exception cause) {
            if (finish()) {
                LOG.debug("{}: request to {} failed: {}", boundAddress, to, cause.toString());
                try {
                    reply.onFailure(cause);
                } catch (RuntimeException e) {
                    LOG.error("{}: failure callback for {} failed", boundAddress, to, e);
                }
            }
        }

        /** Releases everything; true only the first time, so exactly one callback runs. */
        private boolean finish() {
            if (done) {
                return false;
            }
            done = true;
            timer.cancel();
            pendingRequests.remove(this);
            closeQuietly(channel);
            return true;
        }

        @Override
        public String toString() {
            return "OutboundRequest[" + boundAddress + " -> " + to + "]";
        }
    }

    // -------------------------------------------------------------------------------------------- helpers

    private void checkInLoop(String what) {
        if (!loop.inProtocolThread()) {
            throw new IllegalStateException(what + " must be called on " + loop.name() + ", not on "
                    + Thread.currentThread().getName());
        }
    }

    private static long saturatedNanos(TransportOptions options) {
        try {
            return options.streamTimeout().toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static void closeQuietly(Channel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing {} failed: {}", channel, e.toString());
        }
    }
}
