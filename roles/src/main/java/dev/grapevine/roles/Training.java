package dev.grapevine.roles;

import dev.grapevine.GossipNode;
import dev.grapevine.roles.admin.AdminServer;
import dev.grapevine.roles.http.HttpConnector;
import dev.grapevine.roles.http.HttpService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code --cds-training} run of a launched process: once its servers are up, it calls each of them over HTTP
 * through the shared pooled client (the role's own paths, the admin API and page), has a second node join it
 * and leave, then returns, and the launcher leaves and exits. Run under {@code -XX:ArchiveClassesAtExit} at
 * package time, it records the classes a role server loads to start, serve and join in an AppCDS archive, so
 * that the real process starts from it (see samples/README.md). Failures are logged, never fatal: an archive
 * of fewer classes is still an archive.
 */
final class Training {

    private static final Logger LOG = LoggerFactory.getLogger(Training.class);
    private static final Duration CALL = Duration.ofSeconds(5);
    /** Paths every HTTP server is asked for: the samples' own, and the admin API's. */
    private static final List<String> PATHS = List.of("/", "/hello", "/v1/members", "/v1/self", "/v1/health",
            "/v1/events", "/ui", "/ui/app.js", "/ui/app.css", "/nothing-here");

    private Training() {
    }

    /** Exercises the launch; returns the exit status (0, or 1 when nothing could be called). */
    static int run(Launch launch) {
        HttpConnector http = launch.connector();
        List<InetSocketAddress> servers = new ArrayList<>();
        for (AutoCloseable c : launch.registered()) {
            if (c instanceof HttpService s) {
                servers.add(s.address());
            } else if (c instanceof AdminServer a) {
                servers.add(a.address());
            }
        }
        int answered = 0;
        for (int round = 0; round < 3; round++) {
            for (InetSocketAddress server : servers) {
                for (String path : PATHS) {
                    try {
                        http.call(server, "GET", path, Map.of(), new byte[0], CALL).get(CALL.toMillis() * 2,
                                TimeUnit.MILLISECONDS);
                        answered++;
                    } catch (Exception e) {
                        LOG.debug("training call {}{} failed: {}", server, path, e.toString());
                    }
                }
            }
        }
        joinAndLeave(launch);
        LOG.info("{}: training done, {} calls answered by {} servers", launch.node().name(), answered, servers.size());
        return servers.isEmpty() || answered > 0 ? 0 : 1;
    }

    /** A second node (same keyring and cluster) joins this one, then leaves: the join and push-pull paths. */
    private static void joinAndLeave(Launch launch) {
        LaunchOptions o = launch.options();
        GossipNode.Builder b = GossipNode.builder().name(launch.node().name() + "-training-peer")
                .bind(launch.node().advertiseAddress().getAddress().getHostAddress() + ":0")
                .profile(o.profile());
        if (o.keyring() != null) {
            b.keyring(o.keyring()).cluster(o.cluster());
        }
        try (GossipNode peer = b.start()) {
            InetSocketAddress at = launch.node().advertiseAddress();
            peer.join(at.getAddress().getHostAddress() + ":" + at.getPort()).get(10, TimeUnit.SECONDS);
            peer.sendEvent("cds-training", new byte[]{1}, false);
            peer.leave().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.info("training join failed: {}", e.toString());
        }
    }
}
