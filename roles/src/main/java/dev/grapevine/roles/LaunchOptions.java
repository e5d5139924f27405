package dev.grapevine.roles;

import dev.grapevine.HostPort;
import dev.grapevine.Profile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The command line every Grapevine process shares: flags, with {@code GRAPEVINE_*} environment variables as
 * fallbacks (flags win). A bad value fails at start with a message naming the flag.
 *
 * <table>
 * <caption>Flags</caption>
 * <tr><th>flag</th><th>environment</th><th>meaning</th></tr>
 * <tr><td>--name</td><td>GRAPEVINE_NAME</td><td>node name (required)</td></tr>
 * <tr><td>--bind host:port</td><td>GRAPEVINE_BIND</td><td>gossip address (UDP and TCP), default 0.0.0.0:7946</td></tr>
 * <tr><td>--advertise host:port</td><td>GRAPEVINE_ADVERTISE</td><td>address others reach us at</td></tr>
 * <tr><td>--join host:port</td><td>GRAPEVINE_JOIN (comma separated)</td><td>a peer to join; repeatable</td></tr>
 * <tr><td>--tag k=v</td><td>GRAPEVINE_TAGS (comma separated k=v)</td><td>a tag; repeatable</td></tr>
 * <tr><td>--profile lan|wan|local</td><td>GRAPEVINE_PROFILE</td><td>timing profile, default lan</td></tr>
 * <tr><td>--key base64</td><td>GRAPEVINE_KEY</td><td>encryption key (16, 24 or 32 bytes)</td></tr>
 * <tr><td>--key-file path</td><td>GRAPEVINE_KEY_FILE</td><td>keyring file (one base64 key a line, primary first)</td></tr>
 * <tr><td>--cluster name</td><td>GRAPEVINE_CLUSTER</td><td>cluster name, bound into every packet</td></tr>
 * </table>
 *
 * @param name      node name
 * @param bind      gossip bind address
 * @param advertise advertised address, or null for the bind address
 * @param join      peers to join
 * @param tags      tags
 * @param profile   timing profile
 * @param keyring   the encryption keys, or null for plaintext
 * @param keyFile   where the keyring is kept, or null
 * @param cluster   the cluster name
 * @param help      true when --help was given
 */
public record LaunchOptions(String name, HostPort bind, HostPort advertise, List<String> join,
                            Map<String, String> tags, Profile profile, dev.grapevine.security.Keyring keyring,
                            java.nio.file.Path keyFile, String cluster, boolean help) {

    /** Lines of {@code --help}. */
    public static final String USAGE = String.join("\n",
            "Options (flags win over GRAPEVINE_* environment variables):",
            "  --name NAME              node name, unique in the cluster (GRAPEVINE_NAME, required)",
            "  --bind HOST:PORT         gossip address, UDP and TCP (GRAPEVINE_BIND, default 0.0.0.0:7946)",
            "  --advertise HOST:PORT    address other members reach this node at (GRAPEVINE_ADVERTISE)",
            "  --join HOST:PORT         a member to join through; repeatable (GRAPEVINE_JOIN, comma separated)",
            "  --tag KEY=VALUE          a tag such as role=app; repeatable (GRAPEVINE_TAGS, comma separated)",
            "  --profile lan|wan|local  timing profile (GRAPEVINE_PROFILE, default lan)",
            "  --key BASE64             encrypt all traffic with this key (GRAPEVINE_KEY)",
            "  --key-file PATH          keyring file, one base64 key a line, primary first (GRAPEVINE_KEY_FILE)",
            "  --cluster NAME           cluster name, bound into every packet (GRAPEVINE_CLUSTER, default grapevine)",
            "  --keygen                 print a new random key (base64) and exit",
            "  --help                   this text");

    /**
     * Parses {@code args} with {@code env} as fallback.
     *
     * @throws IllegalArgumentException naming the flag at fault
     */
    public static LaunchOptions parse(String[] args, Map<String, String> env) {
        Map<String, List<String>> flags = new LinkedHashMap<>();
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                help = true;
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "' (flags start with --)");
            }
            String key;
            String value;
            int eq = a.indexOf('=');
            if (eq > 0) {
                key = a.substring(2, eq);
                value = a.substring(eq + 1);
            } else {
                key = a.substring(2);
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + key + " needs a value");
                }
                value = args[++i];
            }
            if (!List.of("name", "bind", "advertise", "join", "tag", "profile", "key", "key-file", "cluster").contains(key)) {
                throw new IllegalArgumentException("unknown flag --" + key + " (see --help)");
            }
            flags.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        if (help) {
            return new LaunchOptions(null, null, null, List.of(), Map.of(), Profile.LAN, null, null, "grapevine", true);
        }
        String name = single(flags, "name", env.get("GRAPEVINE_NAME"));
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("--name is required (or GRAPEVINE_NAME)");
        }
        HostPort bind = hostPort("--bind", single(flags, "bind", env.getOrDefault("GRAPEVINE_BIND", "0.0.0.0:7946")));
        String adv = single(flags, "advertise", env.get("GRAPEVINE_ADVERTISE"));
        HostPort advertise = adv == null ? null : hostPort("--advertise", adv);
        List<String> join = flags.containsKey("join") ? flags.get("join") : split(env.get("GRAPEVINE_JOIN"));
        for (String j : join) {
            hostPort("--join", j);
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (String t : flags.containsKey("tag") ? flags.get("tag") : split(env.get("GRAPEVINE_TAGS"))) {
            int eq = t.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--tag '" + t + "' must be KEY=VALUE");
            }
            tags.put(t.substring(0, eq), t.substring(eq + 1));
        }
        String p = single(flags, "profile", env.getOrDefault("GRAPEVINE_PROFILE", "lan"));
        Profile profile;
        try {
            profile = Profile.valueOf(p.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--profile '" + p + "' must be one of lan, wan, local");
        }
        String key = single(flags, "key", env.get("GRAPEVINE_KEY"));
        String keyFileText = single(flags, "key-file", env.get("GRAPEVINE_KEY_FILE"));
        java.nio.file.Path keyFile = keyFileText == null ? null : java.nio.file.Path.of(keyFileText);
        dev.grapevine.security.Keyring keyring = null;
        try {
            if (key != null) {
                keyring = dev.grapevine.security.Keyring.ofBase64(key);
            } else if (keyFile != null) {
                keyring = dev.grapevine.security.Keyring.fromFile(keyFile);
            }
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new IllegalArgumentException((key != null ? "--key: " : "--key-file: ") + e.getMessage());
        }
        String cluster = single(flags, "cluster", env.getOrDefault("GRAPEVINE_CLUSTER", "grapevine"));
        if (cluster.isBlank()) {
            throw new IllegalArgumentException("--cluster must not be empty");
        }
        return new LaunchOptions(name, bind, advertise, List.copyOf(join), Map.copyOf(tags), profile, keyring, keyFile,
                cluster, false);
    }

    private static String single(Map<String, List<String>> flags, String key, String fallback) {
        List<String> v = flags.get(key);
        if (v == null) {
            return fallback;
        }
        if (v.size() > 1) {
            throw new IllegalArgumentException("--" + key + " given more than once");
        }
        return v.get(0);
    }

    private static HostPort hostPort(String flag, String value) {
        try {
            return HostPort.parse(value, 7946);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage());
        }
    }

    private static List<String> split(String csv) {
        List<String> out = new ArrayList<>();
        if (csv != null) {
            for (String s : csv.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }
}
