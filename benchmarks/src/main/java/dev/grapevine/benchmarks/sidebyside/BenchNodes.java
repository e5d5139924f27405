package dev.grapevine.benchmarks.sidebyside;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.Profile;
import dev.grapevine.security.Keyring;
import dev.grapevine.transport.NetworkRuntime;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One or many Grapevine nodes in this JVM, driven by commands on standard input: the Grapevine side of
 * {@link SerfSideBySide}. With {@code --count 1} it is one node per process (like one Serf agent per
 * process); with {@code --count N} it is the embedded case, N nodes sharing one {@link NetworkRuntime}.
 *
 * <p>Arguments: {@code --prefix g --base 127.0.101 --port 7946 --first 1 --count 1 [--key BASE64]
 * [--cluster bench] [--quiet-joins]}. Node {@code i} is named {@code prefix + i} and bound to
 * {@link #address(String, int, int) address(base, port, i)}.
 *
 * <p>Commands, one a line ({@code I} is a node number): {@code join I HOST:PORT}, {@code event I NAME},
 * {@code crash I} (stops without leaving: the others detect a failure), {@code leave I} (leaves gracefully,
 * then stops), {@code restart I} (node I again, a fresh node on the same address, after a crash: send a join
 * after it), {@code stats I} (node I's suspicion counters), {@code status} and {@code quit}. End of input is
 * {@code quit}.
 *
 * <p>Output, one line per fact, {@code @MICROS OBSERVER VERB [SUBJECT]} where MICROS is the wall clock in
 * microseconds since the epoch when the line was written: {@code ready}, {@code joining}, {@code joined X},
 * {@code failed X}, {@code left X}, {@code updated X}, {@code sending NAME}, {@code event NAME},
 * {@code crashed}, {@code leaving}, {@code stopped}, {@code join-error TEXT},
 * {@code stats suspicions RAISED refuted REFUTED}. {@code status} answers
 * {@code @MICROS all status MINLIVE MAXLIVE} over the nodes still running. {@code --quiet-joins} leaves
 * out the {@code joined} lines (a thousand nodes would print a million).
 */
public final class BenchNodes {

    private static final int JOIN_ATTEMPTS = 30;

    private final PrintStream out;
    private final String prefix;
    private final String base;
    private final int port;
    private final int first;
    private final boolean quietJoins;
    private final List<GossipNode> nodes = new ArrayList<>();
    private final ScheduledExecutorService retries;
    private NetworkRuntime runtime;
    private Keyring keyring;
    private String cluster;

    private BenchNodes(PrintStream out, String prefix, String base, int port, int first, boolean quietJoins) {
        this.out = out;
        this.prefix = prefix;
        this.base = base;
        this.port = port;
        this.first = first;
        this.quietJoins = quietJoins;
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-join-retry");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The address of node {@code i} (1-based): {@code base.(1 + (i-1) % 250):(port + (i-1) / 250)}, so that a
     * thousand nodes fit in one /24 on four ports.
     *
     * @param base the first three octets, e.g. {@code 127.0.101}
     * @param port the first port
     * @param i    the node number, from 1
     * @return host:port
     */
    public static String address(String base, int port, int i) {
        return base + "." + (1 + (i - 1) % 250) + ":" + (port + (i - 1) / 250);
    }

    /** Entry point; see the class comment for arguments and commands. */
    public static void main(String[] args) throws Exception {
        String prefix = "g";
        String base = "127.0.101";
        int port = GossipNode.DEFAULT_PORT;
        int first = 1;
        int count = 1;
        String key = null;
        String cluster = "bench";
        boolean quietJoins = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--prefix" -> prefix = args[++i];
                case "--base" -> base = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--first" -> first = Integer.parseInt(args[++i]);
                case "--count" -> count = Integer.parseInt(args[++i]);
                case "--key" -> key = args[++i];
                case "--cluster" -> cluster = args[++i];
                case "--quiet-joins" -> quietJoins = true;
                default -> {
                    System.err.println("unknown argument " + args[i]
                            + "; usage: --prefix P --base A.B.C --port P --first I --count N [--key B64]"
                            + " [--cluster NAME] [--quiet-joins]");
                    System.exit(2);
                }
            }
        }
        if (count < 1 || first < 1) {
            System.err.println("--count and --first must be at least 1");
            System.exit(2);
        }
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        BenchNodes bench = new BenchNodes(out, prefix, base, port, first, quietJoins);
        Keyring keyring = key == null ? null : Keyring.ofBase64(key);
        try (NetworkRuntime runtime = NetworkRuntime.create("bench")) {
            bench.runtime = runtime;
            bench.keyring = keyring;
            bench.cluster = cluster;
            for (int i = first; i < first + count; i++) {
                bench.nodes.add(bench.start(runtime, i, keyring, cluster));
            }
            bench.commands(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
            bench.nodes.forEach(GossipNode::close);
            bench.retries.shutdownNow();
        }
        out.flush();
    }

    private GossipNode start(NetworkRuntime runtime, int i, Keyring keyring, String cluster) throws java.io.IOException {
        String name = prefix + i;
        GossipNode.Builder b = GossipNode.builder().name(name).bind(address(base, port, i))
                .profile(Profile.LAN).runtime(runtime).listener(e -> log(name, e));
        if (keyring != null) {
            b.keyring(keyring).cluster(cluster);
        }
        GossipNode node = b.start();
        say(name, "ready");
        return node;
    }

    private void log(String observer, ClusterEvent e) {
        if (e instanceof ClusterEvent.MemberEvent m) {
            String verb = e instanceof ClusterEvent.MemberJoined ? "joined"
                    : e instanceof ClusterEvent.MemberFailed ? "failed"
                    : e instanceof ClusterEvent.MemberLeft ? "left"
                    : e instanceof ClusterEvent.MemberUpdated ? "updated" : "reaped";
            if (!(quietJoins && verb.equals("joined"))) {
                say(observer, verb + " " + m.member().name());
            }
        } else if (e instanceof ClusterEvent.UserEvent u) {
            say(observer, "event " + u.name());
        }
    }

    private void say(String observer, String fact) {
        Instant now = Instant.now();
        out.println("@" + (now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000) + " " + observer + " " + fact);
    }

    private GossipNode node(String number) {
        return nodes.get(Integer.parseInt(number) - first);
    }

    private void commands(BufferedReader in) throws java.io.IOException {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String[] w = line.trim().split("\\s+");
            try {
                switch (w[0]) {
                    case "join" -> join(node(w[1]), w[2], 1);
                    case "event" -> {
                        GossipNode n = node(w[1]);
                        say(n.name(), "sending " + w[2]);
                        n.sendEvent(w[2], new byte[16], false);
                    }
                    case "crash" -> {
                        GossipNode n = node(w[1]);
                        n.close();
                        say(n.name(), "crashed");
                    }
                    case "leave" -> {
                        GossipNode n = node(w[1]);
                        say(n.name(), "leaving");
                        n.leave().whenComplete((v, x) -> {
                            n.close();
                            say(n.name(), "stopped");
                        });
                    }
                    case "stats" -> {
                        GossipNode n = node(w[1]);
                        var st = n.stats();
                        say(n.name(), "stats suspicions " + st.suspicionsRaised() + " refuted " + st.suspicionsRefuted());
                    }
                    case "restart" -> {
                        int i = Integer.parseInt(w[1]);
                        if (!node(w[1]).isClosed()) {
                            node(w[1]).close();
                        }
                        nodes.set(i - first, start(runtime, i, keyring, cluster));
                    }
                    case "status" -> {
                        IntSummary s = new IntSummary();
                        nodes.stream().filter(n -> !n.isClosed()).forEach(n -> s.add(
                                (int) n.members().stream().filter(Member::isUp).count()));
                        say("all", "status " + s.min + " " + s.max);
                    }
                    case "quit" -> {
                        return;
                    }
                    default -> say("all", "unknown-command " + w[0]);
                }
            } catch (RuntimeException | java.io.IOException e) {
                say("all", "command-error " + line.replace(' ', '_') + " " + e);
            }
        }
    }

    private void join(GossipNode n, String seed, int attempt) {
        if (attempt == 1) {
            say(n.name(), "joining");
        }
        String[] hp = seed.split(":");
        n.join(List.of(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])))).whenComplete((count, x) -> {
            if (x != null && !n.isClosed()) {
                say(n.name(), "join-error " + x.toString().replace(' ', '_'));
                if (attempt < JOIN_ATTEMPTS) {
                    retries.schedule(() -> join(n, seed, attempt + 1), 1, TimeUnit.SECONDS);
                }
            }
        });
    }

    /** Smallest and largest of some counts. */
    private static final class IntSummary {
        int min = Integer.MAX_VALUE;
        int max;

        void add(int v) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
    }
}
