package dev.grapevine.roles.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The end of a server connection's pipeline for an {@link HttpHandler}: gathers each request's body (up to the
 * service's {@code maxBody}: a larger declared length is answered 413 before the body is sent, with
 * {@code Expect: 100-continue} honoured; a larger body that arrives anyway is answered 413 and the connection
 * closed), then calls the handler with a {@link Responder} for that request.
 */
final class Dispatcher extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final HttpService service;
    private final HttpHandler handler;
    private HttpRequest head;
    private ByteArrayOutputStream body;
    /** The request was answered here (413); its remaining contents are dropped. */
    private boolean refused;

    Dispatcher(HttpService service, HttpHandler handler) {
        this.service = service;
        this.handler = handler;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest req) {
                start(ctx, req);
            }
            if (msg instanceof HttpContent c && head != null && !refused) {
                append(ctx, c.content());
            }
            if (msg instanceof LastHttpContent && head != null) {
                HttpRequest req = head;
                byte[] bytes = body == null ? new byte[0] : body.toByteArray();
                head = null;
                body = null;
                if (refused) {
                    refused = false;
                } else {
                    dispatch(ctx.channel(), req, bytes);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void start(ChannelHandlerContext ctx, HttpRequest req) {
        head = req;
        body = null;
        refused = false;
        long declared = HttpUtil.getContentLength(req, -1L);
        if (declared > service.maxBody()) {
            tooLarge(ctx, declared + " bytes");
            return;
        }
        if (HttpUtil.is100ContinueExpected(req)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
    }

    private void append(ChannelHandlerContext ctx, ByteBuf content) {
        int n = content.readableBytes();
        if (n == 0) {
            return;
        }
        int have = body == null ? 0 : body.size();
        if ((long) have + n > service.maxBody()) {
            tooLarge(ctx, "over " + service.maxBody() + " bytes");
            return;
        }
        if (body == null) {
            body = new ByteArrayOutputStream(Math.min(service.maxBody(), Math.max(n, 256)));
        }
        byte[] chunk = new byte[n];
        content.readBytes(chunk);
        body.write(chunk, 0, n);
    }

    /** 413 and, since the client may still be sending the body, the connection is closed after it. */
    private void tooLarge(ChannelHandlerContext ctx, String size) {
        refused = true;
        body = null;
        service.countTooLarge();
        FullHttpResponse r = ServerGate.plain(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                "request body is " + size + ", over the limit of " + service.maxBody() + " bytes");
        HttpUtil.setKeepAlive(r, false);
        ctx.channel().writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    private void dispatch(Channel channel, HttpRequest req, byte[] bytes) {
        ResponderImpl responder = new ResponderImpl(channel, req.method().equals(HttpMethod.HEAD),
                req.protocolVersion().equals(HttpVersion.HTTP_1_0));
        Request request = new Request(req.method().name(), req.uri(), req.headers(), bytes,
                (InetSocketAddress) channel.remoteAddress());
        try {
            handler.handle(request, responder);
        } catch (Exception e) {
            LOG.warn("{}: {} failed", service.name(), request, e);
            if (!responder.answered.get()) {
                responder.text(500, "internal error: " + e);
            } else if (responder.stream != null) {
                responder.stream.abort(); // a stream its handler gave up on would hold the connection for ever
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        head = null;
        body = null;
        super.channelInactive(ctx);
    }

    /** The answer to one request, sent on its connection's loop whatever thread calls. */
    private static final class ResponderImpl implements Responder {
        private final Channel channel;
        private final boolean head;
        private final boolean http10;
        private final AtomicBoolean answered = new AtomicBoolean();
        private volatile StreamImpl stream;

        ResponderImpl(Channel channel, boolean head, boolean http10) {
            this.channel = channel;
            this.head = head;
            this.http10 = http10;
        }

        private void claim() {
            if (!answered.compareAndSet(false, true)) {
                throw new IllegalStateException("this request was already answered");
            }
        }

        @Override
        public void respond(int status, Map<String, String> headers, byte[] body) {
            claim();
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                    head || body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
            HttpHeaders h = r.headers();
            headers.forEach(h::set);
            HttpUtil.setContentLength(r, body.length);
            channel.writeAndFlush(r, channel.voidPromise());
        }

        @Override
        public ResponseStream stream(int status, Map<String, String> headers) {
            claim();
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
            headers.forEach(r.headers()::set);
            if (http10) {
                HttpUtil.setKeepAlive(r, false); // HTTP/1.0 has no chunked encoding: the body ends with the connection
            } else {
                HttpUtil.setTransferEncodingChunked(r, true);
            }
            StreamImpl s = new StreamImpl(channel);
            stream = s;
            // Before the head is written (inline on the loop, else queued ahead of the write below).
            Runnable started = () -> {
                ServerGate gate = channel.pipeline().get(ServerGate.class);
                if (gate != null) {
                    gate.streamStarted();
                }
            };
            if (channel.eventLoop().inEventLoop()) {
                started.run();
            } else {
                channel.eventLoop().execute(started);
            }
            channel.writeAndFlush(r).addListener(f -> {
                if (!f.isSuccess()) {
                    s.closed();
                }
            });
            return s;
        }

        @Override
        public boolean isOpen() {
            return channel.isActive();
        }
    }

    /** A streamed body: chunks written and flushed one by one; see {@link ResponseStream}. */
    private static final class StreamImpl implements ResponseStream {
        private final Channel channel;
        private final AtomicInteger pending = new AtomicInteger();
        private final AtomicBoolean open = new AtomicBoolean(true);
        /** {@link #end()} was called: nothing more may be written, not even a second last chunk. */
        private final AtomicBoolean ended = new AtomicBoolean();
        private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
        private final ChannelFutureListener onChannelClose = f -> closed();

        StreamImpl(Channel channel) {
            this.channel = channel;
            channel.closeFuture().addListener(onChannelClose);
        }

        @Override
        public boolean write(String text) {
            if (!open.get() || ended.get()) {
                return false;
            }
            pending.incrementAndGet();
            channel.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)))
                    .addListener(f -> {
                        pending.decrementAndGet();
                        if (!f.isSuccess()) {
                            closed();
                        }
                    });
            return true;
        }

        @Override
        public int pendingWrites() {
            return pending.get();
        }

        @Override
        public void end() {
            if (open.get() && ended.compareAndSet(false, true)) {
                channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> closed());
            }
        }

        @Override
        public void abort() {
            channel.close();
            closed();
        }

        @Override
        public boolean isOpen() {
            return open.get();
        }

        @Override
        public void onClose(Runnable action) {
            onClose.add(action);
            if (!open.get() && onClose.remove(action)) {
                action.run();
            }
        }

        void closed() {
            if (open.compareAndSet(true, false)) {
                channel.closeFuture().removeListener(onChannelClose);
                for (Runnable r : onClose) {
                    if (onClose.remove(r)) {
                        r.run();
                    }
                }
            }
        }
    }
}
