package dev.grapevine.benchmarks.sidebyside;

import dev.grapevine.security.Keyring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HashiCorp Serf and Grapevine side by side on loopback, at the same LAN timing profile, both encrypted
 * with one AES-256 key. For each cluster size it runs, one after the other, N Serf agents (one process
 * each, 127.0.100.x), N Grapevine nodes one JVM each (127.0.101.x) and N Grapevine nodes in one JVM
 * (127.0.102.x), and measures the same things the same way for each:
 * <ol>
 *   <li>join: all nodes started unjoined, then nodes 2..N asked to join node 1 at once; time from the first
 *       node starting its join until every node has seen every other node join;</li>
 *   <li>idle cost over a window after settling: CPU time and RSS of the processes from {@code /proc}, and
 *       packets and bytes sent from nftables counters ({@link HostProbe}), per node;</li>
 *   <li>user events sent from node 1, one a second: latency to each other node's first receipt;</li>
 *   <li>{@code kill -9} of nodes N, N-1, ... one after the other (embedded: the node stops without a
 *       goodbye): latency to each survivor's "failed";</li>
 *   <li>graceful leaves of the next nodes down, one after the other: latency to each remaining node's
 *       "left".</li>
 * </ol>
 * Every time is the difference of two instants read by this process: the wall clock when it took the
 * action or when it read the node's line reporting it (see {@link Observations}).
 *
 * <p>Arguments: {@code --sizes 10,50,100 --systems serf,grapevine-jvm,grapevine-embedded --idle 60
 * --settle 10 --events 5 --crashes 3 --leaves 3 --port 7946 --out DIR --serf /usr/bin/serf --plaintext --jvm "OPTIONS"
 * --embedded-jvm "OPTIONS"}; with {@code --scale N
 * --soak SECONDS [--join-rate PER_SECOND]} it runs the scale soak instead ({@link ScaleSoak}). The Grapevine JVMs get this JVM's
 * class path. {@code --replot DIR} writes the tables and chart files again from {@code DIR/results.csv}.
 */
public final class SerfSideBySide {

    private static final Logger LOG = LoggerFactory.getLogger(SerfSideBySide.class);

    /** The JVM options of a one-node Grapevine process (as samples/demo.sh and idle-processes.sh use). */
    static final String NODE_JVM = "-Xmx64m -Xss256k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData";

    private final Settings settings;

    /** Parsed arguments. */
    record Settings(List<Integer> sizes, List<String> systems, int idle, int settle, int events, Path out,
                    String serf, String key, String nodeJvm, int scale, int soak, int crashes,
                    int leaves, int port, int joinRate, String embeddedJvm) {
    }

    SerfSideBySide(Settings settings) {
        this.settings = settings;
    }

    /** Entry point; see the class comment. */
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--replot")) {
            // Tables and chart again from a run's results.csv, without running anything.
            Path dir = Path.of(args[1]);
            Report.write(dir, Files.readAllLines(dir.resolve("results.csv")).stream().skip(1)
                    .filter(l -> !l.isBlank()).map(Result::fromCsv).toList());
            return;
        }
        Settings s = parse(args);
        Files.createDirectories(s.out());
        Map<String, String> ranges = new LinkedHashMap<>();
        ranges.put("serf", "127.0.100.0/24");
        ranges.put("jvm", "127.0.101.0/24");
        ranges.put("embedded", "127.0.102.0/24");
        try (HostProbe probe = new HostProbe(ranges, s.port())) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // Stopped from outside (Ctrl-C, kill): no node process and no counter may outlive the run.
                ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
                probe.close();
            }, "side-by-side-cleanup"));
            if (s.scale() > 0) {
                new ScaleSoak(s, probe).run();
            } else {
                new SerfSideBySide(s).runAll(probe);
            }
        }
    }

    static Settings parse(String[] args) {
        List<Integer> sizes = List.of(10, 50, 100);
        List<String> systems = List.of("serf", "grapevine-jvm", "grapevine-embedded");
        int idle = 60;
        int settle = 10;
        int events = 5;
        int crashes = 3;
        int leaves = 3;
        int port = 7946;
        int joinRate = 0;
        String embeddedJvm = null;
        int scale = 0;
        int soak = 600;
        Path out = Path.of("benchmarks/target/side-by-side");
        String serf = "serf";
        boolean plaintext = false;
        String jvm = NODE_JVM;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--sizes" -> sizes = java.util.Arrays.stream(need(args[i], v).split(",")).map(Integer::valueOf).toList();
                case "--systems" -> systems = List.of(need(args[i], v).split(","));
                case "--idle" -> idle = Integer.parseInt(need(args[i], v));
                case "--settle" -> settle = Integer.parseInt(need(args[i], v));
                case "--events" -> events = Integer.parseInt(need(args[i], v));
                case "--crashes" -> crashes = Integer.parseInt(need(args[i], v));
                case "--leaves" -> leaves = Integer.parseInt(need(args[i], v));
                case "--port" -> port = Integer.parseInt(need(args[i], v));
                case "--join-rate" -> joinRate = Integer.parseInt(need(args[i], v));
                case "--embedded-jvm" -> embeddedJvm = need(args[i], v);
                case "--out" -> out = Path.of(need(args[i], v));
                case "--serf" -> serf = need(args[i], v);
                case "--jvm" -> jvm = need(args[i], v);
                case "--scale" -> scale = Integer.parseInt(need(args[i], v));
                case "--soak" -> soak = Integer.parseInt(need(args[i], v));
                case "--plaintext" -> {
                    plaintext = true;
                    continue;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
            i++;
        }
        for (String sys : systems) {
            if (!List.of("serf", "grapevine-jvm", "grapevine-embedded").contains(sys)) {
                throw new IllegalArgumentException("--systems: unknown system " + sys);
            }
        }
        if (idle < 1 || events < 1 || crashes < 1 || leaves < 1) {
            throw new IllegalArgumentException("--idle, --events, --crashes and --leaves must be at least 1");
        }
        int least = crashes + leaves + 2;
        if (sizes.stream().anyMatch(n -> n < least || n > 250)) {
            throw new IllegalArgumentException("--sizes: each size must be " + least + "..250 (--crashes + --leaves + 2"
                    + " at least, one Serf agent per address of a /24 at most)");
        }
        String key = plaintext ? null : Keyring.generateKeyBase64();
        return new Settings(sizes, systems, idle, settle, events, out, serf, key, jvm, scale, soak, crashes, leaves, port, joinRate,
                embeddedJvm);
    }

    private static String need(String flag, String value) {
        if (value == null) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return value;
    }

    /** The java command for a Grapevine process: this JVM's java and class path, with the given options. */
    static List<String> javaCommand(String options) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String o : options.trim().split("\\s+")) {
            if (!o.isEmpty()) {
                cmd.add(o);
            }
        }
        cmd.add("-cp");
        cmd.add(ManagementFactory.getRuntimeMXBean().getClassPath());
        return cmd;
    }

    Fleet fleet(String system, int n) throws IOException {
        Path log = settings.out().resolve("logs").resolve(system + "-" + n + ".log");
        return switch (system) {
            case "serf" -> new SerfFleet(n, settings.port(), log, settings.serf(), settings.key());
            case "grapevine-jvm" -> new GrapevineFleet(n, settings.port(), log, javaCommand(settings.nodeJvm()), false,
                    settings.key(), false);
            default -> new GrapevineFleet(n, settings.port(), log,
                    javaCommand(settings.embeddedJvm() != null ? settings.embeddedJvm() : "-Xmx" + (64 + n) + "m -XX:+UseSerialGC"),
                    true, settings.key(), false);
        };
    }

    private static String range(String system) {
        return switch (system) {
            case "serf" -> "serf";
            case "grapevine-jvm" -> "jvm";
            default -> "embedded";
        };
    }

    private void runAll(HostProbe probe) throws Exception {
        Path csv = settings.out().resolve("results.csv");
        Files.writeString(csv, Result.CSV_HEADER + "\n", StandardCharsets.UTF_8);
        List<Result> results = new ArrayList<>();
        for (int n : settings.sizes()) {
            for (String system : settings.systems()) {
                LOG.info("{} x{}: starting", system, n);
                Result r;
                try (Fleet f = fleet(system, n)) {
                    r = measure(f, probe, range(system));
                } catch (Exception e) {
                    LOG.error("{} x{}: failed, no figures: {}", system, n, e.toString());
                    continue;
                }
                LOG.info("{} x{}: {}", system, n, r);
                results.add(r);
                Files.writeString(csv, r.csv() + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
                Thread.sleep(10_000); // let the killed processes go and the machine calm down between runs
            }
        }
        Report.write(settings.out(), results);
    }

    /** Runs every step on {@code f} and returns the figures; traffic from {@code probe}'s counters of {@code range}. */
    Result measure(Fleet f, HostProbe probe, String range) throws Exception {
        int n = f.n;
        Observations o = f.obs;
        f.start();
        f.joinAll();
        if (!Fleet.await(f::converged, 60 + n)) {
            LOG.warn("{} x{}: not converged in {} s", f.label(), n, 60 + n);
        }
        List<Double> joinStarts = new ArrayList<>();
        double converged = Double.NaN;
        if (f.converged()) {
            for (int i = 2; i <= n; i++) {
                joinStarts.add(seconds(o.at(f.name(i), "joining")));
            }
            converged = Double.NEGATIVE_INFINITY;
            for (int a = 1; a <= n; a++) {
                for (int b = 1; b <= n; b++) {
                    if (a != b) {
                        converged = Math.max(converged, seconds(o.at(f.name(a), "joined " + f.name(b))));
                    }
                }
            }
        }
        double firstJoin = joinStarts.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double lastJoin = Result.max(joinStarts);

        Thread.sleep(settings.settle() * 1000L);
        List<Process> procs = f.processes();
        double cpu0 = HostProbe.cpuSeconds(procs);
        Map<String, long[]> c0 = probe.counters();
        long t0 = System.nanoTime();
        Thread.sleep(settings.idle() * 1000L);
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = HostProbe.cpuSeconds(procs) - cpu0;
        Map<String, long[]> c1 = probe.counters();
        double load = HostProbe.loadAverage();
        long rss = HostProbe.rssKiB(procs);
        double[] udp = rate(c0, c1, range + "_udp", wall * n);
        double[] tcp = rate(c0, c1, range + "_tcp", wall * n);

        Latencies events = new Latencies();
        for (int e = 1; e <= settings.events(); e++) {
            String name = "ev" + e;
            List<Integer> receivers = f.allBut(1);
            f.event(1, name);
            Fleet.await(() -> f.allSaw(receivers, "event " + name), 30);
            events.add(latencies(f, receivers, "event " + name, o.at(f.name(1), "sending " + name)), receivers.size());
            Thread.sleep(1000);
        }
        // Crashes: nodes n, n-1, ... one after the other, each once every survivor reported the previous one;
        // then graceful leaves of the next nodes down, the same way.
        List<Integer> gone = new ArrayList<>();
        Latencies fail = new Latencies();
        for (int c = 0; c < settings.crashes(); c++) {
            int victim = n - c;
            change(f, gone, victim, "failed ", 120, fail, () -> f.crash(victim));
        }
        List<String> victims = gone.stream().map(f::name).toList();
        Latencies left = new Latencies();
        for (int l = 0; l < settings.leaves(); l++) {
            int leaver = n - settings.crashes() - l;
            change(f, gone, leaver, "left ", 60, left, () -> f.leave(leaver));
        }

        int falseFailures = (int) o.failuresExcept(victims);
        return new Result(f.label(), n, converged - firstJoin, lastJoin - firstJoin, Result.median(events.medians),
                Result.median(events.maxes), Result.median(fail.medians), Result.median(fail.maxes), fail.missed,
                Result.median(left.medians), Result.median(left.maxes), left.missed, 100 * cpu / wall / n,
                rss / 1024.0 / n, udp[0] + tcp[0], udp[1] + tcp[1], udp[0], udp[1], falseFailures, load,
                o.maxLagMillis());
    }

    /** An action on a node that may fail. */
    private interface Action {
        void run() throws Exception;
    }

    /**
     * Latencies of several changes of one kind: the median and the largest over the nodes for each change, and
     * how many nodes never saw one.
     */
    static final class Latencies {
        final List<Double> medians = new ArrayList<>();
        final List<Double> maxes = new ArrayList<>();
        int missed;

        /** Adds one change's latencies, {@code expected} nodes having been meant to see it. */
        void add(List<Double> seen, int expected) {
            medians.add(Result.median(seen));
            maxes.add(seen.size() == expected ? Result.max(seen) : Double.NaN);
            missed += expected - seen.size();
        }
    }

    /**
     * Takes {@code action} on {@code node}, adds it to {@code gone}, and waits (at most {@code timeout} s) until
     * every node not gone reports {@code verb + name}; adds the latencies to {@code into}.
     */
    private static void change(Fleet f, List<Integer> gone, int node, String verb, int timeout, Latencies into,
                               Action action) throws Exception {
        gone.add(node);
        List<Integer> others = f.allBut(gone.stream().mapToInt(Integer::intValue).toArray());
        String fact = verb + f.name(node);
        long at = Observations.nowMicros();
        action.run();
        Fleet.await(() -> f.allSaw(others, fact), timeout);
        into.add(latencies(f, others, fact, at), others.size());
        Thread.sleep(1000);
    }

    private static double seconds(Long micros) {
        return micros == null ? Double.NaN : micros / 1e6;
    }

    /** Seconds from {@code since} to each node's first report of {@code fact}, for the nodes that reported it. */
    static List<Double> latencies(Fleet f, List<Integer> nodes, String fact, Long since) {
        List<Double> out = new ArrayList<>();
        if (since == null) {
            return out;
        }
        for (int i : nodes) {
            Long t = f.obs.at(f.name(i), fact);
            if (t != null) {
                out.add((t - since) / 1e6);
            }
        }
        return out;
    }

    /** {packets, bytes} per second per node of one counter between two readings; NaN without counters. */
    static double[] rate(Map<String, long[]> before, Map<String, long[]> after, String counter, double nodeSeconds) {
        long[] a = before.get(counter);
        long[] b = after.get(counter);
        if (a == null || b == null) {
            return new double[]{Double.NaN, Double.NaN};
        }
        return new double[]{(b[0] - a[0]) / nodeSeconds, (b[1] - a[1]) / nodeSeconds};
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
