package dev.grapevine.roles.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocalThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads every HTTP server and client of a process share: a few Netty event loops (one by default), each
 * a named thread that waits in {@code select()} when there is nothing to do. Servers ({@link HttpService}), the
 * pooled upstream client ({@link HttpConnector}) and the {@link ReverseProxy} all run their connections on these
 * loops, so a request that arrives on a loop and calls an upstream is served start to end on one thread, with
 * no hand-off and no lock.
 *
 * <p>A process should make one and pass it to everything that speaks HTTP; the launcher's {@code Launch} does.
 * Code running on a loop must never block: handlers answer through callbacks ({@link Responder}).
 *
 * <p>On Linux (x86-64 and aarch64) the loops use Netty's native epoll transport, which the roles module ships:
 * each read and write is one system call with no selector bookkeeping or channel locks (measured in
 * roles/README.md, "Why Netty"). Elsewhere, or when the native library cannot load, they use NIO; {@link #create(String, int, boolean)} can ask for NIO. {@link #transport()} says
 * which one runs.
 *
 * <p>Buffers come from one pooled allocator per loop group, sized small (a 64 KiB chunk per arena, one arena
 * per loop): a role server's traffic is many small messages, and the default 4 MiB chunks would each cost
 * resident memory a lean process cannot spare.
 */
public final class HttpLoop implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpLoop.class);

    private final String name;
    private final EventLoopGroup group;
    private final ByteBufAllocator allocator;
    private final boolean epoll;
    /** Every thread the loops started, so that close() returns once they have ended. */
    private final List<Thread> loopThreads = new CopyOnWriteArrayList<>();

    private HttpLoop(String name, int threads, boolean allowNative) {
        this.name = name;
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread t = new FastThreadLocalThread(task, "grapevine-" + name + "-http-" + n.incrementAndGet());
            t.setDaemon(true);
            loopThreads.add(t);
            return t;
        };
        this.epoll = allowNative && Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(threads, factory, io);
        // pageSize 8 KiB, maxOrder 3: 64 KiB chunks; no thread-local caches beyond the loops' own.
        this.allocator = new PooledByteBufAllocator(true, threads, threads, 8192, 3, 0, 0, true);
    }

    /**
     * Starts {@code threads} event loops, named {@code grapevine-<name>-http-N}.
     *
     * @param name    a name for the threads, usually the node's
     * @param threads at least 1; one is plenty for a role server on a small machine
     */
    public static HttpLoop create(String name, int threads) {
        return create(name, threads, true);
    }

    /**
     * Starts {@code threads} event loops, named {@code grapevine-<name>-http-N}, on the native epoll transport
     * when {@code allowNative} and it is available, on the JDK's NIO otherwise.
     *
     * @param name        a name for the threads, usually the node's
     * @param threads     at least 1
     * @param allowNative false: NIO even where epoll is available
     */
    public static HttpLoop create(String name, int threads, boolean allowNative) {
        Objects.requireNonNull(name, "name");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        return new HttpLoop(name, threads, allowNative);
    }

    /** {@code "epoll"} or {@code "nio"}: the transport the loops run. */
    public String transport() {
        return epoll ? "epoll" : "nio";
    }

    /** The server channel type for these loops. */
    Class<? extends ServerChannel> serverChannelType() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The client channel type for these loops. */
    Class<? extends SocketChannel> channelType() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The name given at creation. */
    public String name() {
        return name;
    }

    /** The Netty loops, for code that builds its own channels on them. */
    public EventLoopGroup group() {
        return group;
    }

    /** The allocator every channel on these loops uses. */
    public ByteBufAllocator allocator() {
        return allocator;
    }

    /** The next loop, round robin. */
    public EventLoop next() {
        return group.next();
    }

    /** True when the calling thread is one of these loops (where blocking is forbidden). */
    public boolean inLoop() {
        for (EventExecutor e : group) {
            if (e.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    /** True once {@link #close()} has begun. */
    public boolean isClosed() {
        return group.isShuttingDown();
    }

    /**
     * Stops the loops: tasks already queued run, then the threads end; returns once they have (waiting up to five
     * seconds). Close the servers and clients on the loops first; their connections are closed with the loops
     * otherwise.
     */
    @Override
    public void close() {
        if (inLoop()) {
            throw new IllegalStateException("an HTTP loop cannot be closed from one of its own threads");
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        boolean stopped = group.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        // The loops have terminated; their threads end a moment later: wait for that too.
        boolean interrupted = false;
        for (Thread t : loopThreads) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                if (left > 0) {
                    t.join(left);
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
            stopped &= !t.isAlive();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!stopped) {
            LOG.warn("HTTP loops of {} did not stop in time", name);
        }
    }

    @Override
    public String toString() {
        return "HttpLoop[" + name + ", " + transport() + "]";
    }
}
