package dev.grapevine.roles;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import dev.grapevine.roles.admin.AdminServer;
import dev.grapevine.roles.admin.HealthChecks;
import dev.grapevine.roles.admin.UserEventLog;
import dev.grapevine.roles.health.HealthCheck;
import dev.grapevine.roles.health.HealthChecker;
import dev.grapevine.roles.health.HealthStatus;
import dev.grapevine.security.Keyring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Starts a Grapevine process from its command line: the node (joining its peers, retrying until it succeeds),
 * its health checks, the admin HTTP API and live page when {@code --admin} is given, and on SIGTERM or SIGINT a graceful leave, so that peers report it as left rather than
 * failed. Every cluster event goes to the log.
 *
 * <p>Run as {@code java dev.grapevine.roles.NodeLauncher --name n1 --bind 127.0.0.11:7946 --join ...}. Role
 * servers are thin mains on top of {@link #main(String[], List, RoleStarter)}:
 * <pre>{@code
 * public static void main(String[] args) throws Exception {
 *     NodeLauncher.main(args, List.of(MY_FLAG), launch -> launch.register(startHttp(launch.options())));
 * }
 * }</pre>
 */
public final class NodeLauncher {

    private static final Logger LOG = LoggerFactory.getLogger(NodeLauncher.class);

    private NodeLauncher() {
    }

    /** What a role server starts once its node runs: typically servers, registered with the launch. */
    @FunctionalInterface
    public interface RoleStarter {

        /** Starts the role's servers; register them with {@code launch} so they stop with it. */
        void start(Launch launch) throws Exception;
    }

    /** Entry point of a plain node: the shared flags only. Exits with status 2 on a bad command line. */
    public static void main(String[] args) throws InterruptedException {
        main(args, List.of(), launch -> { });
    }

    /**
     * Entry point of a role server: parses {@code args} (with {@code GRAPEVINE_*} variables) knowing the shared
     * flags and {@code extraFlags}; prints the flags for {@code --help} and a key for {@code --keygen}; launches;
     * calls {@code role}; joins the {@code --join} peers only then, so that no peer learns of a server (its port
     * tag) before it listens; then runs until the process is told to stop (SIGTERM, SIGINT: a graceful leave
     * unless {@code --leave-on-terminate false} or {@code --skip-leave-on-interrupt}), reloading its
     * configuration on SIGHUP ({@link Launch#reload()}). The log is at {@code --log-level}.
     * Exits with status 2 on a bad command line (the message names the flag), 1 when the node or the role cannot
     * start.
     */
    public static void main(String[] args, List<Flag<?>> extraFlags, RoleStarter role) throws InterruptedException {
        main(args, Map.of(), extraFlags, role);
    }

    /**
     * As {@link #main(String[], List, RoleStarter)}, with {@code defaultTags} added where the command line set no
     * tag of that key (a role server's {@code role} tag, for example).
     */
    public static void main(String[] args, Map<String, String> defaultTags, List<Flag<?>> extraFlags,
                            RoleStarter role) throws InterruptedException {
        main(args, defaultTags, extraFlags, List.of(), role);
    }

    /**
     * As {@link #main(String[], Map, List, RoleStarter)}, where the role cannot run without the {@code required}
     * flags (an app server's {@code --http}, say): one missing is a bad command line (status 2), found before
     * anything starts.
     */
    public static void main(String[] args, Map<String, String> defaultTags, List<Flag<?>> extraFlags,
                            List<Flag<?>> required, RoleStarter role) throws InterruptedException {
        Map<String, String> env = System.getenv();
        java.util.function.Supplier<LaunchOptions> parse = () -> {
            LaunchOptions p = LaunchOptions.parse(args, env, extraFlags).withDefaultTags(defaultTags);
            if (!p.help() && !p.keygen()) {
                for (Flag<?> f : required) {
                    p.require(f, "this server");
                }
            }
            return p;
        };
        LaunchOptions o;
        try {
            o = parse.get();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(LaunchOptions.usage(extraFlags));
            System.exit(2);
            return;
        }
        if (o.help()) {
            System.out.println(LaunchOptions.usage(extraFlags));
            return;
        }
        if (o.keygen()) {
            // A new random AES-256 key, base64, for --key or a keyring file (like `serf keygen`).
            System.out.println(Keyring.generateKeyBase64());
            return;
        }
        ProcessLog.configure(o.logLevel(), o.logLevelGiven());
        Launch launch;
        try {
            // The role's servers start before the node joins, so no peer learns of a port nobody listens on yet.
            launch = launch(o, false);
        } catch (IOException | RuntimeException e) {
            System.err.println("error: cannot start " + o.name() + " at " + o.bind() + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        try {
            role.start(launch);
        } catch (Exception e) {
            LOG.error("{}: the role did not start", o.name(), e);
            launch.close();
            System.exit(1);
            return;
        }
        launch.reloadFrom(parse);
        Signals.install(launch);
        joinPeers(launch.node(), o);
        if (o.cdsTraining()) {
            int status = Training.run(launch);
            launch.close();
            System.exit(status);
            return;
        }
        launch.awaitClose();
        if (launch.stoppedAfterLeave()) {
            System.exit(0); // POST /v1/leave (grapevine leave): the node left and the process is done, as serf's is
        }
    }

    /**
     * Parses {@code args} (with {@code env} as fallback, knowing {@code extraFlags}) and launches. For
     * programs and tests; a main should use {@link #main(String[], List, RoleStarter)}, which also handles
     * {@code --help} and {@code --keygen}.
     *
     * @throws IllegalArgumentException naming the flag at fault, or when {@code --help}/{@code --keygen} leave
     *                                  nothing to launch
     * @throws IOException              when the gossip address cannot be bound
     */
    public static Launch launch(String[] args, Map<String, String> env, List<Flag<?>> extraFlags) throws IOException {
        LaunchOptions o = LaunchOptions.parse(args, env, extraFlags);
        if (o.help() || o.keygen()) {
            throw new IllegalArgumentException((o.help() ? "--help" : "--keygen") + " given: nothing to launch");
        }
        Launch launch = launch(o);
        launch.reloadFrom(() -> LaunchOptions.parse(args, env, extraFlags));
        return launch;
    }

    /**
     * Starts the node of {@code o}, its health checks and (with {@code --admin}) its admin server, and installs
     * the shutdown hook that leaves gracefully (see {@link Launch}).
     *
     * @throws IOException when the gossip address cannot be bound
     */
    public static Launch launch(LaunchOptions o) throws IOException {
        return launch(o, true);
    }

    private static Launch launch(LaunchOptions o, boolean join) throws IOException {
        // The admin API's event log listens from the node's first event, not from when the API starts.
        UserEventLog events = o.admin().isPresent() ? new UserEventLog() : null;
        GossipNode node = start(o, join, events);
        SharedHttp http = new SharedHttp(node.name());
        HealthChecker health;
        try {
            HealthChecker.Builder hb = HealthChecker.builder().node(node).checks(o.checks());
            if (o.checks().stream().anyMatch(HealthCheck::isHttp)) {
                hb.connector(http.connector());
            }
            health = hb.start();
        } catch (RuntimeException e) {
            http.close();
            node.close();
            throw e;
        }
        Launch launch = new Launch(o, node, health, http);
        if (!o.checks().isEmpty()) {
            LOG.info("{}: {} health checks: {}", node.name(), o.checks().size(), o.checks());
        }
        if (o.admin().isPresent()) {
            try {
                AdminServer.Builder ab = AdminServer.builder(node).bind(o.admin().get()).loop(launch.http())
                        .insecure(o.adminInsecure()).afterLeave(launch::stopAfterLeave).metrics(launch.metrics());
                o.adminToken().ifPresent(ab::token);
                o.adminHosts().forEach(ab::allowHost);
                launch.register(ab.eventLog(events)
                        .healthChecks(() -> health.checks().stream()
                                .map(c -> new HealthChecks.CheckState(c.name(), c.status() == HealthStatus.PASSING,
                                        c.output() == null ? "" : c.output()))
                                .toList())
                        .start());
            } catch (IOException | RuntimeException e) {
                launch.close();
                throw new IOException("--admin " + o.admin().get() + ": " + e.getMessage(), e);
            }
        }
        return launch;
    }

    /** Builds and starts the node described by {@code o} (no health checks, no shutdown hook); events go to the log. */
    public static GossipNode start(LaunchOptions o) throws IOException {
        return start(o, true, null);
    }

    private static GossipNode start(LaunchOptions o, boolean join, UserEventLog events) throws IOException {
        GossipNode.Builder b = GossipNode.builder()
                .name(o.name())
                .bind(o.bind().toString())
                .tags(o.tags())
                .config(o.gossipConfig())
                .rejoinAfterLeave(o.rejoinAfterLeave())
                .listener(NodeLauncher::log);
        if (events != null) {
            b.listener(events);
        }
        if (o.advertise() != null) {
            b.advertise(o.advertise().toString());
        }
        if (o.keyring() != null) {
            b.keyring(o.keyring()).cluster(o.cluster());
            if (o.keyFile() != null) {
                b.keyringFile(o.keyFile());
            }
        }
        o.snapshot().ifPresent(b::snapshot);
        o.resolver().ifPresent(server -> b.resolver(new DnsServerResolver(server, Duration.ofSeconds(1))));
        GossipNode node = b.start();
        o.tagsFile().ifPresent(f -> TagsFile.follow(node, f)); // before anything can change the tags
        LOG.info("{}: started at {} with tags {}{}", node.name(), node.advertiseAddress(), o.tags(),
                o.keyring() != null ? ", traffic encrypted (cluster " + o.cluster() + ")" : ", traffic in plaintext");
        if (join) {
            joinPeers(node, o);
        }
        return node;
    }

    /**
     * Joins the {@code --join} peers in the background, every {@code --retry-interval} (2 s) until one answers,
     * at most {@code --retry-max-attempts} times (0: no limit).
     */
    private static void joinPeers(GossipNode node, LaunchOptions o) {
        if (!o.join().isEmpty()) {
            node.retryJoin(o.retryInterval(), o.retryMaxAttempts(), o.join().toArray(String[]::new));
        }
    }

    private static void log(ClusterEvent e) {
        if (e instanceof ClusterEvent.MemberEvent m) {
            LOG.info("member {} {} at {} tags {}", m.member().name(), verb(e), m.member().address(),
                    m.member().tags());
        } else {
            LOG.info("{}", e);
        }
    }

    /** The event as a word for the log. */
    static String verb(ClusterEvent e) {
        if (e instanceof ClusterEvent.MemberJoined) {
            return "joined";
        }
        if (e instanceof ClusterEvent.MemberLeft) {
            return "left";
        }
        if (e instanceof ClusterEvent.MemberFailed) {
            return "failed";
        }
        if (e instanceof ClusterEvent.MemberUpdated) {
            return "updated";
        }
        if (e instanceof ClusterEvent.MemberReaped) {
            return "reaped";
        }
        return e.getClass().getSimpleName();
    }
}
