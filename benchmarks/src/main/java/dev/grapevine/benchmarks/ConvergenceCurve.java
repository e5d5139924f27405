package dev.grapevine.benchmarks;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;

import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The share of a simulated cluster that has delivered a user event, over virtual time after it was sent,
 * next to Serf's convergence model ({@link SerfModel}) for the same gossip interval and fanout (the LAN
 * profile: 200 ms, 3). A {@code main}, not JMH: it prints the curve as CSV and writes it as a CSV file and a
 * PNG chart.
 *
 * <p>For each loss rate (0 % and 10 %) it builds one converged cluster of {@code n} full nodes, then sends
 * {@code runs} events from random nodes, 10 s of virtual time apart, sampling every 50 ms how many nodes have
 * delivered the current one; the curve is the mean over the runs.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.grapevine.benchmarks.ConvergenceCurve 1000 5
 * benchmarks/convergence-1000} (writes {@code benchmarks/convergence-1000.csv} and {@code .png}).
 */
public final class ConvergenceCurve {

    private static final double[] LOSSES = {0.0, 0.1};
    private static final long STEP_MILLIS = 50;
    private static final int MAX_STEPS = 600;

    private ConvergenceCurve() {
    }

    /**
     * Entry point: {@code [n=1000] [runs=5] [outputPrefix=benchmarks/convergence-N]}.
     *
     * @throws IOException when the output files cannot be written
     */
    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String prefix = args.length > 2 ? args[2] : "benchmarks/convergence-" + n;
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be at least 1, was " + runs);
        }
        GossipConfig config = GossipConfig.lan();
        double interval = config.gossipInterval().toNanos() / 1e9;
        double[][] curves = new double[LOSSES.length][];
        for (int l = 0; l < LOSSES.length; l++) {
            curves[l] = measure(n, runs, LOSSES[l], config);
        }
        int steps = 0;
        for (double[] c : curves) {
            steps = Math.max(steps, lastBelowOne(c) + 3);
        }
        SerfModel[] models = new SerfModel[LOSSES.length];
        for (int l = 0; l < LOSSES.length; l++) {
            models[l] = new SerfModel(n, interval, config.gossipNodes(), LOSSES[l]);
            steps = Math.max(steps, (int) Math.ceil(models[l].secondsToReach(0.9999) * 1000 / STEP_MILLIS) + 3);
        }
        StringBuilder csv = new StringBuilder("seconds,grapevine_loss0,grapevine_loss10,serf_model_loss0,"
                + "serf_model_loss10\n");
        double[] t = new double[steps];
        double[][] ours = new double[LOSSES.length][steps];
        double[][] serf = new double[LOSSES.length][steps];
        for (int i = 0; i < steps; i++) {
            t[i] = i * STEP_MILLIS / 1000.0;
            csv.append(String.format(Locale.ROOT, "%.2f", t[i]));
            for (int l = 0; l < LOSSES.length; l++) {
                ours[l][i] = 100 * (i < curves[l].length ? curves[l][i] : 1.0);
                csv.append(String.format(Locale.ROOT, ",%.3f", ours[l][i]));
            }
            for (int l = 0; l < LOSSES.length; l++) {
                serf[l][i] = 100 * models[l].informedAt(t[i]);
                csv.append(String.format(Locale.ROOT, ",%.3f", serf[l][i]));
            }
            csv.append('\n');
        }
        System.out.print(csv);
        for (int l = 0; l < LOSSES.length; l++) {
            System.out.printf(Locale.ROOT, "# serf model, loss %.0f%%: 99.99%% of %d nodes at %.1f s%n",
                    100 * LOSSES[l], n, models[l].secondsToReach(0.9999));
        }
        Path csvFile = Path.of(prefix + ".csv");
        Path parent = csvFile.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(csvFile, csv.toString(), StandardCharsets.UTF_8);
        new LineChart(String.format(Locale.ROOT, "A user event reaching %,d simulated nodes (gossip every %.0f ms,"
                + " fanout %d; mean of %d)", n, interval * 1000, config.gossipNodes(), runs),
                "seconds after the event was sent", "% of nodes that delivered it", t[steps - 1], 100)
                .add("Grapevine, 0 % loss", new Color(0x1f77b4), false, t, ours[0])
                .add("Grapevine, 10 % loss", new Color(0xd62728), false, t, ours[1])
                .add("Serf model, 0 % loss", new Color(0x1f77b4), true, t, serf[0])
                .add("Serf model, 10 % loss", new Color(0xd62728), true, t, serf[1])
                .writePng(Path.of(prefix + ".png"));
    }

    /** Mean informed fraction at each 50 ms step over {@code runs} events in one cluster at {@code loss}. */
    private static double[] measure(int n, int runs, double loss, GossipConfig config) {
        long wall0 = System.nanoTime();
        double[] sum = new double[MAX_STEPS];
        try (SimulatedCluster cluster = SimulatedCluster.build(n, 1, config)) {
            System.err.printf(Locale.ROOT, "# %d nodes built and converged in %.1f s wall%n", n,
                    (System.nanoTime() - wall0) / 1e9);
            cluster.net().setLoss(loss);
            for (int r = 0; r < runs; r++) {
                cluster.net().runFor(Duration.ofSeconds(10));
                String name = "curve-" + r;
                cluster.watchEvent(name);
                GossipNode sender = cluster.randomNode();
                sender.sendEvent(name, new byte[16], false);
                int step = 0;
                long sim0 = cluster.net().now();
                long w0 = System.nanoTime();
                for (; step < MAX_STEPS && cluster.eventSeen() < n; step++) {
                    sum[step] += (double) cluster.eventSeen() / n;
                    cluster.net().runFor(Duration.ofMillis(STEP_MILLIS));
                }
                if (cluster.eventSeen() < n) {
                    throw new IllegalStateException("event " + name + " reached only " + cluster.eventSeen() + " of "
                            + n + " nodes in " + MAX_STEPS * STEP_MILLIS + " ms");
                }
                for (; step < MAX_STEPS; step++) {
                    sum[step] += 1.0;
                }
                System.err.printf(Locale.ROOT, "# loss %.0f%%, event %d: all %d nodes within %.2f s simulated"
                        + " (%.2f s wall)%n", 100 * loss, r, n, (cluster.net().now() - sim0) / 1e9,
                        (System.nanoTime() - w0) / 1e9);
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= runs;
        }
        return sum;
    }

    private static int lastBelowOne(double[] curve) {
        int last = 0;
        for (int i = 0; i < curve.length; i++) {
            if (curve[i] < 1.0) {
                last = i;
            }
        }
        return last;
    }
}
