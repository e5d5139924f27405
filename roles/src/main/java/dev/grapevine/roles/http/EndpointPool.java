package dev.grapevine.roles.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The connections of one event loop to one upstream endpoint: idle ones kept for reuse (the most recently used
 * first, so the rest age out), at most {@code maxConnections} open, and at most {@code maxPending} callers
 * waiting for one beyond that (each for at most the connect timeout); a caller beyond those is refused at once.
 * Confined to its loop: no locks.
 */
final class EndpointPool {

    private final HttpConnector connector;
    private final EventLoop loop;
    private final HttpConnector.Origin origin;
    private final InetSocketAddress endpoint;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int open;
    private boolean retired;

    private record Waiter(Promise<Lease> promise, ScheduledFuture<?> timeout) {
    }

    EndpointPool(HttpConnector connector, EventLoop loop, HttpConnector.Origin origin) {
        this.connector = connector;
        this.loop = loop;
        this.origin = origin;
        this.endpoint = origin.address();
    }

    HttpConnector.Origin origin() {
        return origin;
    }

    /** Connections open now, leased or idle. */
    int open() {
        return open;
    }

    /** Idle connections kept now. */
    int idle() {
        return idle.size();
    }

    /** A connection for one exchange: an idle one, a new one, or one released later. */
    void acquire(Promise<Lease> promise) {
        if (retired) {
            promise.tryFailure(new UpstreamException(UpstreamException.Stage.CONNECT, false,
                    endpoint + " is no longer an upstream", null));
            return;
        }
        Channel ch;
        while ((ch = idle.pollFirst()) != null) {
            if (ch.isActive()) {
                promise.trySuccess(new Lease(this, ch, true));
                return;
            }
        }
        if (open < connector.maxConnections()) {
            connect(promise);
            return;
        }
        if (waiters.size() >= connector.maxPending()) {
            connector.countRefused();
            promise.tryFailure(new UpstreamException(UpstreamException.Stage.CONNECT, false,
                    "connection pool to " + endpoint + " is full (" + open + " open, " + waiters.size() + " waiting)",
                    null));
            return;
        }
        ScheduledFuture<?> t = loop.schedule(() -> {
            waiters.removeIf(w -> w.promise() == promise);
            promise.tryFailure(new UpstreamException(UpstreamException.Stage.CONNECT, true,
                    "no connection to " + endpoint + " free within " + connector.connectTimeoutMillis() + " ms", null));
        }, connector.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
        waiters.add(new Waiter(promise, t));
    }

    private void connect(Promise<Lease> promise) {
        open++;
        Bootstrap b = connector.bootstrap(loop, origin);
        ChannelFuture f = b.connect(endpoint);
        Channel ch = f.channel();
        connector.track(ch);
        ch.closeFuture().addListener(x -> closed(ch));
        f.addListener(x -> {
            if (x.isSuccess()) {
                SslHandler tls = ch.pipeline().get(SslHandler.class);
                if (tls == null) {
                    handOver(ch, promise);
                    return;
                }
                tls.handshakeFuture().addListener(h -> { // nothing can be sent before the handshake succeeds
                    if (h.isSuccess()) {
                        handOver(ch, promise);
                    } else {
                        connector.countConnectFailure();
                        ch.close();
                        promise.tryFailure(new UpstreamException(UpstreamException.Stage.CONNECT, false,
                                "TLS handshake with " + endpoint + " failed: " + h.cause().getMessage(), h.cause()));
                    }
                });
            } else {
                connector.countConnectFailure();
                promise.tryFailure(new UpstreamException(UpstreamException.Stage.CONNECT, false,
                        "cannot connect to " + endpoint + ": " + x.cause().getMessage(), x.cause()));
            }
        });
    }

    private void handOver(Channel ch, Promise<Lease> promise) {
        if (!promise.trySuccess(new Lease(this, ch, false))) {
            release(ch, true); // the caller gave up meanwhile: keep the connection for the next
        }
    }

    /** Takes a connection back after an exchange: reused when it can be, else closed. */
    void release(Channel ch, boolean reusable) {
        if (!reusable || retired || !ch.isActive()) {
            ch.close();
            return;
        }
        Waiter w;
        while ((w = waiters.pollFirst()) != null) {
            w.timeout().cancel(false);
            if (w.promise().trySuccess(new Lease(this, ch, true))) {
                return;
            }
        }
        if (idle.size() >= connector.maxIdle()) {
            ch.close();
            return;
        }
        idle.addFirst(ch);
    }

    private void closed(Channel ch) {
        open--;
        idle.remove(ch);
        connector.untrack(ch);
        if (!retired && !waiters.isEmpty() && open < connector.maxConnections()) {
            Waiter w = waiters.pollFirst();
            w.timeout().cancel(false);
            connect(w.promise());
        }
    }

    /** The endpoint is no longer wanted: idle connections close now, leased ones when released; waiters fail. */
    void retire() {
        retired = true;
        Channel ch;
        while ((ch = idle.pollFirst()) != null) {
            ch.close();
        }
        Waiter w;
        while ((w = waiters.pollFirst()) != null) {
            w.timeout().cancel(false);
            w.promise().tryFailure(new UpstreamException(UpstreamException.Stage.CONNECT, false,
                    endpoint + " is no longer an upstream", null));
        }
    }

    boolean isRetired() {
        return retired;
    }
}
