package dev.grapevine.roles.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;

/**
 * The end of an upstream connection's pipeline: passes what it reads to the listener of the current lease. A
 * pooled connection that reads anything, or sits idle past the pool's idle timeout, is closed; a leased one that
 * stays silent that long fails its exchange with a timeout.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private ResponseListener listener;

    /** Sets (or, with null, clears) the listener of the connection's current lease. On the loop only. */
    void listen(ResponseListener l) {
        this.listener = l;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ResponseListener l = listener;
        if (l == null || !(msg instanceof HttpObject part)) {
            // Nothing asked: a server talking out of turn on an idle connection. It cannot be trusted again.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        l.onResponse(part);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ResponseListener l = listener;
        if (l != null) {
            l.onWritabilityChanged(ctx.channel().isWritable());
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(new ClosedChannelException());
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            // The exchange decides the stage: no byte of the answer may have come yet.
            fail(new SocketTimeoutException("no data from " + ctx.channel().remoteAddress()
                    + " within the idle timeout"));
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(cause instanceof IOException ? cause : new IOException(cause));
        ctx.close();
    }

    private void fail(Throwable cause) {
        ResponseListener l = listener;
        listener = null;
        if (l != null) {
            l.onFailure(cause);
        }
    }
}
