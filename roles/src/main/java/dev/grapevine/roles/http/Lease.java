package dev.grapevine.roles.http;

import io.netty.channel.Channel;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * One upstream connection lent for one exchange by its {@link EndpointPool}: the caller sets a listener, writes
 * the request, and gives the connection back exactly once, through {@link #release} when the exchange completed
 * cleanly (it is reused if the answer allowed keep-alive) or {@link #discard} otherwise. On the loop only.
 */
final class Lease {

    private final EndpointPool pool;
    private final Channel channel;
    private final boolean reused;
    private boolean returned;

    Lease(EndpointPool pool, Channel channel, boolean reused) {
        this.pool = pool;
        this.channel = channel;
        this.reused = reused;
    }

    Channel channel() {
        return channel;
    }

    /** True when the connection served an exchange before this one. */
    boolean reused() {
        return reused;
    }

    /** Directs what the connection reads to {@code listener} until the lease is returned. */
    void listen(ResponseListener listener) {
        IdleStateHandler idle = channel.pipeline().get(IdleStateHandler.class);
        if (idle != null) {
            idle.resetReadTimeout(); // the time it sat in the pool does not count against this exchange
        }
        channel.pipeline().get(UpstreamHandler.class).listen(listener);
    }

    /** Returns the connection after a complete exchange; reused unless {@code keepAlive} is false. */
    void release(boolean keepAlive) {
        if (giveBack()) {
            pool.release(channel, keepAlive);
        }
    }

    /** Closes the connection: the exchange failed or was abandoned part way. */
    void discard() {
        if (giveBack()) {
            channel.close();
        }
    }

    private boolean giveBack() {
        if (returned) {
            return false;
        }
        returned = true;
        UpstreamHandler h = channel.pipeline().get(UpstreamHandler.class);
        if (h != null) {
            h.listen(null);
        }
        return true;
    }
}
