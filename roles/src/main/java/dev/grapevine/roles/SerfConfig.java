package dev.grapevine.roles;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A Serf agent's JSON configuration ({@code --config-file}, {@code --config-dir}), read as Serf reads it and
 * turned into the launcher's flags. Paths are read in the order given; a directory contributes its files ending
 * in {@code .json}, one level deep, in lexical order of their names. Later files win for single values; tags
 * merge (a later file's value wins per key); {@code event_handlers}, {@code start_join} and {@code retry_join}
 * are appended, as Serf's {@code MergeConfig} does. An unknown key, a Serf key Grapevine does not take yet, or a
 * value of the wrong type fails naming the file, the key and the problem. The mapping of every key is in
 * roles/README.md ("Serf agent configuration").
 */
final class SerfConfig {

    /** Serf keys taken, by the launcher flag they become. */
    private static final Map<String, String> SCALARS = Map.of(
            "node_name", "name", "bind", "bind", "advertise", "advertise", "encrypt_key", "key",
            "keyring_file", "key-file", "snapshot_path", "snapshot", "profile", "profile", "tags_file", "tags-file",
            "log_level", "log-level");
    /** Serf's durations (Go syntax, "15s", "48h") and sizes (JSON numbers), by the flag they become. */
    private static final Map<String, String> DURATIONS = Map.of("retry_interval", "retry-interval",
            "reconnect_interval", "reconnect-interval",
            "reconnect_timeout", "reconnect-timeout", "tombstone_timeout", "tombstone-timeout");
    private static final Map<String, String> SIZES = Map.of("retry_max_attempts", "retry-max-attempts",
            "user_event_size_limit", "user-event-size-limit",
            "query_size_limit", "query-size-limit", "query_response_size_limit", "query-response-size-limit");
    private static final Map<String, String> LISTS = Map.of(
            "event_handlers", "event-handler", "start_join", "join", "retry_join", "join");
    /** Serf's switches that become a launcher toggle when true (false is Serf's default: nothing to set). */
    private static final Map<String, String> SWITCHES = Map.of("rejoin_after_leave", "rejoin-after-leave",
            "skip_leave_on_interrupt", "skip-leave-on-interrupt");
    /** Keys of Serf's agent that Grapevine does not take yet: refused, not silently ignored. */
    private static final Set<String> NOT_YET = Set.of("rpc_addr", "rpc_auth", "protocol",
            "replay_on_join", "discover", "mdns", "interface",
            "disable_name_resolution", "enable_syslog", "syslog_facility", "enable_compression",
            "statsite_addr", "statsd_addr", "broadcast_timeout", "validate_node_names", "disable_coordinates");

    private static final JsonFactory JSON = new JsonFactory();

    private SerfConfig() {
    }

    /** The merged configuration: flag name to its values as command-line texts ({@code tag} as KEY=VALUE). */
    record Values(Map<String, String> single, Map<String, List<String>> lists, Map<String, String> tags) {
    }

    /**
     * Reads {@code paths} (files or directories) in order and merges them.
     *
     * @throws IllegalArgumentException naming the path (and key) at fault
     */
    static Values read(List<Path> paths) {
        Map<String, String> single = new LinkedHashMap<>();
        Map<String, List<String>> lists = new LinkedHashMap<>();
        Map<String, String> tags = new LinkedHashMap<>();
        for (Path path : paths) {
            for (Path file : files(path)) {
                merge(file, single, lists, tags);
            }
        }
        return new Values(single, lists, tags);
    }

    private static List<Path> files(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(path + ": no such file or directory");
        }
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> s = Files.list(path)) {
            return s.filter(p -> !Files.isDirectory(p) && p.getFileName().toString().endsWith(".json"))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw new IllegalArgumentException(path + ": cannot be read: " + e.getMessage(), e);
        }
    }

    private static void merge(Path file, Map<String, String> single, Map<String, List<String>> lists,
                              Map<String, String> tags) {
        Map<String, Object> doc;
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException(file + ": not a JSON object");
            }
            doc = JsonTree.object(p);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException(file + ": more than one JSON value");
            }
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ")", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot be read: " + e.getMessage(), e);
        }
        for (Map.Entry<String, Object> e : doc.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            String where = file + ": key '" + key + "'";
            if (SCALARS.containsKey(key)) {
                if (!(v instanceof String s)) {
                    throw new IllegalArgumentException(where + ": must be a string, was " + describe(v));
                }
                if (!s.isEmpty()) { // Serf's merge keeps the earlier value when a later one is empty
                    single.put(SCALARS.get(key), s);
                }
            } else if (DURATIONS.containsKey(key)) {
                if (!(v instanceof String d)) {
                    throw new IllegalArgumentException(where + ": must be a duration string such as \"15s\", was "
                            + describe(v));
                }
                if (!d.isEmpty()) {
                    single.put(DURATIONS.get(key), d);
                }
            } else if (SIZES.containsKey(key)) {
                if (!(v instanceof Integer || v instanceof Long)) {
                    throw new IllegalArgumentException(where + ": must be a whole number, was " + describe(v));
                }
                if (((Number) v).longValue() != 0) { // Serf's merge: zero keeps the earlier value
                    single.put(SIZES.get(key), v.toString());
                }
            } else if (SWITCHES.containsKey(key) || key.equals("leave_on_terminate")) {
                if (!(v instanceof Boolean b)) {
                    throw new IllegalArgumentException(where + ": must be true or false, was " + describe(v));
                }
                if (key.equals("leave_on_terminate")) {
                    // Serf's merge: once a file says true it stays true. Grapevine leaves on SIGTERM unless
                    // told false, so a false counts only where no file said true.
                    if (b || !"true".equals(single.get("leave-on-terminate"))) {
                        single.put("leave-on-terminate", b.toString());
                    }
                } else if (b) { // Serf's merge: only true carries over
                    single.put(SWITCHES.get(key), "true");
                }
            } else if (LISTS.containsKey(key)) {
                if (!(v instanceof List<?> l) || l.stream().anyMatch(x -> !(x instanceof String))) {
                    throw new IllegalArgumentException(where + ": must be a list of strings, was " + describe(v));
                }
                for (Object x : l) {
                    lists.computeIfAbsent(LISTS.get(key), k -> new ArrayList<>()).add((String) x);
                }
            } else if (key.equals("tags")) {
                if (!(v instanceof Map<?, ?> m) || m.values().stream().anyMatch(x -> !(x instanceof String))) {
                    throw new IllegalArgumentException(where + ": must be an object of strings, was " + describe(v));
                }
                m.forEach((k, x) -> tags.put((String) k, (String) x));
            } else if (key.equals("role")) { // Serf's older form of the role tag
                if (!(v instanceof String s)) {
                    throw new IllegalArgumentException(where + ": must be a string, was " + describe(v));
                }
                if (!s.isEmpty()) {
                    tags.put(Roles.ROLE, s);
                }
            } else if (NOT_YET.contains(key)) {
                throw new IllegalArgumentException(where + ": a Serf agent setting Grapevine does not take yet"
                        + " (see roles/README.md, \"Serf agent configuration\")");
            } else {
                throw new IllegalArgumentException(where + ": unknown key (not a Serf agent setting)");
            }
        }
    }

    private static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof String) {
            return "a string";
        }
        return v instanceof Boolean ? "a boolean" : "a number";
    }
}
