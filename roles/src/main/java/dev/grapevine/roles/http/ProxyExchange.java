package dev.grapevine.roles.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One request through the {@link ReverseProxy}, from its head to the end of its answer: picks an upstream,
 * leases a connection on the client connection's loop, sends the request, streams the answer back, retries on
 * another upstream where that is safe (see the proxy's class comment). Confined to the loop.
 *
 * <p>The body is <i>buffered</i> (held whole, then sent, and sent again on a retry) while it is at most the
 * proxy's {@code retryBuffer}; past that it is <i>streamed</i>: parts go out as they come and none is kept, so a
 * streamed request is retried only when nothing of it was written.
 */
final class ProxyExchange implements ResponseListener {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyExchange.class);

    /** Hop-by-hop headers (RFC 9110 section 7.6.1 and the legacy ones), never passed on. */
    /** Headers about one connection, never passed on (RFC 9110, 7.6.1), besides those {@code Connection} names. */
    private static final List<AsciiString> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION,
            HttpHeaderNames.KEEP_ALIVE, AsciiString.cached("proxy-connection"), HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE, HttpHeaderNames.TRAILER,
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE);
    private static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT,
            HttpMethod.DELETE, HttpMethod.OPTIONS, HttpMethod.TRACE);
    /** Held body bytes waiting for a connection beyond which the client is paused. */
    private static final int PAUSE_CLIENT_AT = 64 * 1024;

    private final ReverseProxy proxy;
    private final ProxyConnection conn;
    private final Channel client;
    private final EventLoop loop;
    private final HttpRequest request;
    private final boolean idempotent;
    private final boolean headRequest;
    private HttpRequest upstreamHead;

    /** Body parts received and not yet sent (streamed), or all of them (buffered, kept for a retry). */
    private final ArrayDeque<HttpContent> held = new ArrayDeque<>();
    private long heldBytes;
    private long bodyBytes;
    private boolean streamed;
    private boolean requestEnded;

    private final Set<String> tried = new HashSet<>();
    private int attempts;
    private Upstream current;
    private Lease lease;
    /** Any part of the request was written to an upstream connection, in any attempt. */
    private boolean anyWritten;
    /** The current attempt has written the whole request. */
    private boolean requestSent;
    private HttpResponse upstreamResponse;
    private boolean responseStarted;
    private ScheduledFuture<?> responseTimer;
    private boolean done;
    private Throwable lastFailure;

    ProxyExchange(ReverseProxy proxy, ProxyConnection conn, HttpRequest request) {
        this.proxy = proxy;
        this.conn = conn;
        this.client = conn.ctx().channel();
        this.loop = client.eventLoop();
        this.request = request;
        this.idempotent = IDEMPOTENT.contains(request.method());
        this.headRequest = request.method().equals(HttpMethod.HEAD);
    }

    // ------------------------------------------------------------------------------------------------
    // The request

    void start() {
        long declared = HttpUtil.getContentLength(request, -1L);
        if (declared > proxy.maxBody()) {
            tooLarge();
            return;
        }
        upstreamHead = upstreamHead();
        if (HttpUtil.is100ContinueExpected(request)) {
            client.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        streamed = declared > proxy.retryBuffer();
        if (streamed) {
            attempt();
        }
    }

    void requestContent(HttpContent c) {
        if (done) {
            ReferenceCountUtil.release(c);
            return;
        }
        boolean last = c instanceof LastHttpContent;
        bodyBytes += c.content().readableBytes();
        if (bodyBytes > proxy.maxBody()) {
            ReferenceCountUtil.release(c);
            if (responseStarted) {
                abort("request body over " + proxy.maxBody() + " bytes after the answer started");
            } else {
                discardLease();
                tooLarge();
            }
            return;
        }
        if (last) {
            requestEnded = true;
        }
        if (!streamed) {
            hold(c);
            if (heldBytes > proxy.retryBuffer()) {
                streamed = true;
                attempt();
            } else if (last) {
                attempt();
            }
            return;
        }
        if (lease != null) {
            write(c);
            if (last) {
                requestFullySent();
            }
        } else {
            hold(c); // sent once a connection is leased
        }
    }

    private void hold(HttpContent c) {
        held.add(c);
        heldBytes += c.content().readableBytes();
        if (streamed && heldBytes > PAUSE_CLIENT_AT) {
            client.config().setAutoRead(false);
        }
    }

    /** The request as it goes to an upstream: origin-form target, hop-by-hop headers out, forwarding headers in. */
    private HttpRequest upstreamHead() {
        String uri = request.uri();
        if (uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8)) {
            int slash = uri.indexOf('/', uri.indexOf("//") + 2);
            uri = slash < 0 ? "/" : uri.substring(slash);
        }
        HttpHeaders h = endToEnd(request.headers());
        HttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), uri, h);
        h.remove(HttpHeaderNames.EXPECT); // answered here
        String host = request.headers().get(HttpHeaderNames.HOST);
        String remote = client.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "";
        // Every X-Forwarded-For line the client sent, in order, as one list, then the client's own address.
        List<String> xffs = h.getAll("X-Forwarded-For");
        StringBuilder xff = new StringBuilder();
        for (String v : xffs) {
            if (!v.isBlank()) {
                xff.append(v.trim()).append(", ");
            }
        }
        h.set("X-Forwarded-For", xff.append(remote).toString());
        if (!h.contains("X-Forwarded-Proto")) {
            h.set("X-Forwarded-Proto", "http");
        }
        if (host != null && !h.contains("X-Forwarded-Host")) {
            h.set("X-Forwarded-Host", host);
        }
        if (HttpUtil.isTransferEncodingChunked(request)) {
            HttpUtil.setTransferEncodingChunked(out, true);
        }
        return out;
    }

    /**
     * A copy of {@code from} without the hop-by-hop headers and those {@code Connection} names. (The copy and the
     * removals work on Netty's header arrays, case-insensitively, with no per-header strings made.)
     */
    static HttpHeaders endToEnd(HttpHeaders from) {
        HttpHeaders to = from.copy();
        if (to.contains(HttpHeaderNames.CONNECTION)) {
            for (String v : to.getAll(HttpHeaderNames.CONNECTION)) {
                for (String token : v.split(",")) {
                    String name = token.trim();
                    if (!name.isEmpty()) {
                        to.remove(name);
                    }
                }
            }
        }
        for (AsciiString name : HOP_BY_HOP) {
            to.remove(name);
        }
        return to;
    }

    // ------------------------------------------------------------------------------------------------
    // Attempts

    private void attempt() {
        if (done) {
            return;
        }
        Optional<Upstream> next = proxy.upstreams().pick(tried);
        if (next.isEmpty()) {
            if (attempts == 0) {
                proxy.unavailable.incrementAndGet();
                localAnswer(HttpResponseStatus.SERVICE_UNAVAILABLE, "no upstream available");
            } else {
                proxy.badGateway.incrementAndGet();
                localAnswer(HttpResponseStatus.BAD_GATEWAY, "no upstream answered (" + tried + "): " + lastFailure);
            }
            return;
        }
        if (attempts > 0) {
            proxy.retried.incrementAndGet();
        }
        attempts++;
        Upstream u = next.get();
        current = u;
        tried.add(u.name());
        requestSent = false;
        Promise<Lease> p = loop.newPromise();
        p.addListener(f -> {
            if (f.isSuccess()) {
                leased(u, (Lease) f.getNow());
            } else {
                proxy.upstreams().unreachable(u);
                failed(u, f.cause());
            }
        });
        proxy.connector().lease(loop, u.endpoint(), p);
    }

    private void leased(Upstream u, Lease l) {
        if (done || u != current) {
            l.release(true); // unused: the connection is clean
            return;
        }
        lease = l;
        l.listen(this);
        Channel up = l.channel();
        up.write(upstreamHead, up.voidPromise());
        anyWritten = true;
        if (streamed) {
            HttpContent c;
            while ((c = held.poll()) != null) {
                write(c);
            }
            heldBytes = 0;
            resumeClient();
        } else {
            for (HttpContent c : held) {
                write(c.retainedDuplicate());
            }
        }
        up.flush();
        if (requestEnded) {
            requestFullySent();
        }
    }

    private void write(HttpContent c) {
        Lease l = lease;
        Channel up = l.channel();
        up.writeAndFlush(c).addListener(f -> {
            if (!f.isSuccess() && lease == l) {
                failed(current, f.cause());
            }
        });
        if (!up.isWritable()) {
            client.config().setAutoRead(false); // resumed by onWritabilityChanged
        }
    }

    private void requestFullySent() {
        requestSent = true;
        Upstream u = current;
        if (responseTimer == null && upstreamResponse == null) {
            responseTimer = loop.schedule(() -> {
                if (!done && current == u && upstreamResponse == null) {
                    proxy.gatewayTimeout.incrementAndGet();
                    discardLease();
                    LOG.info("{} {}: {} did not answer within {} ms", request.method(), request.uri(), u.name(),
                            proxy.responseTimeoutMillis());
                    localAnswer(HttpResponseStatus.GATEWAY_TIMEOUT, u.name() + " did not answer within "
                            + proxy.responseTimeoutMillis() + " ms");
                }
            }, proxy.responseTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** An attempt failed before the answer started, or while it streamed. */
    private void failed(Upstream u, Throwable cause) {
        if (done || u != current) {
            return;
        }
        lastFailure = cause;
        cancelTimer();
        discardLease();
        if (responseStarted) {
            abort(u.name() + " failed mid-answer: " + cause);
            return;
        }
        boolean nothingSent = cause instanceof UpstreamException ue && ue.nothingSent();
        if (attempts < proxy.maxAttempts() && (nothingSent || idempotent && !streamed)) {
            LOG.debug("{} {}: {} failed ({}), trying another", request.method(), request.uri(), u.name(),
                    cause.toString());
            attempt();
            return;
        }
        proxy.badGateway.incrementAndGet();
        String why = nothingSent || idempotent && !streamed ? "every attempt failed"
                : anyWritten && !idempotent ? "not idempotent and already sent, so not retried"
                : "its body was streamed, so it cannot be sent again";
        LOG.info("{} {}: {} failed ({}); {}", request.method(), request.uri(), u.name(), cause.toString(), why);
        localAnswer(HttpResponseStatus.BAD_GATEWAY, u.name() + " failed: " + cause.getMessage() + " (" + why + ")");
    }

    // ------------------------------------------------------------------------------------------------
    // The answer

    @Override
    public void onResponse(HttpObject part) {
        if (done) {
            ReferenceCountUtil.release(part);
            return;
        }
        if (part.decoderResult().isFailure()) {
            ReferenceCountUtil.release(part);
            failed(current, new UpstreamException(responseStarted ? UpstreamException.Stage.RESPONSE
                    : UpstreamException.Stage.SEND, false, "malformed answer from " + current.name(),
                    part.decoderResult().cause()));
            return;
        }
        if (part instanceof HttpResponse r) {
            if (r.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                ReferenceCountUtil.release(part); // 100 Continue: ours was sent already
                return;
            }
            int code = r.status().code();
            if ((code == 502 || code == 503 || code == 504) && idempotent && !streamed
                    && attempts < proxy.maxAttempts()) {
                ReferenceCountUtil.release(part);
                Upstream u = current;
                LOG.debug("{} {}: {} answered {}, trying another", request.method(), request.uri(), u.name(), code);
                lastFailure = new UpstreamException(UpstreamException.Stage.RESPONSE, false,
                        u.name() + " answered " + code, null);
                cancelTimer();
                discardLease();
                attempt();
                return;
            }
            cancelTimer();
            upstreamResponse = r;
            responseStarted = true;
            proxy.upstreams().answered(current);
            releaseHeld();
            client.write(clientHead(r), client.voidPromise());
        }
        if (part instanceof HttpContent c) {
            if (upstreamResponse == null) {
                ReferenceCountUtil.release(c); // the end of an interim (1xx) answer: the real one follows
                return;
            }
            boolean last = part instanceof LastHttpContent;
            if (last) {
                client.writeAndFlush(c);
                complete();
            } else {
                client.writeAndFlush(c, client.voidPromise());
                if (!client.isWritable() && lease != null) {
                    lease.channel().config().setAutoRead(false); // resumed by clientWritabilityChanged
                }
            }
        } else if (!(part instanceof HttpResponse)) {
            ReferenceCountUtil.release(part);
        }
    }

    private HttpResponse clientHead(HttpResponse r) {
        HttpResponse out = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status(), endToEnd(r.headers()));
        int code = r.status().code();
        boolean bodyless = headRequest || code == 204 || code == 304;
        if (!bodyless && !HttpUtil.isContentLengthSet(r)) {
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                HttpUtil.setKeepAlive(out, false); // no chunked encoding in HTTP/1.0: the body ends with the connection
            } else {
                HttpUtil.setTransferEncodingChunked(out, true);
            }
        }
        return out;
    }

    /** The answer is all written: give the upstream connection back, let the next request start. */
    private void complete() {
        done = true;
        proxy.forwarded.incrementAndGet();
        Lease l = lease;
        lease = null;
        if (l != null) {
            l.release(requestSent && HttpUtil.isKeepAlive(upstreamResponse));
        }
        releaseHeld();
        resumeClient();
        conn.finished(this);
    }

    @Override
    public void onFailure(Throwable cause) {
        Upstream u = current;
        if (u != null) {
            failed(u, cause instanceof UpstreamException ? cause : new UpstreamException(
                    responseStarted ? UpstreamException.Stage.RESPONSE : UpstreamException.Stage.SEND,
                    cause instanceof SocketTimeoutException, u.name() + ": " + cause, cause));
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        if (writable && !done) {
            resumeClient();
        }
    }

    void clientWritabilityChanged(boolean writable) {
        if (writable && lease != null) {
            lease.channel().config().setAutoRead(true);
        }
    }

    /** The client went away (or its connection idled out): abandon the attempt. */
    void clientGone() {
        if (done) {
            return;
        }
        done = true;
        proxy.aborted.incrementAndGet();
        cancelTimer();
        discardLease();
        releaseHeld();
        conn.finished(this);
    }

    // ------------------------------------------------------------------------------------------------
    // Endings

    /** An answer made here (503, 502, 504, 413), when the upstream's has not started. */
    private void localAnswer(HttpResponseStatus status, String text) {
        done = true;
        cancelTimer();
        discardLease();
        releaseHeld();
        FullHttpResponse r = ServerGate.plain(status, text);
        if (!requestEnded) {
            // The client may still be sending a body that nobody will read: end the connection after this.
            HttpUtil.setKeepAlive(r, false);
            client.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        } else {
            client.writeAndFlush(r);
        }
        resumeClient();
        conn.finished(this);
    }

    private void tooLarge() {
        proxy.tooLarge.incrementAndGet();
        requestEnded = false; // whatever was sent, the rest of the body is unread: close after the answer
        localAnswer(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                "request body over the limit of " + proxy.maxBody() + " bytes");
    }

    /** Cuts the client off: the answer had started and cannot be completed. */
    private void abort(String why) {
        done = true;
        proxy.aborted.incrementAndGet();
        LOG.info("{} {}: {}", request.method(), request.uri(), why);
        cancelTimer();
        discardLease();
        releaseHeld();
        client.close();
        conn.finished(this);
    }

    /** Reads from the client again, unless the gate holds pipelined requests back (it resumes then). */
    private void resumeClient() {
        ServerGate gate = client.pipeline().get(ServerGate.class);
        if (gate == null || !gate.holdsRequests()) {
            client.config().setAutoRead(true);
        }
    }

    private void discardLease() {
        Lease l = lease;
        lease = null;
        if (l != null) {
            l.discard();
        }
    }

    private void cancelTimer() {
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
    }

    private void releaseHeld() {
        HttpContent c;
        while ((c = held.poll()) != null) {
            ReferenceCountUtil.release(c);
        }
        heldBytes = 0;
    }
}
