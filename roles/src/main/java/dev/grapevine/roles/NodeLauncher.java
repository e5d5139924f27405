package dev.grapevine.roles;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts a node from {@link LaunchOptions}, logs every cluster event, joins (retrying until it succeeds),
 * and on SIGTERM or SIGINT leaves gracefully so that peers report it as left rather than failed.
 *
 * <p>Run as {@code java dev.grapevine.roles.NodeLauncher --name n1 --bind 127.0.0.11:7946 --join ...}.
 */
public final class NodeLauncher {

    private static final Logger LOG = LoggerFactory.getLogger(NodeLauncher.class);

    private NodeLauncher() {
    }

    /** Entry point; exits with status 2 on a bad command line. */
    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--keygen")) {
            // A new random AES-256 key, base64, for --key or a keyring file (like `serf keygen`).
            System.out.println(dev.grapevine.security.Keyring.generateKeyBase64());
            return;
        }
        LaunchOptions o;
        try {
            o = LaunchOptions.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(LaunchOptions.USAGE);
            System.exit(2);
            return;
        }
        if (o.help()) {
            System.out.println(LaunchOptions.USAGE);
            return;
        }
        GossipNode node = start(o);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("{}: leaving the cluster", node.name());
            try {
                node.leave().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("{}: leave did not complete: {}", node.name(), e.toString());
            }
            node.close();
            LOG.info("{}: stopped", node.name());
            stopped.countDown();
        }, "grapevine-shutdown"));
        stopped.await();
    }

    /** Builds and starts the node described by {@code o}; events go to the log. */
    public static GossipNode start(LaunchOptions o) throws java.io.IOException {
        GossipNode.Builder b = GossipNode.builder()
                .name(o.name())
                .bind(o.bind().toString())
                .tags(o.tags())
                .profile(o.profile())
                .listener(NodeLauncher::log);
        if (o.advertise() != null) {
            b.advertise(o.advertise().toString());
        }
        if (o.keyring() != null) {
            b.keyring(o.keyring()).cluster(o.cluster());
            if (o.keyFile() != null) {
                b.keyringFile(o.keyFile());
            }
        }
        if (!o.join().isEmpty()) {
            b.retryJoin(Duration.ofSeconds(2), 0, o.join().toArray(String[]::new));
        }
        GossipNode node = b.start();
        LOG.info("{}: started at {} with tags {}{}", node.name(), node.advertiseAddress(), o.tags(),
                o.keyring() != null ? ", traffic encrypted (cluster " + o.cluster() + ")" : ", traffic in plaintext");
        return node;
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
