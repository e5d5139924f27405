package dev.grapevine.roles.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pooled HTTP/1.1 client for calling upstream servers (the members of a role), on an {@link HttpLoop}:
 * {@code TCP_NODELAY}, keep-alive connections kept per loop and per endpoint (bounded: {@code maxConnections}
 * open, {@code maxIdle} idle, {@code maxPending} callers waiting; a caller beyond is refused at once), idle
 * connections closed after {@code idleTimeout}, and {@link #retire} to close the
 * connections of members that left or failed. A call made on a loop thread uses that loop's connections, so a
 * server answering on a loop calls its upstreams with no thread hop.
 *
 * <p>Failures are {@link UpstreamException}s saying how far the call got, for the caller to decide whether it
 * may be sent to another member. Thread-safe.
 */
public final class HttpConnector implements AutoCloseable {

    private final HttpLoop loop;
    private final Duration idleTimeout;
    private final int connectTimeoutMillis;
    private final int maxConnections;
    private final int maxIdle;
    private final int maxPending;
    private final int maxResponseBody;
    private final Bootstrap base;
    private final Bootstrap tlsBase;
    /** Made on the first https call: most processes never need one. */
    private volatile SslContext tls;
    /** Per loop, its pools by origin; each inner map is touched on its own loop only. */
    private final Map<EventLoop, Map<Origin, EndpointPool>> pools = new ConcurrentHashMap<>();
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong reused = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean closed;

    private HttpConnector(Builder b) {
        this.loop = b.loop;
        this.connectTimeoutMillis = (int) b.connectTimeout.toMillis();
        this.maxConnections = b.maxConnections;
        this.maxIdle = b.maxIdle;
        this.maxPending = b.maxPending;
        this.maxResponseBody = b.maxResponseBody;
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(8 * 1024)
                .setMaxHeaderSize(b.maxHeaderSize)
                .setMaxChunkSize(16 * 1024);
        long idleMillis = b.idleTimeout.toMillis();
        this.idleTimeout = b.idleTimeout;
        this.base = new Bootstrap()
                .channel(loop.channelType())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.ALLOCATOR, loop.allocator())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("codec", new HttpClientCodec(decoder, false, false))
                                .addLast("idle", new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS))
                                .addLast("exchange", new UpstreamHandler());
                    }
                });
        this.tlsBase = base.clone();
    }

    /**
     * Where a pool's connections go: an address and, for TLS, the host name the certificate must name (also sent
     * as SNI); null for plaintext.
     */
    record Origin(InetSocketAddress address, String tlsHost) {
    }

    /** A builder of a client on {@code loop}. */
    public static Builder builder(HttpLoop loop) {
        return new Builder(loop);
    }

    /** The loop it runs on. */
    public HttpLoop loop() {
        return loop;
    }

    /**
     * How long a connection may go without reading anything: idle in the pool, or leased and waiting for an
     * answer (then the exchange fails at the stage it reached).
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * Sends one request to {@code endpoint} and gathers the whole answer (at most {@code maxResponseBody} bytes).
     * Completes on a loop thread: what is chained on the future must not block.
     *
     * @param endpoint the server
     * @param method   the method, e.g. {@code GET}
     * @param target   the path and query, starting with {@code /}
     * @param headers  headers to send ({@code Host} defaults to the endpoint, {@code Content-Length} is set here)
     * @param body     the body, empty for none
     * @param timeout  for the whole call, connecting included
     * @return the answer, or an {@link UpstreamException}
     */
    public CompletableFuture<HttpReply> call(InetSocketAddress endpoint, String method, String target,
                                             Map<String, ? extends Iterable<String>> headers, byte[] body,
                                             Duration timeout) {
        Objects.requireNonNull(endpoint, "endpoint");
        if (!target.startsWith("/")) {
            throw new IllegalArgumentException("target must start with '/': " + target);
        }
        return call(new Origin(endpoint, null), method, target, headers, body, timeout);
    }

    /**
     * Sends one request to the server of an {@code http} or {@code https} URI (TLS with the JDK's trust store and
     * host name check) and gathers the answer, as {@link #call(InetSocketAddress, String, String, Map, byte[],
     * Duration)}. Resolves the URI's host here, which may block on a name lookup: call it off the loops.
     *
     * @throws IllegalArgumentException for another scheme, or a host that does not resolve
     */
    public CompletableFuture<HttpReply> call(URI uri, String method, Map<String, ? extends Iterable<String>> headers,
                                             byte[] body, Duration timeout) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean secure = scheme.equals("https");
        if (!secure && !scheme.equals("http")) {
            throw new IllegalArgumentException("only http and https URIs can be called: " + uri);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in " + uri);
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : secure ? 443 : 80;
        InetSocketAddress address = new InetSocketAddress(uri.getHost(), port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("cannot resolve host '" + uri.getHost() + "' of " + uri);
        }
        String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> v.forEach(x -> h.computeIfAbsent(k, y -> new ArrayList<>()).add(x)));
        h.putIfAbsent("Host", List.of(uri.getPort() >= 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost()));
        return call(new Origin(address, secure ? uri.getHost() : null), method, target, h, body, timeout);
    }

    private CompletableFuture<HttpReply> call(Origin origin, String method, String target,
                                              Map<String, ? extends Iterable<String>> headers, byte[] body,
                                              Duration timeout) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), target,
                body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        headers.forEach((name, values) -> values.forEach(v -> req.headers().add(name, v)));
        if (!req.headers().contains(HttpHeaderNames.HOST)) {
            req.headers().set(HttpHeaderNames.HOST, hostHeader(origin.address()));
        }
        HttpUtil.setContentLength(req, body.length);
        Call call = new Call(origin, req, timeout.toMillis());
        EventLoop l = currentOrNext();
        if (l.inEventLoop()) {
            call.start(l);
        } else {
            l.execute(() -> call.start(l));
        }
        return call.future;
    }

    /** {@code host:port} of an endpoint for a {@code Host} header, an IPv6 literal in brackets. */
    static String hostHeader(InetSocketAddress a) {
        String host = a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The loop the calling thread is, or the next one round robin. */
    EventLoop currentOrNext() {
        for (EventExecutor e : loop.group()) {
            if (e.inEventLoop()) {
                return (EventLoop) e;
            }
        }
        return loop.next();
    }

    /** Leases a plaintext connection of loop {@code l} to {@code endpoint}; must run on {@code l}. */
    void lease(EventLoop l, InetSocketAddress endpoint, Promise<Lease> promise) {
        lease(l, new Origin(endpoint, null), promise);
    }

    /** Leases a connection of loop {@code l} to {@code origin}; must run on {@code l}. */
    void lease(EventLoop l, Origin origin, Promise<Lease> promise) {
        if (closed) {
            promise.tryFailure(new UpstreamException(UpstreamException.Stage.CONNECT, false, "client closed", null));
            return;
        }
        Map<Origin, EndpointPool> byOrigin = pools.computeIfAbsent(l, x -> new HashMap<>());
        EndpointPool pool = byOrigin.computeIfAbsent(origin, o -> new EndpointPool(this, l, o));
        promise.addListener(f -> {
            if (f.isSuccess() && ((Lease) f.getNow()).reused()) {
                reused.incrementAndGet();
            }
        });
        pool.acquire(promise);
    }

    /** Closes the connections to {@code endpoint} (idle ones now, busy ones once their exchange ends). */
    public void retire(InetSocketAddress endpoint) {
        for (Map.Entry<EventLoop, Map<Origin, EndpointPool>> e : pools.entrySet()) {
            e.getKey().execute(() -> e.getValue().values().removeIf(p -> {
                if (!p.origin().address().equals(endpoint)) {
                    return false;
                }
                p.retire();
                return true;
            }));
        }
    }

    /** Upstream connections open now (leased or idle). */
    public int openConnections() {
        return channels.size();
    }

    /** The endpoints with open connections now. */
    public Set<InetSocketAddress> connectedEndpoints() {
        Set<InetSocketAddress> out = new HashSet<>();
        for (Channel c : channels) {
            if (c.remoteAddress() instanceof InetSocketAddress a) {
                out.add(a);
            }
        }
        return out;
    }

    /** Connections opened in all. */
    public long connectionsOpened() {
        return opened.get();
    }

    /** Exchanges that reused a kept connection. */
    public long connectionsReused() {
        return reused.get();
    }

    /** Connections that could not be made. */
    public long connectFailures() {
        return connectFailures.get();
    }

    /** Callers refused because an endpoint's pool and its queue were full. */
    public long refused() {
        return refused.get();
    }

    int connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    int maxConnections() {
        return maxConnections;
    }

    int maxIdle() {
        return maxIdle;
    }

    int maxPending() {
        return maxPending;
    }

    int maxResponseBody() {
        return maxResponseBody;
    }

    Bootstrap bootstrap(EventLoop l, Origin origin) {
        opened.incrementAndGet();
        if (origin.tlsHost() == null) {
            return base.clone(l);
        }
        SslContext ctx = tlsContext();
        Bootstrap b = tlsBase.clone(l);
        ChannelHandler plain = base.config().handler();
        return b.handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                SslHandler ssl = ctx.newHandler(ch.alloc(), origin.tlsHost(), origin.address().getPort());
                SSLParameters p = ssl.engine().getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS"); // check the certificate names the host
                ssl.engine().setSSLParameters(p);
                ch.pipeline().addLast("tls", ssl).addLast(plain);
            }
        });
    }

    private SslContext tlsContext() {
        SslContext c = tls;
        if (c == null) {
            synchronized (this) {
                if (tls == null) {
                    try {
                        tls = SslContextBuilder.forClient().build(); // the JDK's provider and trust store
                    } catch (SSLException e) {
                        throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
                    }
                }
                c = tls;
            }
        }
        return c;
    }

    void track(Channel ch) {
        channels.add(ch);
        if (closed) {
            ch.close();
        }
    }

    void untrack(Channel ch) {
        channels.remove(ch);
    }

    void countConnectFailure() {
        connectFailures.incrementAndGet();
    }

    void countRefused() {
        refused.incrementAndGet();
    }

    /** Closes every connection; calls in progress fail. The loop stays (it is shared). */
    @Override
    public void close() {
        closed = true;
        for (Map.Entry<EventLoop, Map<Origin, EndpointPool>> e : pools.entrySet()) {
            if (!e.getKey().isShuttingDown()) {
                e.getKey().execute(() -> {
                    e.getValue().values().forEach(EndpointPool::retire);
                    e.getValue().clear();
                });
            }
        }
        for (Channel c : channels) {
            c.close();
        }
        if (!loop.inLoop()) {
            for (Channel c : channels) {
                c.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        }
    }

    /** One {@link #call}: confined to its loop once started. */
    private final class Call implements ResponseListener {
        final CompletableFuture<HttpReply> future = new CompletableFuture<>();
        private final Origin origin;
        private final InetSocketAddress endpoint;
        private final FullHttpRequest request;
        private final long timeoutMillis;
        private ScheduledFuture<?> timer;
        private Lease lease;
        private UpstreamException.Stage stage = UpstreamException.Stage.CONNECT;
        private HttpResponse head;
        private ByteArrayOutputStream body;
        private boolean written;
        private boolean answered;

        Call(Origin origin, FullHttpRequest request, long timeoutMillis) {
            this.origin = origin;
            this.endpoint = origin.address();
            this.request = request;
            this.timeoutMillis = timeoutMillis;
        }

        void start(EventLoop l) {
            timer = l.schedule(() -> fail(new UpstreamException(stage, true, request.method() + " " + request.uri()
                    + " to " + endpoint + " timed out after " + timeoutMillis + " ms", null)),
                    timeoutMillis, TimeUnit.MILLISECONDS);
            Promise<Lease> p = l.newPromise();
            p.addListener(f -> {
                if (f.isSuccess()) {
                    leased((Lease) f.getNow());
                } else {
                    fail(f.cause());
                }
            });
            lease(l, origin, p);
        }

        private void leased(Lease l) {
            if (future.isDone()) {
                l.release(true); // timed out while waiting: the connection itself is clean
                return;
            }
            lease = l;
            stage = UpstreamException.Stage.SEND;
            l.listen(this);
            l.channel().writeAndFlush(request).addListener(f -> {
                if (f.isSuccess()) {
                    written = true;
                    finishIfComplete();
                } else {
                    onFailure(f.cause());
                }
            });
        }

        @Override
        public void onResponse(HttpObject part) {
            try {
                if (future.isDone()) {
                    return;
                }
                if (part.decoderResult().isFailure()) {
                    fail(new UpstreamException(stage, false, "malformed answer from " + endpoint + ": "
                            + part.decoderResult().cause().getMessage(), part.decoderResult().cause()));
                    return;
                }
                if (part instanceof HttpResponse r) {
                    if (r.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                        return; // 100 Continue and the like: the real answer follows
                    }
                    head = r;
                    stage = UpstreamException.Stage.RESPONSE;
                }
                if (part instanceof HttpContent c && head != null) {
                    ByteBuf content = c.content();
                    int n = content.readableBytes();
                    if (n > 0) {
                        if (body == null) {
                            body = new ByteArrayOutputStream(Math.max(64, Math.min(n, maxResponseBody)));
                        }
                        if ((long) body.size() + n > maxResponseBody) {
                            fail(new UpstreamException(stage, false, "answer from " + endpoint + " is over "
                                    + maxResponseBody + " bytes", null));
                            return;
                        }
                        content.getBytes(content.readerIndex(), body, n);
                    }
                    if (part instanceof LastHttpContent) {
                        answered = true;
                        finishIfComplete();
                    }
                }
            } catch (java.io.IOException e) {
                fail(e);
            } finally {
                ReferenceCountUtil.release(part);
            }
        }

        /** Completes once the answer has all arrived and the request was fully written (else it is not reusable). */
        private void finishIfComplete() {
            // The answer can come before the request is all written; then it completes when the write does.
            if (!answered || !written || future.isDone()) {
                return;
            }
            timer.cancel(false);
            Map<String, List<String>> headers = new TreeMap<>();
            for (Map.Entry<String, String> h : head.headers()) {
                headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h.getValue());
            }
            HttpReply reply = new HttpReply(head.status().code(), headers,
                    body == null ? new byte[0] : body.toByteArray());
            lease.release(HttpUtil.isKeepAlive(head));
            future.complete(reply);
        }

        @Override
        public void onFailure(Throwable cause) {
            fail(cause instanceof UpstreamException u ? u : new UpstreamException(stage,
                    cause instanceof java.net.SocketTimeoutException,
                    request.method() + " " + request.uri() + " to " + endpoint + " failed: " + cause, cause));
        }

        private void fail(Throwable cause) {
            UpstreamException e = cause instanceof UpstreamException u ? u
                    : new UpstreamException(stage, false, "call to " + endpoint + " failed: " + cause, cause);
            if (future.completeExceptionally(e)) {
                if (timer != null) {
                    timer.cancel(false);
                }
                if (lease != null) {
                    lease.discard();
                }
            }
        }
    }

    /** Settings of an {@link HttpConnector}; each is checked when set, naming the field. */
    public static final class Builder {
        private final HttpLoop loop;
        private Duration connectTimeout = Duration.ofSeconds(1);
        private Duration idleTimeout = Duration.ofSeconds(30);
        private int maxConnections = 256;
        private int maxIdle = 64;
        private int maxPending = 1024;
        private int maxResponseBody = 8 * 1024 * 1024;
        private int maxHeaderSize = 16 * 1024;

        private Builder(HttpLoop loop) {
            this.loop = Objects.requireNonNull(loop, "loop");
        }

        /** How long connecting may take (default 1 s); also the longest wait for a free connection. */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive("connectTimeout", d);
            return this;
        }

        /**
         * How long a kept connection may sit idle before it is closed, and how long a busy one may stay silent
         * before its exchange fails (default 30 s). Keep it below the upstream servers' own keep-alive timeout.
         */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = positive("idleTimeout", d);
            return this;
        }

        /** Connections open per endpoint and loop at most (default 256). */
        public Builder maxConnections(int n) {
            this.maxConnections = atLeast("maxConnections", n, 1);
            return this;
        }

        /** Idle connections kept per endpoint and loop at most (default 64). */
        public Builder maxIdle(int n) {
            this.maxIdle = atLeast("maxIdle", n, 0);
            return this;
        }

        /** Callers waiting for a connection per endpoint and loop at most, beyond {@code maxConnections} (default 1,024). */
        public Builder maxPending(int n) {
            this.maxPending = atLeast("maxPending", n, 0);
            return this;
        }

        /** The largest answer {@link #call} gathers, in bytes (default 8 MiB). */
        public Builder maxResponseBody(int bytes) {
            this.maxResponseBody = atLeast("maxResponseBody", bytes, 0);
            return this;
        }

        /** The largest header block accepted from an upstream, in bytes (default 16 KiB). */
        public Builder maxHeaderSize(int bytes) {
            this.maxHeaderSize = atLeast("maxHeaderSize", bytes, 256);
            return this;
        }

        /** The client. */
        public HttpConnector build() {
            if (loop.isClosed()) {
                throw new IllegalArgumentException("loop: " + loop + " is closed");
            }
            return new HttpConnector(this);
        }

        private static Duration positive(String field, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(field + " must be positive, was " + d);
            }
            return d;
        }

        private static int atLeast(String field, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(field + " must be at least " + min + ", was " + value);
            }
            return value;
        }
    }
}
