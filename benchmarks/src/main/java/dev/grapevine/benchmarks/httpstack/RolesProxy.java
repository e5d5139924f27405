package dev.grapevine.benchmarks.httpstack;

import dev.grapevine.HostPort;
import dev.grapevine.roles.http.HttpConnector;
import dev.grapevine.roles.http.HttpLoop;
import dev.grapevine.roles.http.HttpService;
import dev.grapevine.roles.http.ReverseProxy;
import dev.grapevine.roles.http.Upstream;
import dev.grapevine.roles.http.Upstreams;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The proxy the role servers ship, {@code roles}' {@link ReverseProxy} on an {@link HttpService} and a pooled
 * {@link HttpConnector}, over a fixed list of upstreams picked round robin (where the proxy sample follows the
 * fronts of the cluster): the same code path as {@code proxyserver}, without the gossip node.
 *
 * <p>Options beyond the shared ones: {@code --threads N} (event loops, default 1), {@code --transport epoll|nio}
 * (default epoll where it loads).
 */
public final class RolesProxy {

    private RolesProxy() {
    }

    public static void main(String[] args) throws Exception {
        ProxyOptions options = ProxyOptions.parse(args);
        boolean allowNative = !"nio".equals(options.extra().getOrDefault("transport", "epoll"));
        HttpLoop loop = HttpLoop.create("bench", options.intOption("threads", 1), allowNative);
        HttpConnector connector = HttpConnector.builder(loop).build();
        List<Upstream> upstreams = new ArrayList<>();
        for (InetSocketAddress a : options.upstreams()) {
            upstreams.add(new Upstream(ProxyOptions.hostPort(a), a));
        }
        ReverseProxy proxy = ReverseProxy.builder(new RoundRobin(upstreams), connector).build();
        InetSocketAddress l = options.listen();
        HttpService server = HttpService.builder("bench-proxy", new HostPort(l.getHostString(), l.getPort()))
                .loop(loop).proxy(proxy).start();
        System.out.println("roles proxy on " + ProxyOptions.hostPort(l) + " -> " + options.upstreams() + ", "
                + options.intOption("threads", 1) + " event loop(s), transport " + loop.transport());
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            connector.close();
            loop.close();
            stop.countDown();
        }, "bench-proxy-stop"));
        stop.await();
    }

    /** Round robin over a fixed list, skipping the upstreams a request already tried. */
    private static final class RoundRobin implements Upstreams {
        private final List<Upstream> all;
        private final AtomicInteger next = new AtomicInteger();

        RoundRobin(List<Upstream> all) {
            this.all = List.copyOf(all);
        }

        @Override
        public Optional<Upstream> pick(Set<String> tried) {
            int start = Math.floorMod(next.getAndIncrement(), all.size());
            for (int i = 0; i < all.size(); i++) {
                Upstream u = all.get((start + i) % all.size());
                if (!tried.contains(u.name())) {
                    return Optional.of(u);
                }
            }
            return Optional.empty();
        }

        @Override
        public void onRemoved(Consumer<InetSocketAddress> listener) {
            // the list never changes
        }
    }
}
