package dev.grapevine.samples.app;

import dev.grapevine.handlers.HandlerFlags;
import dev.grapevine.roles.Launch;
import dev.grapevine.roles.LaunchOptions;
import dev.grapevine.roles.NodeLauncher;
import dev.grapevine.roles.Roles;
import dev.grapevine.roles.http.HttpService;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The app server sample: an HTTP server answering {@code GET /hello} with {@code I'm <name>}, tagged
 * {@code role=app} and {@code http.port}, so that front servers find it in the membership.
 *
 * <pre>java -jar appserver.jar --name appserver1 --bind 127.0.0.31:7946 --join 127.0.0.10:7946 \
 *     --http 127.0.0.31:8080 --admin 127.0.0.31:8500</pre>
 * All of the shared launcher's flags apply (see {@code --help}), and the event-handler flags.
 */
public final class AppServer {

    private AppServer() {
    }

    /** Runs until SIGTERM or SIGINT, then leaves the cluster and drains its requests. */
    public static void main(String[] args) throws InterruptedException {
        NodeLauncher.main(args, Map.of(Roles.ROLE, Roles.APP), HandlerFlags.FLAGS, List.of(LaunchOptions.HTTP),
                AppServer::start);
    }

    /** Starts the HTTP server and the handlers of a launched app server. */
    static void start(Launch launch) throws IOException {
        String name = launch.node().name();
        launch.register(HttpService.builder(name, launch.options().require(LaunchOptions.HTTP, "an app server"))
                .loop(launch.http())
                .drain(Duration.ofSeconds(5))
                .handler(new HelloHandler(name))
                .start());
        HandlerFlags.start(launch);
    }
}
