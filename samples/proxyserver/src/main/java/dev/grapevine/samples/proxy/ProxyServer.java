package dev.grapevine.samples.proxy;

import dev.grapevine.handlers.HandlerFlags;
import dev.grapevine.roles.HttpService;
import dev.grapevine.roles.Launch;
import dev.grapevine.roles.LaunchOptions;
import dev.grapevine.roles.NodeLauncher;
import dev.grapevine.roles.RoleClient;
import dev.grapevine.roles.RoleView;
import dev.grapevine.roles.Roles;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The proxy server sample: an HTTP reverse proxy on a public port balancing round robin over the alive,
 * healthy front servers. Its upstream set follows membership events (no reload, no restart), and idempotent
 * requests are retried on another front server when one fails. Tagged {@code role=proxy}.
 *
 * <pre>java -jar proxyserver.jar --name proxyserver1 --bind 127.0.0.11:7946 --join 127.0.0.10:7946 \
 *     --http 127.0.0.11:8080 --admin 127.0.0.11:8500</pre>
 */
public final class ProxyServer {

    private ProxyServer() {
    }

    /** Runs until SIGTERM or SIGINT, then leaves the cluster and drains its requests. */
    public static void main(String[] args) throws InterruptedException {
        NodeLauncher.main(args, Map.of(Roles.ROLE, Roles.PROXY), HandlerFlags.FLAGS, List.of(LaunchOptions.HTTP),
                ProxyServer::start);
    }

    /** Starts the HTTP proxy and the handlers of a launched proxy server. */
    static void start(Launch launch) throws IOException {
        RoleClient fronts = RoleClient.builder(RoleView.of(launch.node(), Roles.FRONT))
                .maxAttempts(3)
                .requestTimeout(Duration.ofSeconds(10))
                .build();
        launch.register(HttpService.start(launch.node().name(),
                launch.options().require(LaunchOptions.HTTP, "a proxy server"), 32, 1024, Duration.ofSeconds(5),
                new ProxyHandler(fronts)));
        HandlerFlags.start(launch);
    }
}
