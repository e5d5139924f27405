package dev.grapevine.benchmarks.httpstack;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Netty reverse proxy: one NIO event-loop group accepts, serves the clients and runs the upstream connections;
 * an exchange's upstream connection lives on the same event loop as its client connection, so the two never need
 * a lock or a thread hop. HttpServerCodec in front, HttpClientCodec behind, no aggregation: the request head and
 * each body chunk go through as they arrive, and the response's likewise.
 *
 * <p>Options beyond the shared ones: {@code --threads N} (event loops, default 1) and {@code --max-idle N} (idle
 * upstream connections kept per upstream and event loop, default 32). Buffers: Netty's default allocator (4.2: the
 * adaptive one unless {@code -Dio.netty.allocator.type} says otherwise; the main prints which).
 *
 * <p>Flow: client channels do not auto-read, and a FlowControlHandler after the codec hands over one decoded message
 * per {@code read()}. The front reads the next message only when the previous one has been passed on (and the
 * upstream is writable), and the next request only once the current response is complete, so pipelined requests
 * wait their turn and a slow upstream slows the client down. In the other direction, a client that does not keep up
 * turns off auto-read on the upstream connection until its channel is writable again.
 *
 * <p>Left out, as a benchmark may: upgrades (stripped as hop-by-hop), retrying a request whose pooled upstream
 * connection turned out closed (the client gets a 502), idle timeouts on pooled connections.
 */
public final class NettyProxy {

    private NettyProxy() {
    }

    public static void main(String[] args) throws InterruptedException {
        ProxyOptions options = ProxyOptions.parse(args);
        int threads = options.intOption("threads", 1);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        UpstreamPool upstreams = new UpstreamPool(options.upstreams(), options.intOption("max-idle", 32));
        try {
            Channel server = new ServerBootstrap()
                    .group(group)       // the same loops accept and serve
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new FlowControlHandler(), new Front(upstreams));
                        }
                    })
                    .bind(options.listen()).sync().channel();
            System.out.printf("netty proxy on %s -> %s, %d event loop(s), allocator %s%n",
                    ProxyOptions.hostPort(options.listen()), options.upstreams(), threads,
                    ByteBufAllocator.DEFAULT.getClass().getSimpleName());
            Runtime.getRuntime().addShutdownHook(new Thread(() -> group.shutdownGracefully()));
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** Removes hop-by-hop headers, those the Connection header names included. Transfer-Encoding is kept only when
     * {@code keepFraming}: the codecs frame a streamed body by it. */
    static void stripHopByHop(HttpHeaders headers, boolean keepFraming) {
        for (String listed : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : listed.split(",")) {
                headers.remove(token.trim());
            }
        }
        for (String name : ProxyOptions.HOP_BY_HOP) {
            if (!(keepFraming && name.equals("transfer-encoding"))) {
                headers.remove(name);
            }
        }
    }

    /**
     * Upstream connections: round robin over the upstreams, and per event loop (a FastThreadLocal, touched only
     * on its loop) a LIFO stack of idle keep-alive connections per upstream.
     */
    static final class UpstreamPool {
        private static final AttributeKey<Integer> UPSTREAM = AttributeKey.valueOf("upstream");
        private final List<InetSocketAddress> addresses;
        private final int maxIdle;
        private final AtomicInteger next = new AtomicInteger();
        private final Bootstrap template;
        private final FastThreadLocal<List<ArrayDeque<Channel>>> idle = new FastThreadLocal<>() {
            @Override
            protected List<ArrayDeque<Channel>> initialValue() {
                List<ArrayDeque<Channel>> perUpstream = new ArrayList<>();
                addresses.forEach(a -> perUpstream.add(new ArrayDeque<>()));
                return perUpstream;
            }
        };

        UpstreamPool(List<InetSocketAddress> addresses, int maxIdle) {
            this.addresses = addresses;
            this.maxIdle = maxIdle;
            this.template = new Bootstrap()
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new Back());
                        }
                    });
        }

        /** A connection to the next upstream on {@code loop}: an idle one when there is one, else a new one. */
        ChannelFuture acquire(EventLoop loop) {
            int i = Math.floorMod(next.getAndIncrement(), addresses.size());
            ArrayDeque<Channel> stack = idle.get().get(i);
            for (Channel ch; (ch = stack.pollLast()) != null; ) {
                if (ch.isActive()) {
                    return ch.newSucceededFuture();
                }
            }
            ChannelFuture connect = template.clone(loop).connect(addresses.get(i));
            connect.channel().attr(UPSTREAM).set(i);
            return connect;
        }

        /** Takes back a connection whose exchange completed cleanly (called on its event loop). */
        void release(Channel ch) {
            ArrayDeque<Channel> stack = idle.get().get(ch.attr(UPSTREAM).get());
            if (ch.isActive() && stack.size() < maxIdle) {
                stack.addLast(ch);
            } else {
                ch.close();
            }
        }
    }

    /** One per client connection: forwards its requests one exchange at a time. */
    static final class Front extends ChannelInboundHandlerAdapter {
        private final UpstreamPool upstreams;
        private ChannelHandlerContext ctx;
        private Channel backend;            // the upstream connection of the exchange in flight, or null
        private boolean keepAlive;
        private boolean head;               // the request is a HEAD: its response has no body whatever it says
        private boolean responseStarted;
        private boolean requestComplete;    // its last content was passed on: the next read waits for the response

        Front(UpstreamPool upstreams) {
            this.upstreams = upstreams;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            ctx.read();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                startExchange(request);
            } else if (msg instanceof HttpContent content) {
                forwardRequestContent(content);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        private void startExchange(HttpRequest request) {
            if (request.decoderResult().isFailure()) {
                ReferenceCountUtil.release(request);
                keepAlive = false;
                sendError(HttpResponseStatus.BAD_REQUEST);
                return;
            }
            keepAlive = HttpUtil.isKeepAlive(request);
            head = request.method().equals(HttpMethod.HEAD);
            responseStarted = false;
            stripHopByHop(request.headers(), true);
            request.setProtocolVersion(HttpVersion.HTTP_1_1);     // upstream connections are always keep-alive 1.1
            InetSocketAddress client = (InetSocketAddress) ctx.channel().remoteAddress();
            request.headers().add("X-Forwarded-For", client.getAddress().getHostAddress());
            upstreams.acquire(ctx.channel().eventLoop()).addListener((ChannelFuture f) -> {
                if (!f.isSuccess() || !ctx.channel().isActive()) {
                    ReferenceCountUtil.release(request);
                    if (f.isSuccess()) {
                        f.channel().close();
                    }
                    sendError(HttpResponseStatus.BAD_GATEWAY);
                    return;
                }
                backend = f.channel();
                backend.pipeline().get(Back.class).front = this;
                backend.config().setAutoRead(ctx.channel().isWritable());
                forward(request);
            });
        }

        private void forwardRequestContent(HttpContent content) {
            if (backend == null) {             // the exchange failed and the connection is closing: drop the body
                ReferenceCountUtil.release(content);
                return;
            }
            forward(content);
        }

        /** Passes a request message on, and asks for the next one unless the request is complete or the upstream
         * connection's buffer is full (then Back.channelWritabilityChanged asks). */
        private void forward(Object msg) {
            requestComplete = msg instanceof LastHttpContent;
            backend.writeAndFlush(msg);
            if (!requestComplete && backend.isWritable()) {
                ctx.read();
            }
        }

        void responseHead(HttpResponse response) {
            responseStarted = true;
            stripHopByHop(response.headers(), true);
            HttpUtil.setKeepAlive(response, keepAlive);
            int status = response.status().code();
            boolean bodyless = head || status < 200 || status == 204 || status == 304;
            if (!bodyless && !HttpUtil.isContentLengthSet(response) && !HttpUtil.isTransferEncodingChunked(response)) {
                HttpUtil.setTransferEncodingChunked(response, true);   // a close-delimited body, chunked to the client
            }
            ctx.write(response);
        }

        void responseContent(HttpContent content) {
            ctx.write(content);
        }

        /** The upstream's last content was written: hand the connection back and go on with the client's next request. */
        void responseDone(Channel upstream, boolean reusable) {
            backend = null;
            if (reusable) {
                upstreams.release(upstream);
            } else {
                upstream.close();
            }
            if (keepAlive) {
                ctx.flush();
                ctx.read();
            } else {
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** The upstream connection broke during the exchange. */
        void upstreamFailed() {
            backend = null;
            if (responseStarted) {
                ctx.close();                   // the client has part of a response: only closing tells it
            } else {
                keepAlive = false;
                sendError(HttpResponseStatus.BAD_GATEWAY);
            }
        }

        void flush() {
            ctx.flush();
        }

        /** The upstream connection can take more of the request body. */
        void upstreamWritable() {
            if (backend != null && !requestComplete) {
                ctx.read();
            }
        }

        private void sendError(HttpResponseStatus status) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
            HttpUtil.setContentLength(response, 0);
            HttpUtil.setKeepAlive(response, false);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (backend != null) {
                backend.config().setAutoRead(ctx.channel().isWritable());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (backend != null) {             // mid-exchange: that upstream connection cannot be reused
                backend.pipeline().get(Back.class).front = null;
                backend.close();
                backend = null;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** One per upstream connection: passes the response of the exchange it serves to that exchange's Front. */
    static final class Back extends ChannelInboundHandlerAdapter {
        Front front;                           // the exchange this connection serves now, or null while idle
        private boolean reusable;
        private boolean interim;               // a 1xx response is being passed on; the real one follows

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Front f = front;
            if (f == null) {                   // nothing asked: an idle connection must not talk
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            if (msg instanceof HttpResponse response) {
                int status = response.status().code();
                interim = status >= 100 && status < 200;
                reusable = !interim && HttpUtil.isKeepAlive(response) && response.decoderResult().isSuccess();
                f.responseHead(response);
            }
            if (msg instanceof HttpContent content) {
                f.responseContent(content);
                if (content instanceof LastHttpContent && !interim) {
                    front = null;
                    f.responseDone(ctx.channel(), reusable);
                }
            } else if (!(msg instanceof HttpMessage)) {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (front != null) {
                front.flush();                 // one flush per read batch, not per chunk
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (front != null && ctx.channel().isWritable()) {
                front.upstreamWritable();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Front f = front;
            front = null;
            if (f != null) {
                f.upstreamFailed();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
