package dev.grapevine.benchmarks.httpstack;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.handlers.proxy.LoadBalancingProxyClient;
import io.undertow.server.handlers.proxy.ProxyHandler;
import org.xnio.OptionMap;
import org.xnio.Options;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * Undertow's own reverse proxy: {@link ProxyHandler} over a {@link LoadBalancingProxyClient} (round robin, its
 * default host selector), non-blocking on XNIO I/O threads; the upstream connections of an exchange belong to
 * its I/O thread, as in the Netty proxy.
 *
 * <p>Options beyond the shared ones: {@code --io-threads N} (default 1), {@code --worker-threads N} (the blocking
 * pool, unused by the proxy path; default 2), {@code --connections-per-thread N} (the most upstream connections
 * per host and I/O thread, default 64; beyond it requests queue), {@code --max-idle N} (idle connections per host
 * and I/O thread kept past the TTL, default 32).
 *
 * <p>ProxyHandler adds X-Forwarded-For/-Host/-Proto/-Port and strips hop-by-hop headers itself; TCP_NODELAY is
 * set on the listener's sockets and, through the host's OptionMap, on the upstream ones.
 */
public final class UndertowProxy {

    private UndertowProxy() {
    }

    public static void main(String[] args) {
        ProxyOptions options = ProxyOptions.parse(args);
        int ioThreads = options.intOption("io-threads", 1);
        LoadBalancingProxyClient client = new LoadBalancingProxyClient()
                .setConnectionsPerThread(options.intOption("connections-per-thread", 64))
                .setSoftMaxConnectionsPerThread(options.intOption("max-idle", 32))
                .setTtl(60_000)
                .setMaxQueueSize(1024);       // the default, 0, answers 503 as soon as the connections are all busy
        OptionMap upstreamSockets = OptionMap.create(Options.TCP_NODELAY, true);
        for (InetSocketAddress upstream : options.upstreams()) {
            client.addHost(URI.create("http://" + ProxyOptions.hostPort(upstream)), null, null, upstreamSockets);
        }
        ProxyHandler proxy = ProxyHandler.builder()
                .setProxyClient(client)
                .setMaxRequestTime(30_000)
                .build();
        Undertow server = Undertow.builder()
                .setIoThreads(ioThreads)
                .setWorkerThreads(options.intOption("worker-threads", 2))
                .setSocketOption(Options.TCP_NODELAY, true)
                .setServerOption(UndertowOptions.ENABLE_HTTP2, false)
                .addHttpListener(options.listen().getPort(), options.listen().getHostString())
                .setHandler(proxy)
                .build();
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        System.out.printf("undertow proxy on %s -> %s, %d I/O thread(s)%n",
                ProxyOptions.hostPort(options.listen()), options.upstreams(), ioThreads);
    }
}
