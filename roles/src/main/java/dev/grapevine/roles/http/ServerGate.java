package dev.grapevine.roles.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * The part of every server connection's pipeline that the service owns, between the HTTP codec and the handler
 * that answers (a {@link Dispatcher} or a proxy exchange):
 * <ul>
 *   <li>a request the codec could not parse is answered 400 (414 for a request line too long, 431 for headers
 *       too large), counted, and the connection closed;</li>
 *   <li>a request arriving while the service already has {@code maxInFlight} in progress is answered 503 with
 *       {@code Retry-After: 1} at once (its body is read and dropped), counted, and never reaches the handler;</li>
 *   <li>requests on one connection are handed on one at a time: one pipelined behind another waits here (and the
 *       connection stops reading) until the answer to the first has been written;</li>
 *   <li>a request counts as in progress from its arrival until its answer has been written (or, for a streamed
 *       answer, until the stream started; see {@link Responder#stream});</li>
 *   <li>once the service drains, every answer says {@code Connection: close};</li>
 *   <li>a connection idle for the service's idle timeout with nothing in progress is closed.</li>
 * </ul>
 * One per connection; runs on the connection's event loop only.
 */
final class ServerGate extends ChannelDuplexHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ServerGate.class);

    private final HttpService service;
    /** Requests parked behind the one in progress (pipelining), with their contents, in arrival order. */
    private final ArrayDeque<Object> parked = new ArrayDeque<>();
    /** A request has been handed on and its answer is not yet complete. */
    private boolean active;
    /** The request handed on still counts in the service's in-flight number. */
    private boolean counted;
    /** Contents of a request answered here (push-back) are dropped until its last part. */
    private boolean discarding;
    /** Answers written whose in-flight slot is released once their write completes. */
    private int releasing;

    ServerGate(HttpService service) {
        this.service = service;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        service.track(ctx.channel());
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!parked.isEmpty() || (msg instanceof HttpRequest && active)) {
            parked.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        admit(ctx, msg);
    }

    private void admit(ChannelHandlerContext ctx, Object msg) {
        if (discarding) {
            if (msg instanceof LastHttpContent) {
                discarding = false;
            }
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest req) {
            service.countRequest();
            if (req.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                malformed(ctx, req.decoderResult().cause());
                return;
            }
            if (!service.tryAdmit(releasing)) {
                discarding = !(msg instanceof LastHttpContent);
                ReferenceCountUtil.release(msg);
                FullHttpResponse busy = plain(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "busy: " + service.maxInFlight() + " requests in progress");
                busy.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
                // A client told to wait for 100 Continue may not send the body it was refused: close after.
                if (service.isDraining() || HttpUtil.is100ContinueExpected(req)) {
                    HttpUtil.setKeepAlive(busy, false);
                }
                ctx.writeAndFlush(busy);
                return;
            }
            active = true;
            counted = true;
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof HttpContent c && c.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            malformed(ctx, c.decoderResult().cause());
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Answers a request the codec could not parse and closes the connection. */
    private void malformed(ChannelHandlerContext ctx, Throwable cause) {
        service.countMalformed();
        HttpResponseStatus status = cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : cause instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                : HttpResponseStatus.BAD_REQUEST;
        LOG.debug("{}: malformed request from {}: {}", service.name(), ctx.channel().remoteAddress(), cause.toString());
        if (active) {
            // The handler has this request already; its answer may have started: all that can be done is to cut.
            ctx.close();
            return;
        }
        FullHttpResponse r = plain(status, "malformed request: " + cause.getMessage());
        HttpUtil.setKeepAlive(r, false);
        ctx.writeAndFlush(r).addListener(f -> ctx.close());
    }

    static FullHttpResponse plain(HttpResponseStatus status, String text) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(text + "\n", StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8");
        HttpUtil.setContentLength(r, r.content().readableBytes());
        return r;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r) {
            if (r.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                ctx.write(msg, promise);
                return;
            }
            if (service.isDraining()) {
                HttpUtil.setKeepAlive(r, false);
            }
        }
        if (!(msg instanceof LastHttpContent) || !active) {
            ctx.write(msg, promise);
            return;
        }
        active = false;
        if (counted) {
            counted = false;
            releasing++;
            ChannelPromise p = promise.unvoid();
            ctx.write(msg, p);
            p.addListener(f -> {
                releasing--;
                service.done();
            });
        } else {
            ctx.write(msg, promise);
        }
        unpark(ctx);
    }

    /** True while pipelined requests wait here: the connection must not read more until they are handed on. */
    boolean holdsRequests() {
        return !parked.isEmpty();
    }

    /** A streamed answer has started: it no longer counts as a request in progress. */
    void streamStarted() {
        if (counted) {
            counted = false;
            service.done();
        }
    }

    /**
     * Hands on what was parked behind the request just answered: the next request with its parts (at least its
     * {@code LastHttpContent}), up to the request after it.
     */
    private void unpark(ChannelHandlerContext ctx) {
        while (!parked.isEmpty() && ctx.channel().isActive() && !(active && parked.peek() instanceof HttpRequest)) {
            admit(ctx, parked.poll());
        }
        if (parked.isEmpty() && ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && !active && parked.isEmpty()) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (counted) {
            counted = false;
            service.done();
        }
        active = false;
        while (!parked.isEmpty()) {
            ReferenceCountUtil.release(parked.poll());
        }
        service.untrack(ctx.channel());
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{}: connection from {} failed: {}", service.name(), ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
