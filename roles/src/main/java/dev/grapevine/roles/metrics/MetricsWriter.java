package dev.grapevine.roles.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Collects the samples of one scrape from every {@link MetricsSource}, grouped by metric family, and renders
 * them in the Prometheus text exposition format 0.0.4. Names are given without the {@value Metrics#PREFIX}
 * prefix, which is added here; a counter's name must end in {@code _total}. Samples of one family may come from
 * several sources (each HTTP server writes its own {@code http_requests_total}); they are written together
 * under one {@code # HELP} and {@code # TYPE}.
 *
 * <p>Not thread-safe: one writer per scrape, made by {@link Metrics#render()}.
 */
public final class MetricsWriter {

    private static final Pattern METRIC_NAME = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    /** One metric family: its type and help, and its samples as rendered label sets and values. */
    private record Family(String type, String help, List<String> labelSets, List<Double> values,
                          Set<String> seen) {
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    MetricsWriter() {
    }

    /**
     * Adds a sample of a counter (a value that only grows from the process's start).
     *
     * @param name   the name without prefix, ending in {@code _total} (for example {@code probes_sent_total})
     * @param help   one line saying what it counts
     * @param value  the value
     * @param labels label names and values, alternating: {@code "status", "alive"}
     * @return this writer
     * @throws IllegalArgumentException for a malformed name or label, a family written before as another
     *                                  type, or a sample already written with the same labels
     */
    public MetricsWriter counter(String name, String help, double value, String... labels) {
        if (!name.endsWith("_total")) {
            throw new IllegalArgumentException("counter " + name + " must end in _total");
        }
        return sample("counter", name, help, value, labels);
    }

    /**
     * Adds a sample of a gauge (a value that goes up and down). Arguments as for
     * {@link #counter(String, String, double, String...)}, without the {@code _total} rule.
     *
     * @return this writer
     */
    public MetricsWriter gauge(String name, String help, double value, String... labels) {
        return sample("gauge", name, help, value, labels);
    }

    private MetricsWriter sample(String type, String name, String help, double value, String... labels) {
        Objects.requireNonNull(help, "help");
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("metric name '" + name + "' must match " + METRIC_NAME);
        }
        String labelSet = labelSet(name, labels);
        Family f = families.computeIfAbsent(name,
                n -> new Family(type, help, new ArrayList<>(), new ArrayList<>(), new HashSet<>()));
        if (!f.type().equals(type)) {
            throw new IllegalArgumentException(name + " was written as a " + f.type() + ", now as a " + type);
        }
        if (!f.seen().add(labelSet)) {
            throw new IllegalArgumentException(name + labelSet + " was written twice");
        }
        f.labelSets().add(labelSet);
        f.values().add(value);
        return this;
    }

    private static String labelSet(String name, String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException(name + ": labels must come in name, value pairs");
        }
        if (labels.length == 0) {
            return "";
        }
        StringBuilder sb = new StringBuilder("{");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < labels.length; i += 2) {
            String label = labels[i];
            if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
                throw new IllegalArgumentException(name + ": label name '" + label + "' is not allowed");
            }
            if (!names.add(label)) {
                throw new IllegalArgumentException(name + ": label " + label + " given twice");
            }
            if (i > 0) {
                sb.append(',');
            }
            sb.append(label).append("=\"");
            escape(Objects.requireNonNull(labels[i + 1], "label value"), true, sb);
            sb.append('"');
        }
        return sb.append('}').toString();
    }

    /** Escapes a label value (backslash, double quote, line feed) or a help text (backslash, line feed). */
    private static void escape(String s, boolean quote, StringBuilder out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '"' -> out.append(quote ? "\\\"" : "\"");
                default -> out.append(c);
            }
        }
    }

    /** A sample value as the format writes it: integers without a fraction, NaN, +Inf, -Inf. */
    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 0x1p53) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** Appends every family, in the order first written, to {@code out}. */
    void render(StringBuilder out) {
        for (Map.Entry<String, Family> e : families.entrySet()) {
            String name = Metrics.PREFIX + e.getKey();
            Family f = e.getValue();
            out.append("# HELP ").append(name).append(' ');
            escape(f.help(), false, out);
            out.append('\n');
            out.append("# TYPE ").append(name).append(' ').append(f.type()).append('\n');
            for (int i = 0; i < f.labelSets().size(); i++) {
                out.append(name).append(f.labelSets().get(i)).append(' ').append(format(f.values().get(i)))
                        .append('\n');
            }
        }
    }
}
