package dev.grapevine.roles;

import dev.grapevine.GossipConfig;
import dev.grapevine.HostPort;
import dev.grapevine.Profile;
import dev.grapevine.roles.health.HealthCheck;
import dev.grapevine.roles.health.HealthStatus;
import dev.grapevine.security.Keyring;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The command line every Grapevine process shares: flags, with {@code GRAPEVINE_*} environment variables as
 * fallbacks (flags win; a blank variable counts as unset). A bad value fails at start with a message naming the
 * flag (and the variable, when the value came from one). {@link #USAGE} lists the flags; the README has the table.
 *
 * <p>Extensible: a module or role server declares its own {@link Flag}s, passes them to
 * {@link #parse(String[], Map, List)} and reads them with {@link #get(Flag)} / {@link #all(Flag)};
 * {@link #usage(List)} lists them after the shared ones.
 *
 * <p>Derived values: {@link #tags()} are the {@code --tag}s plus {@code http.port} and {@code dns.port} taken
 * from {@code --http} and {@code --dns} (unless given as tags, or the port is 0), plus, when there are health
 * checks, the {@code health} tag of their initial state, so the node never claims to be healthy before its checks
 * have run. {@link #checks()} are the checks of the {@code --check-*} flags.
 */
public final class LaunchOptions {

    /** {@code --name NAME}: the node's name (required). */
    public static final Flag<String> NAME = Flag.string("name", "NAME", "node name, unique in the cluster; required")
            .env("GRAPEVINE_NAME");
    /** {@code --bind HOST:PORT}: the gossip address. */
    public static final Flag<HostPort> BIND = Flag.value("bind", "HOST:PORT", "gossip address, UDP and TCP",
            hostPort(7946)).env("GRAPEVINE_BIND").defaultValue("0.0.0.0:7946");
    /** {@code --advertise HOST:PORT}: the address others reach this node at. */
    public static final Flag<HostPort> ADVERTISE = Flag.value("advertise", "HOST:PORT",
            "address other members reach this node at", hostPort(7946)).env("GRAPEVINE_ADVERTISE");
    /** {@code --join HOST:PORT}: a member to join through; repeatable. */
    public static final Flag<String> JOIN = Flag.value("join", "HOST:PORT", "a member to join through", text -> {
        hostPort(7946).apply(text);
        return text.trim();
    }).env("GRAPEVINE_JOIN").repeatable();
    /** {@code --tag KEY=VALUE}: a tag; repeatable. */
    public static final Flag<Map.Entry<String, String>> TAG = Flag.value("tag", "KEY=VALUE", "a tag such as role=app",
            LaunchOptions::tag).env("GRAPEVINE_TAGS").repeatable();
    /** {@code --profile lan|wan|local}: the timing profile. */
    public static final Flag<Profile> PROFILE = Flag.value("profile", "lan|wan|local", "timing profile", text -> {
        try {
            return Profile.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' must be one of lan, wan, local");
        }
    }).env("GRAPEVINE_PROFILE").defaultValue("lan");
    /** {@code --key BASE64}: encrypts all traffic with this key. */
    public static final Flag<Keyring> KEY = Flag.value("key", "BASE64", "encrypt all traffic with this key",
            text -> Keyring.ofBase64(text.trim())).env("GRAPEVINE_KEY");
    /** {@code --key-file PATH}: keyring file, one base64 key a line or Serf's JSON array, primary first. */
    public static final Flag<Path> KEY_FILE = Flag.value("key-file", "PATH",
            "keyring file: one base64 key a line, or Serf's JSON array; primary first", LaunchOptions::path)
            .env("GRAPEVINE_KEY_FILE");
    /** {@code --cluster NAME}: cluster name, bound into every packet. */
    public static final Flag<String> CLUSTER = Flag.string("cluster", "NAME", "cluster name, bound into every packet")
            .env("GRAPEVINE_CLUSTER").defaultValue("grapevine");
    /** {@code --snapshot PATH}: the snapshot file, to rejoin after a restart. */
    public static final Flag<Path> SNAPSHOT = Flag.value("snapshot", "PATH",
            "snapshot file: a restarted node rejoins its peers from it", LaunchOptions::fileInExistingDirectory)
            .env("GRAPEVINE_SNAPSHOT");
    /** {@code --admin HOST:PORT}: where the admin HTTP API listens. */
    public static final Flag<HostPort> ADMIN = Flag.value("admin", "HOST:PORT",
            "admin HTTP API address; port 7980 if none given, 127.0.0.1 if only a port (:7980 or 7980)",
            LaunchOptions::adminAddress).env("GRAPEVINE_ADMIN");
    /** {@code --admin-token TOKEN}: the token the admin API requires on changing calls and key listing. */
    public static final Flag<dev.grapevine.roles.admin.AdminToken> ADMIN_TOKEN = Flag.value("admin-token", "TOKEN",
            "admin API token, required on every changing call and on key listing (prefer --admin-token-file:"
                    + " a flag shows in ps)", dev.grapevine.roles.admin.AdminToken::of).env("GRAPEVINE_ADMIN_TOKEN");
    /** {@code --admin-token-file PATH}: a file whose first line is the admin token. */
    public static final Flag<Path> ADMIN_TOKEN_FILE = Flag.value("admin-token-file", "PATH",
            "file whose first line is the admin API token", LaunchOptions::path).env("GRAPEVINE_ADMIN_TOKEN_FILE");
    /** {@code --admin-host NAME}: a host name browsers may use for the admin API (besides IPs and localhost). */
    public static final Flag<String> ADMIN_HOST = Flag.value("admin-host", "NAME",
            "a host name the admin API answers to besides IP addresses and localhost (a DNS-rebinding guard)",
            text -> {
                if (!text.strip().matches("[A-Za-z0-9._-]+")) {
                    throw new IllegalArgumentException("'" + text + "' is not a host name (no port, no scheme)");
                }
                return text.strip();
            }).env("GRAPEVINE_ADMIN_HOSTS").repeatable();
    /** {@code --admin-insecure}: allow the admin API on a non-loopback address without a token. */
    public static final Flag<Boolean> ADMIN_INSECURE = Flag.toggle("admin-insecure",
            "serve the admin API on a non-loopback address without a token (anyone reaching it can change the cluster)");
    /** {@code --http HOST:PORT}: the HTTP address of app, front and proxy servers. */
    public static final Flag<HostPort> HTTP = Flag.value("http", "HOST:PORT",
            "HTTP address of app, front and proxy servers; port 8080 if none; sets tag http.port",
            hostPort(8080)).env("GRAPEVINE_HTTP");
    /** {@code --dns HOST:PORT}: the DNS address of DNS servers. */
    public static final Flag<HostPort> DNS = Flag.value("dns", "HOST:PORT",
            "DNS address of DNS servers; port 53 if none; sets tag dns.port", hostPort(53))
            .env("GRAPEVINE_DNS");
    /** {@code --upstream HOST:PORT}: a resolver the DNS server forwards other names to; repeatable. */
    public static final Flag<HostPort> UPSTREAM = Flag.value("upstream", "HOST:PORT",
            "resolver a DNS server forwards other names to; port 53 if none", hostPort(53))
            .env("GRAPEVINE_UPSTREAM").repeatable();
    /** {@code --resolver HOST:PORT}: the DNS server that resolves {@code --join} names. */
    public static final Flag<HostPort> RESOLVER = Flag.value("resolver", "HOST:PORT",
            "DNS server that resolves --join names (e.g. the cluster's own); port 53 if none; default: the system's",
            hostPort(53)).env("GRAPEVINE_RESOLVER");
    /** {@code --check-http URL}: a health check, HTTP GET, passing on 2xx; repeatable. */
    public static final Flag<URI> CHECK_HTTP = Flag.value("check-http", "URL",
            "health check: HTTP GET, passes on a 2xx status", LaunchOptions::httpUrl)
            .env("GRAPEVINE_CHECK_HTTP").repeatable();
    /** {@code --check-tcp HOST:PORT}: a health check, TCP connect; repeatable. */
    public static final Flag<HostPort> CHECK_TCP = Flag.value("check-tcp", "HOST:PORT",
            "health check: TCP connect, passes when accepted", text -> {
                HostPort hp = hostPort(0).apply(text);
                if (hp.port() == 0) {
                    throw new IllegalArgumentException("'" + text + "' needs a port (1-65535)");
                }
                return hp;
            }).env("GRAPEVINE_CHECK_TCP").repeatable();
    /** {@code --check-cmd COMMAND}: a health check, {@code /bin/sh -c COMMAND}, passing on exit 0; repeatable. */
    public static final Flag<String> CHECK_CMD = Flag.string("check-cmd", "COMMAND",
            "health check: /bin/sh -c COMMAND, passes on exit status 0").env("GRAPEVINE_CHECK_CMD").repeatable("\n");
    /** {@code --check-interval DURATION}: time between runs of each check. */
    public static final Flag<Duration> CHECK_INTERVAL = Flag.value("check-interval", "DURATION",
            "time between runs of each check, e.g. 500ms, 5s, 1m", Durations::parse)
            .env("GRAPEVINE_CHECK_INTERVAL").defaultValue(HealthCheck.DEFAULT_INTERVAL_SECONDS + "s");
    /** {@code --check-timeout DURATION}: how long a run may take before it fails. */
    public static final Flag<Duration> CHECK_TIMEOUT = Flag.value("check-timeout", "DURATION",
            "how long a run may take before it fails and is aborted", Durations::parse)
            .env("GRAPEVINE_CHECK_TIMEOUT").defaultValue(HealthCheck.DEFAULT_TIMEOUT_SECONDS + "s");
    /** {@code --check-failures N}: failed runs in a row before a check turns critical. */
    public static final Flag<Integer> CHECK_FAILURES = Flag.value("check-failures", "N",
            "failed runs in a row before a check turns critical", LaunchOptions::atLeastOne)
            .env("GRAPEVINE_CHECK_FAILURES").defaultValue("1");
    /** {@code --check-successes N}: passed runs in a row before a check turns passing. */
    public static final Flag<Integer> CHECK_SUCCESSES = Flag.value("check-successes", "N",
            "passed runs in a row before a check turns passing", LaunchOptions::atLeastOne)
            .env("GRAPEVINE_CHECK_SUCCESSES").defaultValue("1");
    /** {@code --check-initial passing|critical}: each check's state before its first run. */
    public static final Flag<HealthStatus> CHECK_INITIAL = Flag.value("check-initial", "passing|critical",
            "state of each check before its first run", HealthStatus::parse)
            .env("GRAPEVINE_CHECK_INITIAL").defaultValue("critical");
    /** {@code --cds-training}: start, call every server and client once, leave and exit (see {@link Training}). */
    public static final Flag<Boolean> CDS_TRAINING = Flag.toggle("cds-training",
            "start, exercise every server and client once, then leave and exit (records the AppCDS archive at package time)");
    /** {@code --keygen}: print a new random key and exit. */
    public static final Flag<Boolean> KEYGEN = Flag.toggle("keygen", "print a new random key (base64) and exit");
    /** {@code --help} (or {@code -h}): print the flags and exit. */
    public static final Flag<Boolean> HELP = Flag.toggle("help", "this text (also -h)");

    /** {@code --config-file PATH}: a Serf agent JSON configuration file (repeatable; see {@link SerfConfig}). */
    public static final Flag<Path> CONFIG_FILE = Flag.value("config-file", "PATH",
            "a Serf agent configuration file (JSON); flags win over it", LaunchOptions::path).repeatable();
    /** {@code --config-dir PATH}: a directory of Serf agent JSON files, read in lexical order (repeatable). */
    public static final Flag<Path> CONFIG_DIR = Flag.value("config-dir", "PATH",
            "a directory of Serf agent configuration files (*.json, in lexical order)", LaunchOptions::path)
            .repeatable();

    /**
     * {@code --tags-file PATH}: the node's tags persist in this file (a JSON object), as Serf's {@code -tags-file}:
     * read at start when it exists, rewritten (atomically) whenever the node's tags change; not with {@code --tag}.
     */
    public static final Flag<Path> TAGS_FILE = Flag.value("tags-file", "PATH",
            "tags persist here (JSON): restored at start, rewritten on every change; not with --tag",
            LaunchOptions::fileInExistingDirectory).env("GRAPEVINE_TAGS_FILE");

    /** {@code --retry-interval DURATION}: time between join attempts through {@code --join} (Serf's retry_interval). */
    public static final Flag<Duration> RETRY_INTERVAL = Flag.value("retry-interval", "DURATION",
            "time between attempts to join through --join", Durations::parse).env("GRAPEVINE_RETRY_INTERVAL")
            .defaultValue("2s");
    /** {@code --retry-max-attempts N}: join attempts before giving up, 0 for no limit (Serf's retry_max_attempts). */
    public static final Flag<Integer> RETRY_MAX_ATTEMPTS = Flag.value("retry-max-attempts", "N",
            "join attempts before giving up; 0: no limit", LaunchOptions::atLeastZero)
            .env("GRAPEVINE_RETRY_MAX_ATTEMPTS").defaultValue("0");
    /** {@code --reconnect-interval DURATION}: how often a failed member is tried again (Serf's reconnect_interval). */
    public static final Flag<Duration> RECONNECT_INTERVAL = gossipDuration("reconnect-interval",
            "how often a failed member is tried again");
    /** {@code --reconnect-timeout DURATION}: how long a failed member is kept and tried (Serf's reconnect_timeout). */
    public static final Flag<Duration> RECONNECT_TIMEOUT = gossipDuration("reconnect-timeout",
            "how long a failed member is kept and tried before it is reaped");
    /** {@code --tombstone-timeout DURATION}: how long a member that left is remembered (Serf's tombstone_timeout). */
    public static final Flag<Duration> TOMBSTONE_TIMEOUT = gossipDuration("tombstone-timeout",
            "how long a member that left is remembered before it is reaped");
    /** {@code --user-event-size-limit BYTES} (Serf's user_event_size_limit). */
    public static final Flag<Integer> USER_EVENT_SIZE_LIMIT = gossipSize("user-event-size-limit",
            "largest user event sent or taken");
    /** {@code --query-size-limit BYTES} (Serf's query_size_limit). */
    public static final Flag<Integer> QUERY_SIZE_LIMIT = gossipSize("query-size-limit", "largest query sent or taken");
    /** {@code --query-response-size-limit BYTES} (Serf's query_response_size_limit). */
    public static final Flag<Integer> QUERY_RESPONSE_SIZE_LIMIT = gossipSize("query-response-size-limit",
            "largest query response sent or taken");

    /** {@code --log-level LEVEL}: Serf's level names; SIGHUP rereads it (Serf's log_level). */
    public static final Flag<LogLevel> LOG_LEVEL = Flag.value("log-level", "trace|debug|info|warn|err",
            "the log's level, Serf's names; default info; SIGHUP rereads it", LogLevel::parse)
            .env("GRAPEVINE_LOG_LEVEL");
    /**
     * {@code --rejoin-after-leave}: after a restart, rejoin the snapshot's members even when this node had left
     * (Serf's {@code -rejoin}, rejoin_after_leave).
     */
    public static final Flag<Boolean> REJOIN_AFTER_LEAVE = Flag.toggle("rejoin-after-leave",
            "after a restart, rejoin the --snapshot's members even if this node had left");
    /**
     * {@code --leave-on-terminate true|false}: on SIGTERM leave gracefully (Grapevine's default) or stop without
     * leaving, so peers see a failure (Serf's default, leave_on_terminate false).
     */
    public static final Flag<Boolean> LEAVE_ON_TERMINATE = Flag.value("leave-on-terminate", "true|false",
            "on SIGTERM leave the cluster gracefully (true) or stop at once, peers seeing a failure (false)",
            LaunchOptions::bool).env("GRAPEVINE_LEAVE_ON_TERMINATE").defaultValue("true");
    /** {@code --skip-leave-on-interrupt}: on SIGINT stop without leaving (Serf's skip_leave_on_interrupt). */
    public static final Flag<Boolean> SKIP_LEAVE_ON_INTERRUPT = Flag.toggle("skip-leave-on-interrupt",
            "on SIGINT (Ctrl-C) stop at once without leaving, peers seeing a failure");

    /** The flags every process shares, in the order {@code --help} lists them. */
    public static final List<Flag<?>> FLAGS = List.of(CONFIG_FILE, CONFIG_DIR, NAME, BIND, ADVERTISE, JOIN, TAG, TAGS_FILE, PROFILE, RETRY_INTERVAL, RETRY_MAX_ATTEMPTS, RECONNECT_INTERVAL, RECONNECT_TIMEOUT,
            TOMBSTONE_TIMEOUT, USER_EVENT_SIZE_LIMIT, QUERY_SIZE_LIMIT, QUERY_RESPONSE_SIZE_LIMIT, KEY, KEY_FILE,
            CLUSTER, SNAPSHOT, ADMIN, ADMIN_TOKEN, ADMIN_TOKEN_FILE, ADMIN_HOST, ADMIN_INSECURE, HTTP, DNS, UPSTREAM, RESOLVER, CHECK_HTTP, CHECK_TCP, CHECK_CMD, CHECK_INTERVAL,
            CHECK_TIMEOUT, CHECK_FAILURES, CHECK_SUCCESSES, CHECK_INITIAL, LOG_LEVEL, REJOIN_AFTER_LEAVE,
            LEAVE_ON_TERMINATE, SKIP_LEAVE_ON_INTERRUPT, CDS_TRAINING, KEYGEN, HELP);

    /** The text of {@code --help} for the shared flags alone. */
    public static final String USAGE = usage(List.of());

    private final Map<Flag<?>, List<Object>> values;
    private final Keyring keyring;
    private final Map<String, String> tags;
    private final List<HealthCheck> checks;

    private LaunchOptions(Map<Flag<?>, List<Object>> values, Keyring keyring, Map<String, String> tags,
                          List<HealthCheck> checks) {
        this.values = values;
        this.keyring = keyring;
        this.tags = tags;
        this.checks = checks;
    }

    /**
     * Parses {@code args} with {@code env} as fallback, knowing only the shared flags.
     *
     * @throws IllegalArgumentException naming the flag at fault
     */
    public static LaunchOptions parse(String[] args, Map<String, String> env) {
        return parse(args, env, List.of());
    }

    /**
     * Parses {@code args} with {@code env} as fallback, knowing the shared flags and {@code extra}. With
     * {@code --help} or {@code --keygen} nothing else is checked (not even {@code --name}): the caller prints and
     * exits.
     *
     * @throws IllegalArgumentException naming the flag at fault: unknown, given twice, missing its value, or
     *                                  with a bad value; also when {@code extra} declares a name twice
     */
    public static LaunchOptions parse(String[] args, Map<String, String> env, List<Flag<?>> extra) {
        Map<String, Flag<?>> known = declare(extra);
        Map<Flag<?>, List<String>> given = new LinkedHashMap<>();
        List<Path> configPaths = new ArrayList<>(); // --config-file and --config-dir, in the order given
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h")) {
                a = "--help";
            }
            if (!a.startsWith("--") || a.length() == 2) {
                throw new IllegalArgumentException("unexpected argument '" + a + "' (flags start with --; see --help)");
            }
            int eq = a.indexOf('=');
            String key = eq > 0 ? a.substring(2, eq) : a.substring(2);
            Flag<?> flag = known.get(key);
            if (flag == null) {
                throw new IllegalArgumentException("unknown flag --" + key + " (see --help)");
            }
            String value;
            if (flag.isToggle()) {
                if (eq > 0) {
                    throw new IllegalArgumentException("--" + key + " takes no value");
                }
                value = "true";
            } else if (eq > 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("--" + key + " needs a value " + flag.valueName().orElseThrow());
            }
            List<String> texts = given.computeIfAbsent(flag, f -> new ArrayList<>());
            if (!texts.isEmpty() && !flag.isRepeatable()) {
                throw new IllegalArgumentException("--" + key + " given more than once");
            }
            texts.add(value);
            if (flag == CONFIG_FILE || flag == CONFIG_DIR) {
                configPaths.add(Path.of(value));
            }
        }
        if (!configPaths.isEmpty() && !given.containsKey(HELP) && !given.containsKey(KEYGEN)) {
            applyConfig(SerfConfig.read(configPaths), known, given);
        }
        if (given.containsKey(TAGS_FILE) && !given.containsKey(HELP) && !given.containsKey(KEYGEN)) {
            if (given.containsKey(TAG)) {
                // As Serf: "Tags config not allowed while using tag files".
                throw new IllegalArgumentException("--tags-file: the tags come from the file; --tag (or a"
                        + " configuration's tags) is not allowed with it");
            }
            Path file = Path.of(given.get(TAGS_FILE).get(0));
            if (Files.exists(file)) {
                List<String> restored = new ArrayList<>();
                TagsFile.read(file).forEach((k, v) -> restored.add(k + "=" + v));
                given.put(TAG, restored);
            }
        }
        Map<Flag<?>, List<Object>> values = new LinkedHashMap<>();
        if (given.containsKey(HELP) || given.containsKey(KEYGEN)) {
            for (Flag<?> f : List.of(HELP, KEYGEN)) {
                if (given.containsKey(f)) {
                    values.put(f, List.of(Boolean.TRUE));
                }
            }
            known.values().forEach(f -> values.putIfAbsent(f, List.of()));
            return new LaunchOptions(values, null, Map.of(), List.of());
        }
        for (Flag<?> flag : known.values()) {
            values.put(flag, read(flag, given.get(flag), env));
        }
        // The admin token's two sources exclude each other, but a flag wins over the other's variable (a
        // container's environment names a token file, the command line a token).
        if (given.containsKey(ADMIN_TOKEN) != given.containsKey(ADMIN_TOKEN_FILE)) {
            values.put(given.containsKey(ADMIN_TOKEN) ? ADMIN_TOKEN_FILE : ADMIN_TOKEN, List.of());
        }
        LaunchOptions partial = new LaunchOptions(values, null, Map.of(), List.of());
        if (partial.get(NAME).isEmpty()) {
            throw new IllegalArgumentException("--name is required (or GRAPEVINE_NAME)");
        }
        Keyring keyring = partial.get(KEY).orElse(null);
        Path keyFile = partial.keyFile();
        if (keyring == null && keyFile != null) {
            try {
                keyring = Keyring.fromFile(keyFile);
            } catch (IllegalArgumentException | IOException e) {
                throw new IllegalArgumentException("--key-file: " + e.getMessage(), e);
            }
        }
        // The admin token (and its file) are checked now, before anything starts.
        Optional<dev.grapevine.roles.admin.AdminToken> token = partial.adminToken();
        Optional<HostPort> admin = partial.admin();
        if (admin.isPresent() && token.isEmpty() && !partial.adminInsecure() && !isLoopback(admin.get())) {
            throw new IllegalArgumentException("--admin " + admin.get() + " is not a loopback address and no admin"
                    + " token is set: give --admin-token-file, --admin-token or GRAPEVINE_ADMIN_TOKEN, bind the API"
                    + " to 127.0.0.1, or pass --admin-insecure to serve it open anyway");
        }
        try {
            partial.gossipConfig();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the gossip settings (--reconnect-*, --tombstone-timeout, the size"
                    + " limits): " + e.getMessage(), e);
        }
        List<HealthCheck> checks = partial.buildChecks();
        return new LaunchOptions(values, keyring, partial.buildTags(checks), checks);
    }

    /**
     * Puts a Serf configuration's values under the command line's, as Serf merges its flags over its files: a
     * single value only where the command line has none; lists (joins, event handlers) the files' first, then
     * the command line's; tags merged, the command line's winning per key.
     */
    private static void applyConfig(SerfConfig.Values c, Map<String, Flag<?>> known, Map<Flag<?>, List<String>> given) {
        for (Map.Entry<String, String> e : c.single().entrySet()) {
            given.putIfAbsent(configFlag(known, e.getKey()), new ArrayList<>(List.of(e.getValue())));
        }
        for (Map.Entry<String, List<String>> e : c.lists().entrySet()) {
            Flag<?> f = configFlag(known, e.getKey());
            List<String> merged = new ArrayList<>(e.getValue());
            merged.addAll(given.getOrDefault(f, List.of()));
            given.put(f, merged);
        }
        if (!c.tags().isEmpty()) {
            List<String> fromFlags = given.getOrDefault(TAG, List.of());
            List<String> merged = new ArrayList<>();
            c.tags().forEach((k, v) -> {
                if (fromFlags.stream().noneMatch(t -> t.startsWith(k + "="))) {
                    merged.add(k + "=" + v);
                }
            });
            merged.addAll(fromFlags);
            given.put(TAG, merged);
        }
    }

    private static Flag<?> configFlag(Map<String, Flag<?>> known, String name) {
        Flag<?> f = known.get(name);
        if (f == null) {
            throw new IllegalArgumentException("--config-file/--config-dir: the setting for --" + name
                    + " is not taken by this program");
        }
        return f;
    }

    /** {@code --help}'s text: the shared flags, then {@code extra}. */
    public static String usage(List<Flag<?>> extra) {
        declare(extra);
        StringBuilder sb = new StringBuilder("Options (flags win over environment variables):");
        for (Flag<?> f : FLAGS) {
            sb.append('\n').append(f.usageLine());
        }
        for (Flag<?> f : extra) {
            sb.append('\n').append(f.usageLine());
        }
        return sb.toString();
    }

    private static Map<String, Flag<?>> declare(List<Flag<?>> extra) {
        Map<String, Flag<?>> known = new LinkedHashMap<>();
        for (Flag<?> f : FLAGS) {
            known.put(f.name(), f);
        }
        for (Flag<?> f : extra) {
            if (known.putIfAbsent(f.name(), f) != null) {
                throw new IllegalArgumentException("flag --" + f.name() + " is declared twice");
            }
        }
        return known;
    }

    /** The values of one flag: from the command line, else its variable, else its default. */
    private static List<Object> read(Flag<?> flag, List<String> texts, Map<String, String> env) {
        List<Object> out = new ArrayList<>();
        if (texts != null) {
            for (String t : texts) {
                out.add(flag.parse(t, false));
            }
            return List.copyOf(out);
        }
        String fromEnv = flag.envVariable().map(env::get).orElse(null);
        if (fromEnv != null && !fromEnv.isBlank()) {
            List<String> parts = flag.isRepeatable() ? split(fromEnv, flag.envSeparator()) : List.of(fromEnv);
            for (String t : parts) {
                out.add(flag.parse(t, true));
            }
            return List.copyOf(out);
        }
        if (flag.defaultText().isPresent()) {
            return List.of(flag.parse(flag.defaultText().get(), false));
        }
        return List.of();
    }

    /**
     * The value of a single-valued flag (the first, for a repeatable one): given, from its variable, or its
     * default; empty when none of these.
     *
     * @throws IllegalArgumentException when {@code flag} was not declared to {@link #parse}
     */
    public <T> Optional<T> get(Flag<T> flag) {
        List<T> all = all(flag);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /**
     * The value of {@code flag}, which the caller needs.
     *
     * @param forWhat what needs it, for the message, e.g. {@code "an app server"}
     * @throws IllegalArgumentException naming the flag when it was not given
     */
    public <T> T require(Flag<T> flag, String forWhat) {
        return get(flag).orElseThrow(() -> new IllegalArgumentException("--" + flag.name()
                + flag.valueName().map(v -> " " + v).orElse("") + " is required for " + forWhat));
    }

    /**
     * Every value of a flag, in the order given; empty when absent.
     *
     * @throws IllegalArgumentException when {@code flag} was not declared to {@link #parse}
     */
    @SuppressWarnings("unchecked")
    public <T> List<T> all(Flag<T> flag) {
        List<Object> v = values.get(flag);
        if (v == null) {
            throw new IllegalArgumentException("flag --" + flag.name() + " was not declared when parsing");
        }
        return (List<T>) Collections.unmodifiableList(v);
    }

    /** The node name. */
    public String name() {
        return get(NAME).orElse(null);
    }

    /** The gossip bind address. */
    public HostPort bind() {
        return get(BIND).orElse(null);
    }

    /** The advertised address, or null for the bind address. */
    public HostPort advertise() {
        return get(ADVERTISE).orElse(null);
    }

    /** The peers to join, as given. */
    public List<String> join() {
        return all(JOIN);
    }

    /** The tags the node starts with (see the class comment for the derived ones). */
    public Map<String, String> tags() {
        return tags;
    }

    /**
     * These options with {@code defaults} added to the tags wherever the command line set no tag of that key;
     * a role server uses it for its {@code role} tag, which {@code --tag role=...} can still override.
     */
    public LaunchOptions withDefaultTags(Map<String, String> defaults) {
        Map<String, String> merged = new LinkedHashMap<>(defaults);
        merged.putAll(tags);
        return new LaunchOptions(values, keyring, Collections.unmodifiableMap(merged), checks);
    }

    /** The timing profile. */
    public Profile profile() {
        return get(PROFILE).orElse(Profile.LAN);
    }

    /** {@code --retry-interval}: time between join attempts. */
    public Duration retryInterval() {
        return get(RETRY_INTERVAL).orElse(Duration.ofSeconds(2));
    }

    /** {@code --log-level}: the log's level, {@link LogLevel#INFO} unless given. */
    public LogLevel logLevel() {
        return get(LOG_LEVEL).orElse(LogLevel.INFO);
    }

    /** Whether {@code --log-level} (or its variable, or a configuration's log_level) was given. */
    public boolean logLevelGiven() {
        return get(LOG_LEVEL).isPresent();
    }

    /** {@code --rejoin-after-leave}: rejoin the snapshot's members after a restart even when this node had left. */
    public boolean rejoinAfterLeave() {
        return !all(REJOIN_AFTER_LEAVE).isEmpty();
    }

    /** {@code --leave-on-terminate}: whether SIGTERM leaves the cluster gracefully (default true). */
    public boolean leaveOnTerminate() {
        return get(LEAVE_ON_TERMINATE).orElse(true);
    }

    /** {@code --skip-leave-on-interrupt}: whether SIGINT stops without leaving (default false). */
    public boolean skipLeaveOnInterrupt() {
        return !all(SKIP_LEAVE_ON_INTERRUPT).isEmpty();
    }

    /** {@code --retry-max-attempts}: join attempts before giving up, 0 for no limit. */
    public int retryMaxAttempts() {
        return get(RETRY_MAX_ATTEMPTS).orElse(0);
    }

    /**
     * The gossip settings: the profile's, with the reconnect, tombstone and size-limit flags given laid over.
     *
     * @throws IllegalArgumentException when the values given do not make a valid configuration
     */
    public GossipConfig gossipConfig() {
        GossipConfig.Builder b = profile().config().toBuilder();
        get(RECONNECT_INTERVAL).ifPresent(b::reconnectInterval);
        get(RECONNECT_TIMEOUT).ifPresent(b::reconnectTimeout);
        get(TOMBSTONE_TIMEOUT).ifPresent(b::tombstoneTimeout);
        get(USER_EVENT_SIZE_LIMIT).ifPresent(b::userEventSizeLimit);
        get(QUERY_SIZE_LIMIT).ifPresent(b::querySizeLimit);
        get(QUERY_RESPONSE_SIZE_LIMIT).ifPresent(b::queryResponseSizeLimit);
        return b.build();
    }

    /** The encryption keys ({@code --key}, else read from {@code --key-file}), or null for plaintext. */
    public Keyring keyring() {
        return keyring;
    }

    /** Where the keyring is kept, or null. */
    public Path keyFile() {
        return get(KEY_FILE).orElse(null);
    }

    /** The cluster name. */
    public String cluster() {
        return get(CLUSTER).orElse("grapevine");
    }

    /** True when {@code --help} was given. */
    public boolean help() {
        return !all(HELP).isEmpty();
    }

    /** True when {@code --cds-training} was given. */
    public boolean cdsTraining() {
        return !all(CDS_TRAINING).isEmpty();
    }

    /** True when {@code --keygen} was given. */
    public boolean keygen() {
        return !all(KEYGEN).isEmpty();
    }

    /** The snapshot file, if any. */
    public Optional<Path> snapshot() {
        return get(SNAPSHOT);
    }

    /** {@code --tags-file}, if given. */
    public Optional<Path> tagsFile() {
        return get(TAGS_FILE);
    }

    /** Where the admin HTTP API should listen, if anywhere. */
    public Optional<HostPort> admin() {
        return get(ADMIN);
    }

    /**
     * The admin API's token, from {@code --admin-token} or {@code --admin-token-file} (read now), if either is given.
     *
     * @throws IllegalArgumentException naming the flag, when both are given or the file holds no valid token
     */
    public Optional<dev.grapevine.roles.admin.AdminToken> adminToken() {
        Optional<dev.grapevine.roles.admin.AdminToken> direct = get(ADMIN_TOKEN);
        Optional<Path> file = get(ADMIN_TOKEN_FILE);
        if (direct.isPresent() && file.isPresent()) {
            throw new IllegalArgumentException("--admin-token and --admin-token-file are exclusive: give one");
        }
        if (file.isEmpty()) {
            return direct;
        }
        try {
            return Optional.of(dev.grapevine.roles.admin.AdminToken.fromFile(file.get()));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--admin-token-file: " + e.getMessage(), e);
        }
    }

    /** The {@code --admin-host} names. */
    public List<String> adminHosts() {
        return all(ADMIN_HOST);
    }

    /** Whether {@code --admin-insecure} was given. */
    public boolean adminInsecure() {
        return get(ADMIN_INSECURE).orElse(false);
    }

    /** The HTTP address of a role server, if given. */
    public Optional<HostPort> http() {
        return get(HTTP);
    }

    /** The DNS address of a DNS server, if given. */
    public Optional<HostPort> dns() {
        return get(DNS);
    }

    /** The upstream resolvers of a DNS server. */
    public List<HostPort> upstream() {
        return all(UPSTREAM);
    }

    /** The DNS server that resolves {@code --join} names, when not the system's. */
    public Optional<HostPort> resolver() {
        return get(RESOLVER);
    }

    /** The health checks of the {@code --check-*} flags, named {@code http-1}, {@code tcp-1}, {@code cmd-1}, ... */
    public List<HealthCheck> checks() {
        return checks;
    }

    private List<HealthCheck> buildChecks() {
        List<HealthCheck> out = new ArrayList<>();
        int n = 0;
        for (URI uri : all(CHECK_HTTP)) {
            out.add(HealthCheck.http("http-" + ++n, uri));
        }
        n = 0;
        for (HostPort hp : all(CHECK_TCP)) {
            out.add(HealthCheck.tcp("tcp-" + ++n, hp));
        }
        n = 0;
        for (String cmd : all(CHECK_CMD)) {
            out.add(HealthCheck.command("cmd-" + ++n, cmd));
        }
        Duration interval = get(CHECK_INTERVAL).orElseThrow();
        Duration timeout = get(CHECK_TIMEOUT).orElseThrow();
        int failures = get(CHECK_FAILURES).orElseThrow();
        int successes = get(CHECK_SUCCESSES).orElseThrow();
        HealthStatus initial = get(CHECK_INITIAL).orElseThrow();
        return out.stream().map(c -> c.interval(interval).timeout(timeout).failuresBeforeCritical(failures)
                .successesBeforePassing(successes).initial(initial)).toList();
    }

    private Map<String, String> buildTags(List<HealthCheck> healthChecks) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> t : all(TAG)) {
            out.put(t.getKey(), t.getValue());
        }
        http().filter(hp -> hp.port() != 0).ifPresent(hp -> out.putIfAbsent(Roles.portTag(Roles.HTTP), "" + hp.port()));
        dns().filter(hp -> hp.port() != 0).ifPresent(hp -> out.putIfAbsent(Roles.portTag(Roles.DNS), "" + hp.port()));
        if (!healthChecks.isEmpty()) {
            out.put(Roles.HEALTH, HealthStatus.worstOf(healthChecks.stream().map(HealthCheck::initial).toList())
                    .tagValue());
        }
        return Collections.unmodifiableMap(out);
    }

    /** True when {@code hp}'s host is a loopback address (a name that does not resolve counts as not). */
    private static boolean isLoopback(HostPort hp) {
        try {
            return java.net.InetAddress.getByName(hp.host()).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** {@code --admin}'s value: a bare port or {@code :port} means 127.0.0.1 (the API stays on loopback). */
    private static HostPort adminAddress(String text) {
        String t = text.strip();
        if (t.matches(":?[0-9]+")) {
            return HostPort.parse("127.0.0.1:" + (t.startsWith(":") ? t.substring(1) : t), 7980);
        }
        return HostPort.parse(t, 7980);
    }

    private static Function<String, HostPort> hostPort(int defaultPort) {
        return text -> HostPort.parse(text, defaultPort);
    }

    private static Map.Entry<String, String> tag(String text) {
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("'" + text + "' must be KEY=VALUE");
        }
        return Map.entry(text.substring(0, eq).trim(), text.substring(eq + 1));
    }

    private static Boolean bool(String text) {
        switch (text.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true":
                return Boolean.TRUE;
            case "false":
                return Boolean.FALSE;
            default:
                throw new IllegalArgumentException("'" + text + "' must be true or false");
        }
    }

    private static Path path(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("path is empty");
        }
        try {
            return Path.of(text.trim());
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException("'" + text + "' is not a path: " + e.getMessage());
        }
    }

    private static Path fileInExistingDirectory(String text) {
        Path p = path(text);
        if (Files.isDirectory(p)) {
            throw new IllegalArgumentException("'" + text + "' is a directory, not a file");
        }
        Path dir = p.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("directory " + dir + " does not exist");
        }
        return p;
    }

    private static URI httpUrl(String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + text + "' is not a URL: " + e.getMessage());
        }
        HealthCheck.http("check", uri); // validates: absolute http(s) with a host
        return uri;
    }

    /** A gossip timing flag: a Go duration, no default (the profile's), its variable GRAPEVINE_<NAME>. */
    private static Flag<Duration> gossipDuration(String name, String meaning) {
        return Flag.value(name, "DURATION", meaning + "; default: the profile's", Durations::parse)
                .env("GRAPEVINE_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    /** A gossip size-limit flag: bytes, at least 1, no default (the profile's), its variable GRAPEVINE_<NAME>. */
    private static Flag<Integer> gossipSize(String name, String meaning) {
        return Flag.value(name, "BYTES", meaning + "; default: the profile's", LaunchOptions::atLeastOne)
                .env("GRAPEVINE_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    private static Integer atLeastZero(String text) {
        return atLeast(0, text);
    }

    private static Integer atLeastOne(String text) {
        return atLeast(1, text);
    }

    private static Integer atLeast(int min, String text) {
        try {
            int n = Integer.parseInt(text.trim());
            if (n < min) {
                throw new IllegalArgumentException("'" + text + "' must be at least " + min);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
    }

    private static List<String> split(String text, String separator) {
        List<String> out = new ArrayList<>();
        int from = 0;
        while (from <= text.length()) {
            int at = text.indexOf(separator, from);
            String part = (at < 0 ? text.substring(from) : text.substring(from, at)).trim();
            if (!part.isEmpty()) {
                out.add(part);
            }
            if (at < 0) {
                break;
            }
            from = at + separator.length();
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("LaunchOptions[");
        values.forEach((f, v) -> {
            if (!v.isEmpty() && f != KEY) {
                sb.append("--").append(f.name()).append('=').append(v.size() == 1 ? v.get(0) : v).append(' ');
            }
        });
        return sb.append(keyring != null ? "encrypted]" : "plaintext]").toString();
    }
}
