package dev.grapevine.samples.front;

import dev.grapevine.handlers.HandlerFlags;
import dev.grapevine.roles.Launch;
import dev.grapevine.roles.LaunchOptions;
import dev.grapevine.roles.NodeLauncher;
import dev.grapevine.roles.RoleClient;
import dev.grapevine.roles.RoleView;
import dev.grapevine.roles.Roles;
import dev.grapevine.roles.http.HttpService;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The front server sample: {@code GET /hello} calls an alive app server picked round robin from the live
 * membership and answers {@code Hello <front>, I'm <app> !}; an app server that fails mid-request is retried
 * on another, so the caller sees no error. Tagged {@code role=front} and {@code http.port}.
 *
 * <pre>java -jar frontserver.jar --name frontserver1 --bind 127.0.0.21:7946 --join 127.0.0.10:7946 \
 *     --http 127.0.0.21:8080 --admin 127.0.0.21:8500</pre>
 */
public final class FrontServer {

    private FrontServer() {
    }

    /** Runs until SIGTERM or SIGINT, then leaves the cluster and drains its requests. */
    public static void main(String[] args) throws InterruptedException {
        NodeLauncher.main(args, Map.of(Roles.ROLE, Roles.FRONT), HandlerFlags.FLAGS, List.of(LaunchOptions.HTTP),
                FrontServer::start);
    }

    /** Starts the HTTP server and the handlers of a launched front server. */
    static void start(Launch launch) throws IOException {
        String name = launch.node().name();
        RoleClient apps = RoleClient.builder(RoleView.of(launch.node(), Roles.APP))
                .connector(launch.connector())
                .maxAttempts(3)
                .requestTimeout(Duration.ofSeconds(5))
                .build();
        launch.register(HttpService.builder(name, launch.options().require(LaunchOptions.HTTP, "a front server"))
                .loop(launch.http())
                .drain(Duration.ofSeconds(5))
                .handler(new FrontHandler(name, apps))
                .start());
        HandlerFlags.start(launch);
    }
}
