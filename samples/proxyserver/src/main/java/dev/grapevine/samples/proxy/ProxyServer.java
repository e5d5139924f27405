package dev.grapevine.samples.proxy;

import dev.grapevine.handlers.HandlerFlags;
import dev.grapevine.roles.Launch;
import dev.grapevine.roles.LaunchOptions;
import dev.grapevine.roles.NodeLauncher;
import dev.grapevine.roles.RoleUpstreams;
import dev.grapevine.roles.RoleView;
import dev.grapevine.roles.Roles;
import dev.grapevine.roles.http.HttpService;
import dev.grapevine.roles.http.ReverseProxy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The proxy server sample: an HTTP reverse proxy ({@link ReverseProxy}) on a public port balancing round robin
 * over the alive, healthy front servers, with keep-alive connections pooled per front server. Its upstream set
 * follows membership events (no reload, no restart; the connections of a front that leaves are closed), and
 * idempotent requests are retried on another front server when one fails. Tagged {@code role=proxy}.
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
        ReverseProxy proxy = ReverseProxy.builder(RoleUpstreams.of(RoleView.of(launch.node(), Roles.FRONT)),
                        launch.connector())
                .maxAttempts(3)
                .responseTimeout(Duration.ofSeconds(10))
                .build();
        launch.register(HttpService.builder(launch.node().name(),
                        launch.options().require(LaunchOptions.HTTP, "a proxy server"))
                .loop(launch.http())
                .drain(Duration.ofSeconds(5))
                .proxy(proxy)
                .start());
        HandlerFlags.start(launch);
    }
}
