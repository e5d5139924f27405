package dev.grapevine.roles.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The end of a client connection's pipeline when an {@link HttpService} serves a {@link ReverseProxy}: starts a
 * {@link ProxyExchange} for each request (the service's gate hands them on one at a time) and feeds it the
 * request's body and the connection's state.
 */
final class ProxyConnection extends ChannelInboundHandlerAdapter {

    private final ReverseProxy proxy;
    private final HttpService service;
    private ChannelHandlerContext ctx;
    private ProxyExchange exchange;

    ProxyConnection(ReverseProxy proxy, HttpService service) {
        this.proxy = proxy;
        this.service = service;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            if (exchange != null) {
                exchange.clientGone(); // cannot happen behind the gate; never leak an upstream connection
            }
            exchange = new ProxyExchange(proxy, this, req);
            exchange.start();
        }
        if (msg instanceof HttpContent c) {
            if (exchange != null) {
                exchange.requestContent(c);
                return;
            }
            ReferenceCountUtil.release(c);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (exchange != null) {
            exchange.clientWritabilityChanged(ctx.channel().isWritable());
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && exchange != null) {
            // Neither side said anything for the idle timeout while a request was in progress.
            exchange.clientGone();
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (exchange != null) {
            exchange.clientGone();
        }
        super.channelInactive(ctx);
    }

    /** The exchange ended (answered or abandoned): the next request may start. */
    void finished(ProxyExchange ex) {
        if (exchange == ex) {
            exchange = null;
        }
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    HttpService service() {
        return service;
    }
}
