package dev.grapevine.benchmarks.sidebyside;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The scale soak: N real-UDP Grapevine nodes in one JVM ({@code 127.0.102.x}, four ports per address) join
 * through node 1 (all at once, or {@code --join-rate} a second), stay idle for the soak while every "failed" line is counted as a false
 * failure, then node N stops dead and the time until every survivor reports it failed is measured. Writes
 * {@code scale.md}.
 */
final class ScaleSoak {

    private static final Logger LOG = LoggerFactory.getLogger(ScaleSoak.class);

    private final SerfSideBySide.Settings s;
    private final HostProbe probe;

    ScaleSoak(SerfSideBySide.Settings s, HostProbe probe) {
        this.s = s;
        this.probe = probe;
    }

    void run() throws Exception {
        int n = s.scale();
        List<String> lines = new ArrayList<>();
        // About 0.45 MiB of heap per node once converged (gossip-core README), with room to spare so that the
        // collector never has to fight for it; the JVM's default collector, as an embedding application would.
        String jvm = (s.embeddedJvm() != null ? s.embeddedJvm() : "-Xmx" + Math.max(256, 3 * n) + "m")
                + " -Xlog:gc:file=" + s.out().resolve("logs").resolve("scale-gc.log");
        try (GrapevineFleet f = new GrapevineFleet(n, s.port(), s.out().resolve("logs").resolve("scale-" + n + ".log"),
                SerfSideBySide.javaCommand(jvm), true, s.key(), true)) {
            f.start();
            List<Process> procs = f.processes();
            double cpuStart = HostProbe.cpuSeconds(procs);
            long joinAt = Observations.nowMicros();
            f.joinPaced(s.joinRate());
            boolean converged = Fleet.await(() -> {
                f.askStatus();
                sleep(2000);
                int[] st = f.obs.status();
                return st != null && st[0] == n;
            }, 600);
            double joinSeconds = (Observations.nowMicros() - joinAt) / 1e6;
            double joinCpu = HostProbe.cpuSeconds(procs) - cpuStart;
            add(lines, "%d nodes in one JVM, %s; joined through node 1 %s: %s %.0f s after the first join (status polled "
                    + "every 2 s), %.0f CPU s for the join; JVM options %s", n, s.key() != null ? "encrypted" : "plaintext",
                    s.joinRate() > 0 ? s.joinRate() + " a second" : "all at once",
                    converged ? "every node saw all " + n + " alive" : "NOT converged", joinSeconds, joinCpu, jvm);
            long failuresBefore = f.obs.failureCount();
            double cpu0 = HostProbe.cpuSeconds(procs);
            Map<String, long[]> c0 = probe.counters();
            long t0 = System.nanoTime();
            int minLive = Integer.MAX_VALUE;
            double maxLoad = 0;
            double sumLoad = 0;
            int samples = 0;
            while (System.nanoTime() - t0 < s.soak() * 1_000_000_000L) {
                Thread.sleep(10_000);
                f.askStatus();
                Thread.sleep(500);
                int[] st = f.obs.status();
                if (st != null) {
                    minLive = Math.min(minLive, st[0]);
                }
                double load = HostProbe.loadAverage();
                maxLoad = Math.max(maxLoad, load);
                sumLoad += load;
                samples++;
                LOG.info("soak: {} s, live min {} max {}, failed lines {}, load {}", (System.nanoTime() - t0) / 1_000_000_000L,
                        st == null ? -1 : st[0], st == null ? -1 : st[1], f.obs.failureCount() - failuresBefore, load);
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = HostProbe.cpuSeconds(procs) - cpu0;
            double[] udp = SerfSideBySide.rate(c0, probe.counters(), "embedded_udp", wall * n);
            long falseFailures = f.obs.failureCount();
            add(lines, "soak %.0f s: %d false failure reports (%d during the join), fewest live members seen by a node %d, "
                            + "CPU %.1f %% of one core in all (%.4f %% per node), RSS %.0f MiB (%.0f KiB per node), "
                            + "UDP %.2f packets/s and %.0f B/s per node, load average %.1f mean / %.1f max",
                    wall, falseFailures, failuresBefore, minLive, 100 * cpu / wall, 100 * cpu / wall / n,
                    HostProbe.rssKiB(procs) / 1024.0, HostProbe.rssKiB(procs) / (double) n, udp[0], udp[1],
                    samples == 0 ? Double.NaN : sumLoad / samples, maxLoad);
            List<Integer> survivors = f.allBut(n);
            long crashAt = Observations.nowMicros();
            f.crash(n);
            Fleet.await(() -> f.allSaw(survivors, "failed " + f.name(n)), 180);
            List<Double> fail = SerfSideBySide.latencies(f, survivors, "failed " + f.name(n), crashAt);
            add(lines, "crash of node %d: reported failed by %d of %d survivors, median %.2f s, max %.2f s",
                    n, fail.size(), survivors.size(), Result.median(fail), Result.max(fail));
        }
        Files.write(s.out().resolve("scale.md"), lines, StandardCharsets.UTF_8);
    }

    private static void add(List<String> lines, String format, Object... args) {
        String line = String.format(Locale.ROOT, format, args);
        LOG.info("{}", line);
        lines.add("- " + line);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
