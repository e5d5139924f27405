package dev.grapevine.roles.http;

import dev.grapevine.HostPort;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * An HTTP/1.1 server on an {@link HttpLoop} (Netty): keep-alive connections with {@code TCP_NODELAY}, bounded
 * request lines, headers and bodies, push-back when too many requests are in progress, and a graceful close.
 * It answers through an {@link HttpHandler}, or passes every request on as a {@link ReverseProxy}.
 *
 * <pre>{@code
 * HttpService s = HttpService.builder("app1", new HostPort("127.0.0.31", 8080))
 *         .loop(loop)                                   // shared with the other servers and clients
 *         .handler((req, out) -> out.text(200, "I'm app1"))
 *         .start();
 * }</pre>
 *
 * <p>Limits, all answered before the handler sees the request, and counted:
 * <ul>
 *   <li>a request the parser cannot read: 400; a request line over {@code maxInitialLine}: 414; headers over
 *       {@code maxHeaderSize}: 431 ({@link #malformed()}); the connection is closed after the answer;</li>
 *   <li>a body over {@code maxBody}: 413 ({@link #tooLarge()}; a declared length before the body is read);</li>
 *   <li>over {@code maxInFlight} requests in progress: 503 with {@code Retry-After: 1} ({@link #rejected()}),
 *       which callers such as {@code RoleClient} and the proxy retry on another member for idempotent methods.
 *       Nothing queues without bound.</li>
 * </ul>
 *
 * <p>{@link #close()} keeps serving until no request has been in progress for {@link #QUIET} (or the drain time
 * has passed), answering with {@code Connection: close} meanwhile, then closes the listener and every
 * connection. With the launcher's {@code Launch#register}, it closes after the node has left the cluster: peers
 * have stopped picking it, and what they sent before they learnt of the leave is still answered.
 */
public final class HttpService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);

    /** How long no request must have been in progress before {@link #close()} stops the server. */
    public static final Duration QUIET = Duration.ofMillis(250);

    private final String name;
    private final HttpLoop loop;
    private final boolean ownLoop;
    private final int maxInFlight;
    private final int maxBody;
    private final Duration drain;
    private final Channel listener;
    private final Set<Channel> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong tooLarge = new AtomicLong();
    private volatile boolean draining;
    /** The listener is closed: a connection that becomes active now is closed at once. */
    private volatile boolean stopped;
    private volatile long lastDone = System.nanoTime();

    private HttpService(Builder b, HttpLoop loop, boolean ownLoop) throws IOException {
        this.name = b.name;
        this.loop = loop;
        this.ownLoop = ownLoop;
        this.maxInFlight = b.maxInFlight;
        this.maxBody = b.maxBody;
        this.drain = b.drain;
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(b.maxInitialLine)
                .setMaxHeaderSize(b.maxHeaderSize)
                .setMaxChunkSize(16 * 1024);
        int idleSeconds = (int) Math.max(1, b.idleTimeout.toSeconds());
        Function<HttpService, ChannelHandler> terminal = b.terminal;
        ServerBootstrap sb = new ServerBootstrap()
                .group(loop.group())
                .channel(loop.serverChannelType())
                .option(ChannelOption.SO_BACKLOG, b.backlog)
                .option(ChannelOption.ALLOCATOR, loop.allocator())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.ALLOCATOR, loop.allocator())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("codec", new HttpServerCodec(decoder))
                                .addLast("idle", new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS))
                                .addLast("keepalive", new HttpServerKeepAliveHandler())
                                .addLast("gate", new ServerGate(HttpService.this))
                                .addLast("answer", terminal.apply(HttpService.this));
                    }
                });
        try {
            this.listener = sb.bind(new InetSocketAddress(b.bind.host(), b.bind.port())).syncUninterruptibly().channel();
        } catch (Exception e) {
            if (ownLoop) {
                loop.close();
            }
            throw new IOException("cannot listen for HTTP on " + b.bind + ": " + e.getMessage(), e);
        }
        LOG.info("{}: HTTP on {}", name, address());
    }

    /**
     * A builder of a server named {@code name} (in log lines) listening on {@code bind}.
     *
     * @param name names the log lines, and the threads of its own loop when it gets none
     * @param bind where to listen; port 0 picks a free port
     */
    public static Builder builder(String name, HostPort bind) {
        return new Builder(name, bind);
    }

    /** Where it listens (with the real port when bound to port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** The loop its connections run on. */
    public HttpLoop loop() {
        return loop;
    }

    /** The name given to the builder. */
    public String name() {
        return name;
    }

    /** Requests being handled now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Requests received in all (every answer counted, push-backs and malformed ones included). */
    public long requests() {
        return requests.get();
    }

    /** Requests answered 503 because {@code maxInFlight} were already in progress. */
    public long rejected() {
        return rejected.get();
    }

    /** Requests answered 400, 414 or 431 because they could not be parsed or were too large to parse. */
    public long malformed() {
        return malformed.get();
    }

    /** Requests answered 413 because their body was over {@code maxBody} (the proxy counts its own). */
    public long tooLarge() {
        return tooLarge.get();
    }

    /** Connections open now. */
    public int connections() {
        return connections.size();
    }

    /** True once {@link #close()} has begun: answers say {@code Connection: close}. */
    public boolean isDraining() {
        return draining;
    }

    int maxInFlight() {
        return maxInFlight;
    }

    int maxBody() {
        return maxBody;
    }

    void countRequest() {
        requests.incrementAndGet();
    }

    void countMalformed() {
        malformed.incrementAndGet();
    }

    void countTooLarge() {
        tooLarge.incrementAndGet();
    }

    /**
     * Counts a request in progress unless {@code maxInFlight} already are; false (and counted) if refused.
     * {@code releasing} answers of the caller's connection are written and only wait for the socket: they do not
     * count against the limit (else a pipelined request would be pushed back by the answer before it).
     */
    boolean tryAdmit(int releasing) {
        while (true) {
            int n = inFlight.get();
            if (n - releasing >= maxInFlight) {
                rejected.incrementAndGet();
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** A request in progress has been answered. */
    void done() {
        lastDone = System.nanoTime();
        inFlight.decrementAndGet();
    }

    void track(Channel ch) {
        connections.add(ch);
        if (stopped) {
            ch.close();
        }
    }

    void untrack(Channel ch) {
        connections.remove(ch);
    }

    /** The connections open now (a copy), for tests that inspect their channels. */
    Set<Channel> connectionChannels() {
        return Set.copyOf(connections);
    }

    /**
     * Serves until no request has been in progress for {@link #QUIET} (the stragglers peers sent before they
     * learnt this node left are answered), or until the drain time has passed, then closes the listener and every
     * connection, and its loop when it made its own. Must not be called on an event loop thread.
     */
    @Override
    public void close() {
        if (loop.inLoop()) {
            throw new IllegalStateException("HttpService.close() blocks: call it off the HTTP loop");
        }
        draining = true;
        long deadline = System.nanoTime() + drain.toNanos();
        try {
            while (System.nanoTime() - deadline < 0
                    && !(inFlight.get() == 0 && System.nanoTime() - lastDone >= QUIET.toNanos())) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (inFlight.get() > 0) {
            LOG.warn("{}: {} request(s) still in progress after the drain time {}; stopping", name, inFlight.get(),
                    drain);
        }
        listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        stopped = true;
        for (Channel c : connections) {
            c.close();
        }
        for (Channel c : connections) {
            c.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (ownLoop) {
            loop.close();
        }
        LOG.info("{}: HTTP stopped", name);
    }

    @Override
    public String toString() {
        return "HttpService[" + name + " on " + address() + "]";
    }

    /** Settings of an {@link HttpService}; each is checked when set, naming the field. */
    public static final class Builder {
        private final String name;
        private final HostPort bind;
        private HttpLoop loop;
        private Function<HttpService, ChannelHandler> terminal;
        private ReverseProxy proxy;
        private int maxInFlight = 1024;
        private int maxInitialLine = 8 * 1024;
        private int maxHeaderSize = 16 * 1024;
        private int maxBody = 1024 * 1024;
        private Duration idleTimeout = Duration.ofSeconds(75);
        private Duration drain = Duration.ofSeconds(5);
        private int backlog = 1024;

        private Builder(String name, HostPort bind) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = name;
            this.bind = Objects.requireNonNull(bind, "bind");
        }

        /** The loop to run on (default: a loop of one thread of its own, closed with the server). */
        public Builder loop(HttpLoop loop) {
            this.loop = Objects.requireNonNull(loop, "loop");
            return this;
        }

        /** Answers every request through {@code handler}. */
        public Builder handler(HttpHandler handler) {
            Objects.requireNonNull(handler, "handler");
            this.proxy = null;
            this.terminal = s -> new Dispatcher(s, handler);
            return this;
        }

        /**
         * Passes every request on through {@code proxy} (streamed both ways, see {@link ReverseProxy}). The
         * service runs on the loop of the proxy's connector (a {@link #loop} given must be that one).
         */
        public Builder proxy(ReverseProxy proxy) {
            Objects.requireNonNull(proxy, "proxy");
            this.proxy = proxy;
            this.terminal = proxy::newExchangeHandler;
            return this;
        }

        /** Requests in progress at most before new ones are answered 503 (default 1,024). */
        public Builder maxInFlight(int n) {
            this.maxInFlight = atLeast("maxInFlight", n, 1);
            return this;
        }

        /** The longest request line, in bytes (default 8 KiB; longer: 414). */
        public Builder maxInitialLine(int bytes) {
            this.maxInitialLine = atLeast("maxInitialLine", bytes, 64);
            return this;
        }

        /** The largest header block, in bytes (default 16 KiB; larger: 431). */
        public Builder maxHeaderSize(int bytes) {
            this.maxHeaderSize = atLeast("maxHeaderSize", bytes, 256);
            return this;
        }

        /** The largest request body a handler gets, in bytes (default 1 MiB; larger: 413). The proxy has its own. */
        public Builder maxBody(int bytes) {
            this.maxBody = atLeast("maxBody", bytes, 0);
            return this;
        }

        /** How long a keep-alive connection may sit idle before it is closed (default 75 s, whole seconds). */
        public Builder idleTimeout(Duration d) {
            if (d == null || d.toSeconds() < 1) {
                throw new IllegalArgumentException("idleTimeout must be at least 1 s, was " + d);
            }
            this.idleTimeout = d;
            return this;
        }

        /** How long {@link #close()} lets requests in progress finish at most (default 5 s). */
        public Builder drain(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("drain must be zero or positive, was " + d);
            }
            this.drain = d;
            return this;
        }

        /** The listen backlog (default 1,024). */
        public Builder backlog(int n) {
            this.backlog = atLeast("backlog", n, 1);
            return this;
        }

        /**
         * Listens and serves.
         *
         * @throws IllegalArgumentException when no handler or proxy was given
         * @throws IOException              when the address cannot be bound, naming it
         */
        public HttpService start() throws IOException {
            if (terminal == null) {
                throw new IllegalArgumentException("handler: give a handler or a proxy to answer requests");
            }
            HttpLoop l = loop;
            if (proxy != null) {
                HttpLoop wanted = proxy.connector().loop();
                if (l != null && l != wanted) {
                    throw new IllegalArgumentException("loop: a proxy's service must run on its connector's loop ("
                            + wanted + "), was " + l);
                }
                l = wanted;
            }
            if (l != null && l.isClosed()) {
                throw new IllegalArgumentException("loop: " + l + " is closed");
            }
            boolean own = l == null;
            return new HttpService(this, own ? HttpLoop.create(name, 1) : l, own);
        }

        private static int atLeast(String field, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(field + " must be at least " + min + ", was " + value);
            }
            return value;
        }
    }
}
