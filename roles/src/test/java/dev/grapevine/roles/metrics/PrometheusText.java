package dev.grapevine.roles.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: every line must be a {@code # HELP},
 * a {@code # TYPE} or a sample of the syntax; each family has one HELP and one TYPE, before its samples, and its
 * samples stand together; a counter's samples end in {@code _total}; no series repeats. Throws
 * {@link IllegalArgumentException} naming the line at fault.
 */
public final class PrometheusText {

    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)\\})? (\\S+)( -?[0-9]+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");
    private static final Pattern VALUE = Pattern.compile(
            "[-+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?Inf|NaN");

    /** One sample: the name, its labels (unescaped values) and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private PrometheusText() {
    }

    /** Parses {@code text}; the samples in order. */
    public static List<Sample> parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the text must end with a line feed");
        }
        List<Sample> out = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        Set<String> helps = new HashSet<>();
        Set<String> finished = new HashSet<>();
        Set<String> series = new HashSet<>();
        Set<String> sampled = new HashSet<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        // The element after the last line feed is empty: not a line.
        for (int n = 1; n < lines.length; n++) {
            String line = lines[n - 1];
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                String family = m.group(1);
                check(helps.add(family), n, "second HELP for " + family);
                check(!sampled.contains(family), n, "HELP for " + family + " after its samples");
                current = switchTo(family, current, finished, n);
            } else if ((m = TYPE.matcher(line)).matches()) {
                String family = m.group(1);
                check(types.put(family, m.group(2)) == null, n, "second TYPE for " + family);
                check(!sampled.contains(family), n, "TYPE for " + family + " after its samples");
                current = switchTo(family, current, finished, n);
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                String type = types.get(name);
                check(type != null, n, "sample of " + name + " before its TYPE");
                check(name.equals(current), n, "samples of " + name + " are not together");
                check(!type.equals("counter") || name.endsWith("_total"), n, "counter " + name + " without _total");
                check(VALUE.matcher(m.group(4)).matches(), n, "bad value '" + m.group(4) + "'");
                Map<String, String> labels = labels(m.group(3), n);
                check(series.add(name + labels), n, "series " + name + labels + " twice");
                sampled.add(name);
                out.add(new Sample(name, labels, Double.parseDouble(m.group(4).replace("Inf", "Infinity"))));
            } else {
                throw new IllegalArgumentException("line " + n + " is not HELP, TYPE or a sample: " + line);
            }
        }
        return out;
    }

    private static String switchTo(String family, String current, Set<String> finished, int line) {
        if (!family.equals(current)) {
            check(!finished.contains(family), line, "family " + family + " resumed after another");
            if (current != null) {
                finished.add(current);
            }
        }
        return family;
    }

    private static Map<String, String> labels(String body, int line) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (body == null) {
            return labels;
        }
        Matcher m = LABEL.matcher(body);
        int at = 0;
        while (at < body.length()) {
            check(m.find(at) && m.start() == at, line, "bad labels {" + body + "}");
            String value = unescape(m.group(2));
            check(labels.put(m.group(1), value) == null, line, "label " + m.group(1) + " twice");
            at = m.end();
            if (at < body.length()) {
                check(body.charAt(at) == ',', line, "labels not separated by commas: {" + body + "}");
                at++;
            }
        }
        return labels;
    }

    private static String unescape(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\') {
                char next = v.charAt(++i);
                sb.append(next == 'n' ? '\n' : next);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static void check(boolean ok, int line, String what) {
        if (!ok) {
            throw new IllegalArgumentException("line " + line + ": " + what);
        }
    }
}
