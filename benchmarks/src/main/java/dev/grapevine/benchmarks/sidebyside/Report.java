package dev.grapevine.benchmarks.sidebyside;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Writes the results of a side-by-side run: {@code results.md} (the figures and the Grapevine/Serf ratios as
 * Markdown tables), {@code chart.dat} and {@code chart.gp} (a gnuplot script drawing {@code chart.png}).
 */
final class Report {

    private static final List<String> SYSTEMS = List.of("serf", "grapevine-jvm", "grapevine-embedded");
    private static final List<String> TITLES = List.of("Serf (one process per node)", "Grapevine (one JVM per node)",
            "Grapevine (all nodes in one JVM)");
    private static final List<String> COLOURS = List.of("#d9534f", "#5b9bd5", "#70ad47");
    /** Figures drawn, as indexes into {@link Result#FIGURES}. */
    private static final int[] CHARTED = {0, 2, 4, 6, 7, 8, 9, 10};

    private Report() {
    }

    static void write(Path dir, List<Result> results) throws IOException {
        Files.writeString(dir.resolve("results.md"), markdown(results), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("chart.dat"), chartData(results), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("chart.gp"), gnuplot(), StandardCharsets.UTF_8);
    }

    private static Optional<Result> find(List<Result> results, String system, int n) {
        return results.stream().filter(r -> r.system().equals(system) && r.n() == n).findFirst();
    }

    static String markdown(List<Result> results) {
        StringBuilder s = new StringBuilder("| N | system |");
        Result.FIGURES.forEach(f -> s.append(' ').append(f).append(" |"));
        s.append(" false failures | load (1 min) |\n|---|---|");
        Result.FIGURES.forEach(f -> s.append("---|"));
        s.append("---|---|\n");
        List<Integer> sizes = results.stream().map(Result::n).distinct().toList();
        for (int n : sizes) {
            for (int k = 0; k < SYSTEMS.size(); k++) {
                Optional<Result> r = find(results, SYSTEMS.get(k), n);
                if (r.isEmpty()) {
                    continue;
                }
                s.append("| ").append(n).append(" | ").append(TITLES.get(k)).append(" |");
                double[] v = r.get().figures();
                for (int i = 0; i < v.length; i++) {
                    s.append(' ').append(cell(v[i], i)).append(missed(r.get(), i)).append(" |");
                }
                s.append(' ').append(r.get().falseFailures()).append(" | ").append(fmt(r.get().load(), 1)).append(" |\n");
            }
        }
        s.append("\nRatios Grapevine / Serf (below 1: Grapevine faster or lighter):\n\n| N | Grapevine |");
        Result.FIGURES.forEach(f -> s.append(' ').append(f).append(" |"));
        s.append("\n|---|---|");
        Result.FIGURES.forEach(f -> s.append("---|"));
        s.append('\n');
        for (int n : sizes) {
            Optional<Result> serf = find(results, "serf", n);
            for (int k = 1; k < SYSTEMS.size(); k++) {
                Optional<Result> g = find(results, SYSTEMS.get(k), n);
                if (serf.isEmpty() || g.isEmpty()) {
                    continue;
                }
                s.append("| ").append(n).append(" | ").append(k == 1 ? "one JVM per node" : "all in one JVM").append(" |");
                double[] a = g.get().figures();
                double[] b = serf.get().figures();
                for (int i = 0; i < a.length; i++) {
                    double ratio = a[i] / b[i];
                    s.append(' ').append(Double.isFinite(ratio) ? fmt(ratio, 2) + "x" : "-").append(" |");
                }
                s.append('\n');
            }
        }
        return s.toString();
    }

    private static String missed(Result r, int figure) {
        if ((figure == 3 || figure == 4) && r.failMissed() > 0) {
            return " (" + r.failMissed() + " never)";
        }
        if ((figure == 5 || figure == 6) && r.leaveMissed() > 0) {
            return " (" + r.leaveMissed() + " never)";
        }
        return "";
    }

    private static String cell(double v, int figure) {
        if (!Double.isFinite(v)) {
            return "-";
        }
        return switch (figure) {
            case 7 -> fmt(v, 3);
            case 8, 9 -> fmt(v, 1);
            case 10 -> fmt(v, 0);
            default -> fmt(v, 2);
        };
    }

    private static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static String chartData(List<Result> results) {
        StringBuilder s = new StringBuilder();
        List<Integer> sizes = results.stream().map(Result::n).distinct().toList();
        for (int fig : CHARTED) {
            s.append("# ").append(Result.FIGURES.get(fig)).append("\n# N serf grapevine-jvm grapevine-embedded\n");
            for (int n : sizes) {
                s.append(n);
                for (String sys : SYSTEMS) {
                    double v = find(results, sys, n).map(r -> r.figures()[fig]).orElse(Double.NaN);
                    s.append(' ').append(Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "NaN");
                }
                s.append('\n');
            }
            s.append("\n\n");
        }
        return s.toString();
    }

    static String gnuplot() {
        StringBuilder s = new StringBuilder("""
                set terminal pngcairo size 1600,900 font 'sans,10'
                set output 'chart.png'
                set datafile missing 'NaN'
                set style data histograms
                set style histogram clustered gap 1
                set style fill solid 0.85 border -1
                set boxwidth 0.9
                unset key
                set yrange [0:*]
                set grid ytics
                set xlabel 'N (nodes)'
                set multiplot layout 2,4 title 'Serf vs Grapevine on loopback, LAN profile, encrypted' \
                    margins 0.04,0.99,0.1,0.93 spacing 0.05,0.12
                """);
        // The legend, once, under the panels: a coloured box and a title per system.
        for (int k = 0; k < SYSTEMS.size(); k++) {
            double x = 0.2 + 0.22 * k;
            s.append(String.format(Locale.ROOT, "set object %d rect from screen %.3f,0.02 to screen %.3f,0.045 fc rgb '%s' "
                    + "fs solid 0.85 border -1%n", k + 1, x, x + 0.015, COLOURS.get(k)));
            s.append(String.format(Locale.ROOT, "set label %d '%s' at screen %.3f,0.0325 left%n", k + 1, TITLES.get(k),
                    x + 0.02));
        }
        for (int i = 0; i < CHARTED.length; i++) {
            boolean log = CHARTED[i] == 0; // join times span from tenths of a second to a minute
            s.append("set title '").append(Result.FIGURES.get(CHARTED[i]).replace(" (s)", log ? " (s, log scale)" : " (s)"))
                    .append("'\n").append(log ? "set logscale y\nset yrange [0.1:*]\n" : "unset logscale y\nset yrange [0:*]\n")
                    .append("plot 'chart.dat' index ").append(i).append(" using 2:xtic(1) notitle lc rgb '")
                    .append(COLOURS.get(0)).append("', '' index ").append(i).append(" using 3 notitle lc rgb '")
                    .append(COLOURS.get(1)).append("', '' index ").append(i).append(" using 4 notitle lc rgb '")
                    .append(COLOURS.get(2)).append("'\n");
        }
        s.append("unset multiplot\n");
        return s.toString();
    }
}
