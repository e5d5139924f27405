package dev.grapevine.roles.cli;

import dev.grapevine.roles.JsonTree;
import dev.grapevine.roles.NodeLauncher;
import dev.grapevine.security.Keyring;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code grapevine} command, modelled on Serf's CLI: {@code agent} runs a node (the launcher, as
 * {@code serf agent} runs one); every other command talks to a running node's admin API
 * ({@code -admin host:port}, or {@code GRAPEVINE_ADMIN}, default {@code 127.0.0.1:7980}) with the admin token
 * from {@code -token}, {@code -token-file}, {@code GRAPEVINE_ADMIN_TOKEN} or {@code GRAPEVINE_ADMIN_TOKEN_FILE}.
 * Output is Serf's where Serf has the command; every failure exits non-zero with a one-line reason on standard
 * error.
 */
public final class Grapevine {

    private static final String DEFAULT_ADMIN = "127.0.0.1:7980";
    private static final String COMMANDS = String.join("\n",
            "Usage: grapevine [--version] [--help] <command> [<args>]",
            "",
            "Available commands are:",
            "    agent           Runs a Grapevine node (the launcher's flags; see grapevine agent --help)",
            "    event           Send a custom event through the cluster",
            "    force-leave     Forces a member of the cluster to enter the \"left\" state",
            "    info            Provides debugging information for operators",
            "    join            Tell the node to join the cluster",
            "    keygen          Generates a new encryption key",
            "    keys            Manipulate the internal encryption keyring used by the cluster",
            "    leave           Gracefully leaves the cluster and shuts down",
            "    members         Lists the members of the cluster",
            "    monitor         Stream logs and events from a node",
            "    query           Send a query to the cluster",
            "    reachability    Test network reachability",
            "    tags            Modify tags of a running node",
            "    version         Prints the Grapevine version");

    private static final String TROUBLESHOOTING = String.join("\n", "",
            "Troubleshooting tips:",
            "* Ensure that the bind addr:port is accessible by all other nodes",
            "* If an advertise address is set, ensure it routes to the bind address",
            "* Check that no nodes are behind a NAT",
            "* If nodes are behind firewalls or nftables rules, check that gossip traffic is permitted (UDP and TCP)",
            "* Verify networking equipment is functional");

    private final Map<String, String> env;
    private final PrintStream out;
    private final PrintStream err;

    private Grapevine(Map<String, String> env, PrintStream out, PrintStream err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    /** Runs the command and exits with its status. */
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("agent")) {
            // The launcher owns the process from here (signals, exit status).
            NodeLauncher.main(Arrays.copyOfRange(args, 1, args.length), List.of(), launch -> { });
            return;
        }
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /**
     * Runs one command (not {@code agent}) with {@code env} as the environment.
     *
     * @return the exit status: 0 on success, 1 on any failure (reported on {@code err} in one line)
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Grapevine g = new Grapevine(env, out, err);
        try {
            return g.dispatch(List.of(args));
        } catch (CliException e) {
            if (e.status() == 0) {
                out.println(e.getMessage());
            } else {
                err.println(AdminClient.oneLine(e.getMessage()));
            }
            return e.status();
        } catch (RuntimeException e) {
            // An answer of an unexpected shape (another program on the port, another version): one line, no trace.
            err.println(AdminClient.oneLine("Error: unexpected answer from the node (" + e + ")"));
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private int dispatch(List<String> args) {
        if (args.isEmpty() || args.get(0).equals("-h") || args.get(0).equals("--help") || args.get(0).equals("help")) {
            out.println(COMMANDS);
            return args.isEmpty() ? 1 : 0;
        }
        String cmd = args.get(0);
        List<String> rest = args.subList(1, args.size());
        switch (cmd) {
            case "members":
                return members(rest);
            case "event":
                return event(rest);
            case "query":
                return query(rest);
            case "keys":
                return keys(rest);
            case "tags":
                return tags(rest);
            case "force-leave":
                return forceLeave(rest);
            case "join":
                return join(rest);
            case "leave":
                return leave(rest);
            case "reachability":
                return reachability(rest);
            case "monitor":
                return monitor(rest);
            case "info":
                return info(rest);
            case "keygen":
                out.println(Keyring.generateKeyBase64());
                return 0;
            case "version":
            case "--version":
            case "-v":
                out.println("Grapevine v" + dev.grapevine.roles.admin.AdminServer.version());
                return 0;
            case "agent":
                throw new CliException(1, "Error: run 'agent' through the grapevine command itself (main)");
            default:
                throw new CliException(1, "Error: unknown command '" + cmd + "' (see grapevine --help)");
        }
    }

    // ------------------------------------------------------------------------------------------------

    /** The flags every admin command takes. */
    private static GoFlags flags(String command) {
        return new GoFlags(command)
                .value("admin", "admin API address of the node (host:port; GRAPEVINE_ADMIN; default " + DEFAULT_ADMIN + ")")
                .value("token", "admin token (GRAPEVINE_ADMIN_TOKEN)")
                .value("token-file", "file whose first line is the admin token (GRAPEVINE_ADMIN_TOKEN_FILE)");
    }

    private AdminClient client(GoFlags f) {
        return client(f, "Error");
    }

    /** The client of the node {@code f} names; {@code errorPrefix} begins its refusals ("Error sending event"). */
    private AdminClient client(GoFlags f, String errorPrefix) {
        String admin = f.get("admin", env.getOrDefault("GRAPEVINE_ADMIN", DEFAULT_ADMIN));
        if (admin.matches(":?[0-9]+")) {
            admin = "127.0.0.1:" + admin.replace(":", "");
        } else if (admin.startsWith("0.0.0.0:")) {
            admin = "127.0.0.1:" + admin.substring(8);
        }
        String token = f.get("token", null);
        String file = f.get("token-file", null);
        if (token != null && file != null) {
            throw new CliException(1, "Error: -token and -token-file are exclusive");
        }
        if (token == null && file == null) {
            token = env.get("GRAPEVINE_ADMIN_TOKEN");
            if (token == null) {
                file = env.get("GRAPEVINE_ADMIN_TOKEN_FILE");
            }
        }
        if (file != null) {
            try {
                token = dev.grapevine.roles.admin.AdminToken.firstLine(Path.of(file));
            } catch (IOException e) {
                throw new CliException(1, "Error: the token file " + file + " cannot be read: " + e.getMessage());
            }
        }
        if (token != null && token.isEmpty()) {
            token = null;
        }
        return new AdminClient(admin, token, errorPrefix);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static byte[] jsonBody(Map<String, Object> body) {
        return Output.json(body).getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------------
    // members

    private int members(List<String> args) {
        GoFlags f = flags("members")
                .value("status", "only members whose status matches this regular expression")
                .repeatable("tag", "only members whose tag <key> matches: -tag key=regexp (repeatable)")
                .value("name", "only members whose name matches this regular expression")
                .value("role", "only members whose role tag matches (same as -tag role=...)")
                .value("format", "text (default) or json")
                .parse(args);
        String format = f.get("format", "text");
        checkFormat(format);
        Pattern status = anchored("status", f.get("status", null));
        Pattern name = anchored("name", f.get("name", null));
        Map<String, Pattern> tags = new LinkedHashMap<>();
        List<String> tagFilters = new ArrayList<>(f.all("tag"));
        if (f.has("role")) {
            tagFilters.add("role=" + f.get("role", ""));
        }
        for (String t : tagFilters) {
            int eq = t.indexOf('=');
            if (eq <= 0) {
                throw new CliException(1, "Error: -tag '" + t + "' must be key=regexp");
            }
            tags.put(t.substring(0, eq), anchored("tag " + t.substring(0, eq), t.substring(eq + 1)));
        }
        Object doc = client(f, "Error retrieving members").get("/v1/members");
        List<Map<String, Object>> members = new ArrayList<>();
        for (Object o : (List<?>) doc) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) o;
            if (status != null && !status.matcher((String) m.get("status")).matches()) {
                continue;
            }
            if (name != null && !name.matcher((String) m.get("name")).matches()) {
                continue;
            }
            Map<?, ?> mt = (Map<?, ?>) m.get("tags");
            boolean keep = true;
            for (Map.Entry<String, Pattern> t : tags.entrySet()) {
                Object v = mt.get(t.getKey());
                if (!(v instanceof String s) || !t.getValue().matcher(s).matches()) {
                    keep = false;
                    break;
                }
            }
            if (keep) {
                members.add(m);
            }
        }
        if (format.equals("json")) {
            List<Object> list = new ArrayList<>();
            for (Map<String, Object> m : members) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("name", m.get("name"));
                j.put("addr", hostPort(m));
                j.put("port", m.get("port"));
                j.put("tags", new TreeMap<>((Map<?, ?>) m.get("tags")));
                j.put("status", m.get("status"));
                list.add(j);
            }
            out.println(Output.json(Map.of("members", list)));
            return 0;
        }
        List<String> rows = new ArrayList<>();
        for (Map<String, Object> m : members) {
            List<String> kv = new ArrayList<>();
            new TreeMap<>((Map<?, ?>) m.get("tags")).forEach((k, v) -> kv.add(k + "=" + v));
            rows.add(m.get("name") + "|" + hostPort(m) + "|" + m.get("status") + "|" + String.join(",", kv));
        }
        out.print(Output.columns(rows));
        return 0;
    }

    private static String hostPort(Map<String, Object> m) {
        return new dev.grapevine.HostPort((String) m.get("address"), ((Number) m.get("port")).intValue()).toString();
    }

    private static Pattern anchored(String what, String regex) {
        if (regex == null) {
            return null;
        }
        try {
            return Pattern.compile("^(?:" + regex + ")$");
        } catch (PatternSyntaxException e) {
            throw new CliException(1, "Error: -" + what + ": bad regular expression: " + e.getDescription());
        }
    }

    private static void checkFormat(String format) {
        if (!format.equals("text") && !format.equals("json")) {
            throw new CliException(1, "Error: invalid format: " + format + " (text or json)");
        }
    }

    // ------------------------------------------------------------------------------------------------
    // event, query

    /** The arguments {@code name [payload]} of an event or a query, as Serf checks them. */
    private static List<String> nameAndPayload(GoFlags f, String what, String command) {
        List<String> a = f.args();
        if (a.isEmpty()) {
            throw new CliException(1, "Error: " + what + " name must be specified. Usage: grapevine " + command
                    + " [options] name [payload]");
        }
        if (a.size() > 2) {
            throw new CliException(1, "Error: too many command line arguments. Only a name and payload must be"
                    + " specified.");
        }
        return a;
    }

    private int event(List<String> args) {
        GoFlags f = flags("event").toggle("coalesce", "coalesce events of this name (default true; -coalesce=false)")
                .parse(args);
        List<String> a = nameAndPayload(f, "an event", "event");
        boolean coalesce = !f.has("coalesce") || f.on("coalesce");
        byte[] payload = a.size() > 1 ? a.get(1).getBytes(StandardCharsets.UTF_8) : new byte[0];
        client(f, "Error sending event").post("/v1/event/" + enc(a.get(0)) + "?coalesce=" + coalesce, payload);
        out.println("Event '" + a.get(0) + "' dispatched! Coalescing enabled: " + coalesce);
        return 0;
    }

    private int query(List<String> args) {
        GoFlags f = flags("query")
                .repeatable("node", "only this member answers (repeatable)")
                .repeatable("tag", "only members whose tag <key> matches: -tag key=regexp (repeatable)")
                .value("timeout", "how long to wait for answers, e.g. 5s (default: the cluster's, by its size)")
                .toggle("no-ack", "do not ask members to acknowledge receipt")
                .value("relay-factor", "each answer is also relayed through this many other members (0-255)")
                .value("format", "text (default) or json")
                .parse(args);
        List<String> a = nameAndPayload(f, "a query", "query");
        String format = f.get("format", "text");
        checkFormat(format);
        int relay;
        try {
            relay = Integer.parseInt(f.get("relay-factor", "0"));
        } catch (NumberFormatException e) {
            relay = -1;
        }
        if (relay < 0 || relay > 255) {
            throw new CliException(1, "Error: relay factor must be between 0 and 255");
        }
        boolean noAck = f.on("no-ack");
        StringBuilder path = new StringBuilder("/v1/query/").append(enc(a.get(0))).append("?ack=").append(!noAck)
                .append("&relay-factor=").append(relay);
        for (String n : f.all("node")) {
            path.append("&node=").append(enc(n));
        }
        for (String t : f.all("tag")) {
            if (t.indexOf('=') <= 0) {
                throw new CliException(1, "Error: -tag '" + t + "' must be key=regexp");
            }
            path.append("&tag=").append(enc(t));
        }
        if (f.has("timeout")) {
            path.append("&timeout=").append(enc(f.get("timeout", "")));
        }
        byte[] payload = a.size() > 1 ? a.get(1).getBytes(StandardCharsets.UTF_8) : new byte[0];
        boolean json = format.equals("json");
        List<String> acks = new ArrayList<>();
        Map<String, String> responses = new LinkedHashMap<>();
        int[] counts = new int[2];
        String[] error = new String[1];
        boolean[] done = new boolean[1];
        client(f, "Error sending query").stream("POST", path.toString(), payload, () -> {
            if (!json) {
                out.println("Query '" + a.get(0) + "' dispatched");
                out.flush();
            }
        }, line -> {
            Map<?, ?> m = object(line);
            switch (String.valueOf(m.get("type"))) {
                case "ack" -> {
                    counts[0]++;
                    acks.add((String) m.get("from"));
                    if (!json) {
                        out.println("Ack from '" + m.get("from") + "'");
                    }
                }
                case "response" -> {
                    counts[1]++;
                    String p = (String) m.get("payload");
                    responses.put((String) m.get("from"), p);
                    if (!json) {
                        out.println("Response from '" + m.get("from") + "': " + (p.endsWith("\n")
                                ? p.substring(0, p.length() - 1) : p));
                    }
                }
                case "error" -> error[0] = (String) m.get("error");
                case "done" -> done[0] = true;
                default -> {
                }
            }
            out.flush();
        });
        if (error[0] != null) {
            throw new CliException(1, "Error sending query: " + AdminClient.oneLine(error[0]));
        }
        if (!done[0]) {
            throw new CliException(1, "Error sending query: the node ended the answer before the query finished");
        }
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("Acks", acks.isEmpty() ? null : acks); // Go marshals an empty slice as null
            doc.put("Responses", responses);
            out.println(Output.json(doc));
        } else {
            if (!noAck) {
                out.println("Total Acks: " + counts[0]);
            }
            out.println("Total Responses: " + counts[1]);
        }
        return 0;
    }

    private static Map<?, ?> object(String line) {
        try {
            Object o = JsonTree.parse(line.getBytes(StandardCharsets.UTF_8));
            if (o instanceof Map<?, ?> m) {
                return m;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new CliException(1, "Error: the node sent a line that is not a JSON object: " + line);
    }

    // ------------------------------------------------------------------------------------------------
    // keys, tags

    private int keys(List<String> args) {
        GoFlags f = flags("keys")
                .value("install", "install a new key on every member")
                .value("use", "make an installed key the primary one on every member")
                .value("remove", "remove a key from every member")
                .toggle("list", "list the keys installed in the cluster (by fingerprint)")
                .parse(args);
        int ops = (f.has("install") ? 1 : 0) + (f.has("use") ? 1 : 0) + (f.has("remove") ? 1 : 0)
                + (f.on("list") ? 1 : 0);
        if (ops != 1) {
            throw new CliException(1, ops == 0 ? "Error: give one of -install, -use, -remove or -list"
                    : "Error: only one of -install, -use, -remove, or -list allowed");
        }
        if (f.on("list")) {
            AdminClient c = client(f, "Failed to gather member keys");
            out.println("==> Asking all members for installed keys...");
            Map<?, ?> l = (Map<?, ?>) c.get("/v1/keys");
            List<?> silent = (List<?>) l.get("silent");
            if (!silent.isEmpty()) {
                List<String> rows = new ArrayList<>();
                for (Object s : silent) {
                    rows.add("failed: | " + s + " | no answer");
                }
                err.print(Output.columns(rows));
                err.println("");
                throw new CliException(1, "Failed to gather member keys: " + silent.size() + " members did not answer");
            }
            out.println("==> Keys gathered, listing cluster keys...");
            out.println("");
            Number total = (Number) l.get("members");
            List<String> rows = new ArrayList<>();
            Map<?, ?> primary = (Map<?, ?>) l.get("primary");
            for (Map.Entry<?, ?> k : ((Map<?, ?>) l.get("keys")).entrySet()) {
                rows.add(k.getKey() + " | [" + k.getValue() + "/" + total + "]"
                        + (primary.containsKey(k.getKey()) ? " | primary on " + primary.get(k.getKey()) : ""));
            }
            out.print(Output.columns(rows));
            return 0;
        }
        String op = f.has("install") ? "install" : f.has("use") ? "use" : "remove";
        String key = f.get(op, "");
        String[] says = switch (op) {
            case "install" -> new String[]{"==> Installing key on all members...", "==> Successfully installed key!",
                    "Error installing key"};
            case "use" -> new String[]{"==> Changing primary key on all members...",
                    "==> Successfully changed primary key!", "Error changing primary key"};
            default -> new String[]{"==> Removing key on all members...", "==> Successfully removed key!",
                    "Error removing key"};
        };
        AdminClient c = client(f, says[2]);
        out.println(says[0]);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("key", key);
        Map<?, ?> r = (Map<?, ?>) c.post("/v1/keys/" + op, jsonBody(body));
        if (!Boolean.TRUE.equals(r.get("complete"))) {
            List<String> rows = new ArrayList<>();
            ((Map<?, ?>) r.get("failed")).forEach((n, why) -> rows.add("failed: | " + n + " | " + why));
            for (Object s : (List<?>) r.get("silent")) {
                rows.add("failed: | " + s + " | no answer");
            }
            err.print(Output.columns(rows));
            err.println("");
            int failed = ((Map<?, ?>) r.get("failed")).size() + ((List<?>) r.get("silent")).size();
            throw new CliException(1, says[2] + ": " + failed + " members did not " + op + " the key");
        }
        out.println(says[1]);
        return 0;
    }

    private int tags(List<String> args) {
        GoFlags f = flags("tags")
                .repeatable("set", "set a tag: -set key=value (repeatable)")
                .repeatable("delete", "delete a tag: -delete key (repeatable)")
                .parse(args);
        if (f.all("set").isEmpty() && f.all("delete").isEmpty()) {
            throw new CliException(1, "Error: give at least one -set key=value or -delete key");
        }
        Map<String, Object> set = new LinkedHashMap<>();
        for (String kv : f.all("set")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new CliException(1, "Error: -set '" + kv + "' must be key=value");
            }
            set.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (!set.isEmpty()) {
            body.put("set", set);
        }
        if (!f.all("delete").isEmpty()) {
            body.put("delete", f.all("delete"));
        }
        client(f, "Error setting tags").post("/v1/tags", jsonBody(body));
        out.println("Successfully updated agent tags");
        return 0;
    }

    // ------------------------------------------------------------------------------------------------
    // force-leave, join, leave, reachability

    private int forceLeave(List<String> args) {
        GoFlags f = flags("force-leave").toggle("prune", "also remove the member from every member's list at once")
                .parse(args);
        if (f.args().size() != 1) {
            throw new CliException(1, "Error: a node name must be specified to force leave. Usage: grapevine"
                    + " force-leave [-prune] name");
        }
        client(f, "Error force leaving").post("/v1/force-leave/" + enc(f.args().get(0)) + "?prune=" + f.on("prune"),
                new byte[0]);
        return 0;
    }

    private int join(List<String> args) {
        GoFlags f = flags("join").parse(args);
        if (f.args().isEmpty()) {
            throw new CliException(1, "Error: at least one address to join must be specified. Usage: grapevine"
                    + " join [options] address ...");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("addresses", f.args());
        Map<?, ?> r = (Map<?, ?>) client(f, "Error joining the cluster").post("/v1/join", jsonBody(body));
        out.println("Successfully joined cluster by contacting " + r.get("joined") + " nodes.");
        return 0;
    }

    private int leave(List<String> args) {
        GoFlags f = flags("leave").parse(args);
        client(f, "Error leaving").post("/v1/leave", new byte[0]);
        out.println("Graceful leave complete");
        return 0;
    }

    private int reachability(List<String> args) {
        GoFlags f = flags("reachability").toggle("verbose", "list every member that answered")
                .value("timeout", "how long to wait for acks (default 5s)").parse(args);
        AdminClient c = client(f, "Error getting members");
        String path = "/v1/reachability" + (f.has("timeout") ? "?timeout=" + enc(f.get("timeout", "")) : "");
        List<?> members = (List<?>) c.get("/v1/members");
        long live = members.stream().map(m -> ((Map<?, ?>) m).get("status"))
                .filter("alive"::equals).count();
        out.println("Total members: " + members.size() + ", live members: " + live);
        out.println("Starting reachability test...");
        out.flush();
        Map<?, ?> r = (Map<?, ?>) c.get(path);
        List<?> answered = (List<?>) r.get("answered");
        List<?> silent = (List<?>) r.get("silent");
        if (f.on("verbose")) {
            for (Object a : answered) {
                out.println("\tAck from '" + a + "'");
            }
        }
        if (f.on("verbose")) {
            out.printf("Query time: %.2f sec%n", ((Number) r.get("seconds")).doubleValue());
        }
        if (silent.isEmpty()) {
            out.println("Successfully contacted all live nodes");
            return 0;
        }
        out.println("Received less acks than live nodes! Missing acks from:");
        for (Object s : silent) {
            out.println("\t" + s);
        }
        out.println("This could mean Grapevine gossip packets are being lost due to a misconfiguration or network"
                + " issue.");
        out.println(TROUBLESHOOTING);
        return 1;
    }

    // ------------------------------------------------------------------------------------------------
    // monitor, info

    private int monitor(List<String> args) {
        GoFlags f = flags("monitor").value("log-level", "the lowest level shown: trace, debug, info (default), warn, err")
                .parse(args);
        String level = f.get("log-level", "info");
        try {
            dev.grapevine.roles.LogLevel.parse(level);
        } catch (IllegalArgumentException e) {
            throw new CliException(1, "Error: -log-level " + e.getMessage());
        }
        client(f, "Error starting monitor").stream("GET", "/v1/monitor?log-level=" + enc(level), null, () -> { },
                line -> {
            Map<?, ?> m = object(line);
            Object type = m.get("type");
            if ("start".equals(type)) {
                if (m.get("note") != null) {
                    out.println("(" + m.get("note") + ")");
                }
            } else if (m.get("line") != null) {
                out.println(m.get("line"));
            }
            out.flush();
        });
        out.println("");
        out.println("Remote side ended the monitor! This usually means that the remote side has exited or crashed.");
        return 1;
    }

    private int info(List<String> args) {
        GoFlags f = flags("info").value("format", "text (default) or json").parse(args);
        String format = f.get("format", "text");
        checkFormat(format);
        Map<?, ?> stats = (Map<?, ?>) client(f, "Error querying agent").get("/v1/stats");
        Map<String, Map<String, String>> sections = new TreeMap<>();
        for (Map.Entry<?, ?> s : stats.entrySet()) {
            Map<String, String> values = new TreeMap<>();
            ((Map<?, ?>) s.getValue()).forEach((k, v) -> values.put(String.valueOf(k), String.valueOf(v)));
            sections.put(String.valueOf(s.getKey()), values);
        }
        if (format.equals("json")) {
            out.println(Output.json(sections));
            return 0;
        }
        StringBuilder sb = new StringBuilder();
        sections.forEach((section, values) -> {
            sb.append(section).append(":\n");
            values.forEach((k, v) -> sb.append('\t').append(k).append(" = ").append(v).append('\n'));
        });
        out.print(sb);
        return 0;
    }
}
