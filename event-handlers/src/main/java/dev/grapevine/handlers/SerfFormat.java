package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import dev.grapevine.Member;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What a Serf event script receives, byte for byte: its environment variables and its standard input. Pure
 * functions, so that the contract is tested without running anything.
 *
 * <ul>
 *   <li>{@code SERF_EVENT}, {@code SERF_SELF_NAME}, {@code SERF_SELF_ROLE} (empty when the node has no
 *       {@code role} tag) and one {@code SERF_TAG_<KEY>=value} per tag of this node, for every event;</li>
 *   <li>{@code SERF_USER_EVENT} and {@code SERF_USER_LTIME} for user events, {@code SERF_QUERY_NAME} and
 *       {@code SERF_QUERY_LTIME} for queries;</li>
 *   <li>on stdin, for member events one line per member {@code name TAB address TAB role TAB k=v,k=v}; for
 *       user events and queries the payload, with a newline added when it is not empty and does not end in
 *       one.</li>
 * </ul>
 */
public final class SerfFormat {

    private SerfFormat() {
    }

    /**
     * The environment variable of tag {@code key}: {@code SERF_TAG_} and the key upper-cased one code point
     * at a time (the simple case mapping, as Go's {@code strings.ToUpper}: {@code ß} stays {@code ß}), with
     * every character other than {@code A-Z 0-9 _} replaced by {@code _}.
     */
    public static String tagVariable(String key) {
        StringBuilder sb = new StringBuilder("SERF_TAG_");
        key.codePoints().forEach(cp -> {
            int u = Character.toUpperCase(cp);
            boolean keep = (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_';
            sb.append(keep ? (char) u : '_');
        });
        return sb.toString();
    }

    /**
     * The variables Serf sets for {@code event} on a node named {@code selfName} with {@code selfTags}. Tags
     * come in key order, so when two keys map to one variable (say {@code a-b} and {@code a.b}) the last key
     * in that order wins; Serf leaves it to Go's random map order.
     */
    public static Map<String, String> environment(ClusterEvent event, String selfName, Map<String, String> selfTags) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("SERF_EVENT", EventType.of(event).serfName());
        env.put("SERF_SELF_NAME", selfName);
        env.put("SERF_SELF_ROLE", selfTags.getOrDefault("role", ""));
        new TreeMap<>(selfTags).forEach((k, v) -> env.put(tagVariable(k), v));
        if (event instanceof ClusterEvent.UserEvent u) {
            env.put("SERF_USER_EVENT", u.name());
            env.put("SERF_USER_LTIME", Long.toUnsignedString(u.ltime()));
        } else if (event instanceof ClusterEvent.Query q) {
            env.put("SERF_QUERY_NAME", q.name());
            env.put("SERF_QUERY_LTIME", Long.toUnsignedString(q.ltime()));
        }
        return env;
    }

    /**
     * The standard input of one invocation: for member events (all of one type) one line per member, for a
     * user event or a query (a batch of one) its payload.
     *
     * @throws IllegalArgumentException when the batch is empty or mixes a user event or query with others
     */
    public static byte[] stdin(List<ClusterEvent> batch) {
        if (batch.isEmpty()) {
            throw new IllegalArgumentException("no event");
        }
        ClusterEvent first = batch.get(0);
        if (first instanceof ClusterEvent.MemberEvent) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (ClusterEvent e : batch) {
                if (!(e instanceof ClusterEvent.MemberEvent m)) {
                    throw new IllegalArgumentException("a batch of member events holds " + e);
                }
                out.writeBytes(memberLine(m.member()).getBytes(StandardCharsets.UTF_8));
            }
            return out.toByteArray();
        }
        if (batch.size() != 1) {
            throw new IllegalArgumentException("only member events are batched, got " + batch.size() + " events");
        }
        if (first instanceof ClusterEvent.UserEvent u) {
            return payload(u.payload());
        }
        return payload(((ClusterEvent.Query) first).payload());
    }

    /** A user event's or query's payload as a script reads it: a final newline added if missing. */
    public static byte[] payload(byte[] payload) {
        if (payload.length == 0 || payload[payload.length - 1] == '\n') {
            return payload.clone();
        }
        byte[] out = java.util.Arrays.copyOf(payload, payload.length + 1);
        out[payload.length] = '\n';
        return out;
    }

    /**
     * One member's stdin line: {@code name TAB address TAB role TAB tags NEWLINE}, the tags as
     * {@code k=v} joined by commas (in key order; Serf's order is random), tabs and newlines in the name, role
     * and tags written as {@code \t} and {@code \n}.
     */
    public static String memberLine(Member m) {
        String tags = new TreeMap<>(m.tags()).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
        return clean(m.name()) + "\t" + address(m.address()) + "\t" + clean(m.tags().getOrDefault("role", ""))
                + "\t" + clean(tags) + "\n";
    }

    /** Escapes tabs and newlines as {@code \t} and {@code \n} (Serf's {@code eventClean}). */
    public static String clean(String v) {
        return v.replace("\t", "\\t").replace("\n", "\\n");
    }

    /** A member's address as Serf writes it: the IP alone (no port), in Go's notation. */
    public static String address(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        return ip == null ? address.getHostString() : ip(ip.getAddress());
    }

    /**
     * An IP address as Go's {@code net.IP.String} writes it: IPv4 (and IPv4-mapped IPv6) dotted; other IPv6
     * in lower-case hex groups without leading zeros, the longest run of two or more zero groups (the first
     * of equals) written {@code ::}; no zone.
     */
    public static String ip(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        if (a.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + a.length);
        }
        boolean mapped = a[10] == (byte) 0xff && a[11] == (byte) 0xff;
        for (int i = 0; i < 10 && mapped; i++) {
            mapped = a[i] == 0;
        }
        if (mapped) {
            return ip(java.util.Arrays.copyOfRange(a, 12, 16));
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1; // a run must be at least two groups long
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }
}
