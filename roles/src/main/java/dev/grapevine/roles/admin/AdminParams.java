package dev.grapevine.roles.admin;

import dev.grapevine.roles.http.Request;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Query parameters and path parts of admin requests, checked strictly: every problem is a 400 naming it. */
final class AdminParams {

    private final Map<String, List<String>> values;

    private AdminParams(Map<String, List<String>> values) {
        this.values = values;
    }

    /**
     * The query parameters of {@code req}; 400 for one not in {@code allowed}, or one given twice unless it is in
     * {@code repeatable}.
     */
    static AdminParams of(Request req, Set<String> allowed, Set<String> repeatable) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String raw = req.rawQuery();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key;
                String value;
                try {
                    key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw new AdminError(400, "malformed query parameter '" + pair + "'");
                }
                if (!allowed.contains(key)) {
                    throw new AdminError(400, "unknown query parameter '" + key + "' (allowed: "
                            + (allowed.isEmpty() ? "none" : String.join(", ", new TreeSet<>(allowed))) + ")");
                }
                List<String> list = out.computeIfAbsent(key, k -> new ArrayList<>(1));
                if (!list.isEmpty() && !repeatable.contains(key)) {
                    throw new AdminError(400, "query parameter '" + key + "' given more than once");
                }
                list.add(value);
            }
        }
        return new AdminParams(out);
    }

    /** As {@link #of(Request, Set, Set)} with no repeatable parameter. */
    static AdminParams of(Request req, Set<String> allowed) {
        return of(req, allowed, Set.of());
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    /** The value of {@code key}, or null. */
    String get(String key) {
        List<String> v = values.get(key);
        return v == null ? null : v.get(0);
    }

    /** Every value of a repeatable {@code key}, in order. */
    List<String> all(String key) {
        return values.getOrDefault(key, List.of());
    }

    /** A boolean parameter: absent gives {@code otherwise}; empty, true or 1 is true; false or 0 is false. */
    boolean bool(String key, boolean otherwise) {
        String c = get(key);
        if (c == null) {
            return otherwise;
        }
        if (c.equals("true") || c.equals("1") || c.isEmpty()) {
            return true;
        }
        if (c.equals("false") || c.equals("0")) {
            return false;
        }
        throw new AdminError(400, key + " '" + c + "' must be true or false");
    }

    /** A duration parameter in Go's or Java's spelling (see {@link dev.grapevine.roles.Durations}), or {@code otherwise}. */
    Duration duration(String key, Duration otherwise) {
        String c = get(key);
        if (c == null) {
            return otherwise;
        }
        try {
            Duration d = dev.grapevine.roles.Durations.parse(c);
            if (d.isNegative()) {
                throw new IllegalArgumentException("negative");
            }
            return d;
        } catch (RuntimeException e) {
            throw new AdminError(400, key + " '" + c + "' is not a duration such as 500ms, 5s or 1m");
        }
    }

    /** An int parameter within {@code [min, max]}, or {@code otherwise}. */
    int integer(String key, int min, int max, int otherwise) {
        String c = get(key);
        if (c == null) {
            return otherwise;
        }
        try {
            int v = Integer.parseInt(c);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new AdminError(400, key + " '" + c + "' must be a whole number from " + min + " to " + max);
    }

    /** The percent-decoded rest of a path after {@code prefix} ('+' stays '+'); 400 when malformed or empty. */
    static String pathPart(Request req, String prefix, String what) {
        String rest = req.rawPath().substring(prefix.length());
        String name;
        try {
            name = URLDecoder.decode(rest.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new AdminError(400, "malformed " + what + " in " + req.rawPath());
        }
        if (name.isEmpty()) {
            throw new AdminError(400, what + " is empty: " + req.method() + " " + prefix + "{" + what + "}");
        }
        return name;
    }
}
