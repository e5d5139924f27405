package dev.grapevine.benchmarks;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * How long a change takes to reach every node of a converged simulated cluster of full {@link GossipNode}s
 * (LAN profile: probe every 1 s, gossip every 200 ms to 3 members), at 0 % and 10 % datagram loss:
 * <ul>
 *   <li>{@code join}: a fresh node joins through a random member; until every other node has emitted
 *       {@code MemberJoined} for it;</li>
 *   <li>{@code event}: a random node sends a user event; until every node has delivered it;</li>
 *   <li>{@code crash}: a random node crashes; until every other node has emitted {@code MemberFailed} for
 *       it (probe, suspicion timeout, gossip).</li>
 * </ul>
 * The cluster is built once per trial (by joins, the expensive part: one to two minutes of wall time at 1,000 nodes);
 * every invocation changes it once, after 10 s of virtual time to let the previous change settle. JMH's
 * score is the wall-clock time of the invocation. The virtual time the change took (10 ms resolution) is
 * printed per trial and appended, per invocation, to a CSV file (system property {@code convergence.csv},
 * default {@code benchmarks/target/convergence.csv}); {@link ConvergenceTable} turns that file into the
 * README's table. (JMH's auxiliary counters would sum it over the iterations, not average it.)
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ConvergenceBenchmark}. A full-membership cluster
 * needs heap in N squared, and building it by joins costs O(N²) messages per wave of joins: at 10,000 nodes
 * the default {@code build=joins} fails fast saying how much heap it would need; {@code -p build=warm} (nodes
 * started knowing each other) fits with {@code -jvmArgsAppend -Xmx16g} (see benchmarks/README.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx12g", "-XX:+UseParallelGC"})
@Warmup(iterations = 1)
@Measurement(iterations = 5)
public class ConvergenceBenchmark {

    private static final Duration SETTLE = Duration.ofSeconds(10);
    private static final Duration LIMIT = Duration.ofMinutes(5);

    /** Nodes in the cluster. */
    @Param({"100", "1000"})
    public int n;

    /** Probability that a datagram is lost (requests over the simulated TCP never are). */
    @Param({"0", "0.1"})
    public double loss;

    /**
     * How the converged cluster is made: {@code joins} (every node joins through the first, 10 ms of virtual
     * time apart: {@link SimulatedCluster#build}) or {@code warm} (every node starts knowing all the others
     * alive: {@link SimulatedCluster#warm}, seconds instead of hours at 10,000 nodes). Only the setup differs;
     * the measured changes run the full protocol either way.
     */
    @Param({"joins"})
    public String build;

    private SimulatedCluster cluster;
    private int invocation;
    private String phase = "";
    private final List<Double> simulated = new ArrayList<>();

    /** Builds the converged cluster, then turns loss on. */
    @Setup(Level.Trial)
    public void build() {
        long wall0 = System.nanoTime();
        cluster = switch (build) {
            case "joins" -> SimulatedCluster.build(n, 42, GossipConfig.lan());
            case "warm" -> SimulatedCluster.warm(n, 42, GossipConfig.lan());
            default -> throw new IllegalArgumentException("build: joins or warm, was " + build);
        };
        System.out.printf(Locale.ROOT, "%ncluster of %d built by %s in %.1f s of wall time%n", n, build,
                (System.nanoTime() - wall0) / 1e9);
        cluster.net().setLoss(loss);
    }

    /** Notes whether the coming iteration is warm-up or measurement, for the CSV. */
    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
        phase = params.getType() == IterationType.WARMUP ? "warmup" : "measure";
    }

    /** Lets the previous change settle (not timed). */
    @Setup(Level.Invocation)
    public void settle() {
        cluster.net().runFor(SETTLE);
    }

    /** Prints the virtual times of the measured invocations (JMH shows it in its log), drops the cluster. */
    @TearDown(Level.Trial)
    public void close() {
        cluster.close();
        if (!simulated.isEmpty()) {
            System.out.printf(Locale.ROOT, "%nsimulated seconds, n=%d loss=%.2f build=%s: mean %.2f, min %.2f, max %.2f"
                    + " (%d)%n", n, loss, build, simulated.stream().mapToDouble(Double::doubleValue).average().orElse(0),
                    Collections.min(simulated), Collections.max(simulated), simulated.size());
        }
    }

    /**
     * A fresh node joins through a random member; returns when every other live node has it as joined.
     *
     * @return the virtual nanoseconds it took
     */
    @Benchmark
    public long join() {
        int others = cluster.nodes().size();
        GossipNode through = cluster.randomNode();
        GossipNode fresh = cluster.start();
        cluster.watchMember(fresh.name());
        long wall0 = System.nanoTime();
        fresh.join(List.of(through.advertiseAddress()));
        long sim = cluster.runUntil(cluster::joinedSeen, others, LIMIT, "join of " + fresh.name());
        return record("join", sim, wall0);
    }

    /**
     * A random node sends a user event; returns when every node has delivered it.
     *
     * @return the virtual nanoseconds it took
     */
    @Benchmark
    public long event() {
        String name = "bench-" + invocation;
        cluster.watchEvent(name);
        long wall0 = System.nanoTime();
        cluster.randomNode().sendEvent(name, new byte[16], false);
        long sim = cluster.runUntil(cluster::eventSeen, cluster.nodes().size(), LIMIT, "event " + name);
        return record("event", sim, wall0);
    }

    /**
     * A random node crashes; returns when every other node has declared it failed.
     *
     * @return the virtual nanoseconds it took
     */
    @Benchmark
    public long crash() {
        GossipNode victim = cluster.randomNode();
        cluster.watchMember(victim.name());
        long wall0 = System.nanoTime();
        cluster.crash(victim);
        long sim = cluster.runUntil(cluster::failedSeen, cluster.nodes().size(), LIMIT, "crash of " + victim.name());
        return record("crash", sim, wall0);
    }

    private long record(String what, long simNanos, long wall0) {
        long wall = System.nanoTime() - wall0;
        invocation++;
        if (phase.equals("measure")) {
            simulated.add(simNanos / 1e9);
        }
        appendCsv(String.format(Locale.ROOT, "%s,%d,%.2f,%s,%d,%.1f,%.1f%n", what, n, loss, phase, invocation,
                simNanos / 1e6, wall / 1e6));
        return simNanos;
    }

    private static void appendCsv(String line) {
        Path file = Path.of(System.getProperty("convergence.csv", "benchmarks/target/convergence.csv"));
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!Files.exists(file)) {
                Files.writeString(file, "benchmark,n,loss,phase,invocation,simulated_ms,wall_ms\n", StandardCharsets.UTF_8);
            }
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
