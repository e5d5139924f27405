package dev.grapevine.roles.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** How the {@code grapevine} command prints: columns as Serf's CLI aligns them, and JSON as Go indents it. */
final class Output {

    private Output() {
    }

    /**
     * Rows of {@code |}-separated cells as aligned columns, two spaces apart, with no trailing spaces (the
     * layout of Serf's {@code columnize.SimpleFormat}).
     */
    static String columns(List<String> rows) {
        List<String[]> cells = new ArrayList<>(rows.size());
        List<Integer> widths = new ArrayList<>();
        for (String row : rows) {
            String[] c = row.split("\\|", -1);
            for (int i = 0; i < c.length; i++) {
                c[i] = c[i].strip();
                if (widths.size() <= i) {
                    widths.add(0);
                }
                widths.set(i, Math.max(widths.get(i), c[i].length()));
            }
            cells.add(c);
        }
        StringBuilder sb = new StringBuilder();
        for (String[] c : cells) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < c.length; i++) {
                line.append(c[i]);
                if (i < c.length - 1) {
                    line.append(" ".repeat(widths.get(i) - c[i].length() + 2));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /**
     * {@code value} (maps, collections, strings, numbers, booleans, null) as JSON indented by two spaces with
     * {@code "key": value}, as Go's {@code json.MarshalIndent(v, "", "  ")} writes it; maps keep their order.
     */
    static String json(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, "");
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, String indent) {
        if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append("{\n");
            int n = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(indent).append("  ");
                string(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                write(sb, e.getValue(), indent + "  ");
                sb.append(++n < m.size() ? ",\n" : "\n");
            }
            sb.append(indent).append('}');
        } else if (v instanceof Collection<?> c) {
            if (c.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append("[\n");
            int n = 0;
            for (Object o : c) {
                sb.append(indent).append("  ");
                write(sb, o, indent + "  ");
                sb.append(++n < c.size() ? ",\n" : "\n");
            }
            sb.append(indent).append(']');
        } else if (v == null) {
            sb.append("null");
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else {
            string(sb, v.toString());
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        sb.append(JsonStringEncoder.getInstance().quoteAsString(s));
        sb.append('"');
    }
}
