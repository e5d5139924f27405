package dev.grapevine.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the CSV that {@link ConvergenceBenchmark} appends to into a Markdown table: per benchmark, cluster
 * size and loss, the mean, min and max virtual time and the mean wall-clock time of the measured
 * invocations (warm-up ones are left out).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.grapevine.benchmarks.ConvergenceTable
 * benchmarks/target/convergence.csv}
 */
public final class ConvergenceTable {

    private ConvergenceTable() {
    }

    /**
     * Entry point: {@code [csv=benchmarks/target/convergence.csv]}.
     *
     * @throws IOException when the file cannot be read
     */
    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "benchmarks/target/convergence.csv");
        System.out.print(table(Files.readAllLines(file)));
    }

    /**
     * The table for the CSV's lines (header first).
     *
     * @throws IllegalArgumentException when a line does not have the benchmark's seven columns
     */
    static String table(List<String> lines) {
        Map<String, List<double[]>> groups = new TreeMap<>();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",");
            if (f.length != 7) {
                throw new IllegalArgumentException("not a convergence.csv line: " + line);
            }
            if (!f[3].equals("measure")) {
                continue;
            }
            String key = String.format(Locale.ROOT, "%s|%06d|%s", f[0], Integer.parseInt(f[1]), f[2]);
            groups.computeIfAbsent(key, k -> new ArrayList<>())
                    .add(new double[] {Double.parseDouble(f[5]) / 1000, Double.parseDouble(f[6])});
        }
        StringBuilder out = new StringBuilder("| change | N | loss | simulated s, mean (min-max) | wall ms, mean |"
                + " runs |\n|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<double[]>> g : groups.entrySet()) {
            String[] k = g.getKey().split("\\|");
            List<double[]> runs = g.getValue();
            double min = Double.MAX_VALUE;
            double max = 0;
            double sim = 0;
            double wall = 0;
            for (double[] r : runs) {
                min = Math.min(min, r[0]);
                max = Math.max(max, r[0]);
                sim += r[0];
                wall += r[1];
            }
            out.append(String.format(Locale.ROOT, "| %s | %,d | %.0f %% | %.2f (%.2f-%.2f) | %,.0f | %d |%n", k[0],
                    Integer.parseInt(k[1]), 100 * Double.parseDouble(k[2]), sim / runs.size(), min, max,
                    wall / runs.size(), runs.size()));
        }
        return out.toString();
    }
}
