package dev.grapevine.roles.admin;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import dev.grapevine.MemberStatus;
import dev.grapevine.roles.cli.Grapevine;
import dev.grapevine.security.Keyring;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code grapevine} command against a live three-node cluster on loopback (127.0.25.x): every subcommand's
 * output and exit status, a streamed query, a key rotation, and the failures (unreachable node, refused token,
 * bad flag) each as one line with status 1.
 */
class GrapevineCliTest {

    private static final String TOKEN = "cli-test-token-0123456789";
    private static final String KEY = Keyring.generateKeyBase64();
    private static Cluster cluster;
    private static List<GossipNode> nodes;
    private static AdminServer admin;
    private static final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        cluster = new Cluster(new Cluster.Addresses("127.0.25.", 1, 60));
        List<GossipNode> started = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            started.add(cluster.start("g" + i, Map.of("role", i == 0 ? "front" : "app"), b -> b
                    .keyring(Keyring.ofBase64(KEY))
                    .listener(e -> {
                        if (e instanceof ClusterEvent.UserEvent u) {
                            events.add("g" + n + ":" + u.name() + ":" + new String(u.payload(), StandardCharsets.UTF_8));
                        } else if (e instanceof ClusterEvent.Query q && q.name().equals("uptime")) {
                            q.respond(("up on g" + n + "\n").getBytes(StandardCharsets.UTF_8));
                        } else if (e instanceof ClusterEvent.Query q && q.name().equals("slow") && n > 0) {
                            // g1 answers at once, g2 after 1.5 s
                            Thread t = new Thread(() -> {
                                try {
                                    Thread.sleep(n == 2 ? 1500 : 0);
                                } catch (InterruptedException x) {
                                    return;
                                }
                                q.respond(("slow g" + n).getBytes(StandardCharsets.UTF_8));
                            }, "slow-answer");
                            t.setDaemon(true);
                            t.start();
                        }
                    })));
        }
        nodes = started;
        Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> n.liveMembers().size() == 3), "3 members everywhere");
        admin = cluster.own(AdminServer.builder(nodes.get(0)).bind(cluster.adminAddress())
                .token(AdminToken.of(TOKEN)).start());
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /** One run of the command: its status and what it printed. */
    record Run(int status, String out, String err) {
    }

    private static Run run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Grapevine.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A command against the guarded node, its token in the environment. */
    private static Run cli(String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("GRAPEVINE_ADMIN", address(admin));
        env.put("GRAPEVINE_ADMIN_TOKEN", TOKEN);
        return run(env, args);
    }

    private static String address(AdminServer a) {
        return a.address().getAddress().getHostAddress() + ":" + a.address().getPort();
    }

    private static void ok(Run r) {
        assertEquals(0, r.status(), "status; out: " + r.out() + " err: " + r.err());
    }

    private static void failsInOneLine(Run r, String contains) {
        assertEquals(1, r.status(), r.out() + r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), "one line: " + r.err());
        assertTrue(lines.get(0).contains(contains), lines.get(0));
    }

    @Test
    void membersAsSerfPrintsThem() {
        Run r = cli("members");
        ok(r);
        // The three nodes of the class (other tests' nodes come and go, and are pruned when they go).
        List<String> lines = r.out().lines().filter(l -> l.matches("g[0-2] .*")).toList();
        assertEquals(3, lines.size(), r.out());
        Pattern row = Pattern.compile("g[0-2] {2,}127\\.0\\.25\\.\\d+:17946 {2,}alive {2,}role=(front|app)");
        for (String l : lines) {
            assertTrue(row.matcher(l).matches(), "a Serf-style row: '" + l + "'");
        }
        // Columns line up: the address starts at the same place on every line.
        assertEquals(1, lines.stream().map(l -> l.indexOf("127.")).distinct().count(), r.out());

        Run apps = cli("members", "-tag", "role=ap.*", "-name", "g.");
        ok(apps);
        assertEquals(2, apps.out().lines().count(), apps.out());
        Run front = cli("members", "-tag=role=front", "-status", "alive");
        assertEquals(List.of("g0"), front.out().lines().map(l -> l.split(" ")[0]).toList());
        assertEquals("", cli("members", "-status", "failed", "-name", "g[0-2]").out());

        Run json = cli("members", "-format", "json", "-name", "g1");
        ok(json);
        assertTrue(json.out().startsWith("{\n  \"members\": [\n    {\n      \"name\": \"g1\",\n"), json.out());
        assertTrue(json.out().contains("\"status\": \"alive\""), json.out());
        assertTrue(json.out().contains("\"tags\": {\n        \"role\": \"app\"\n      }"), json.out());
    }

    @Test
    void eventIsDispatchedAndDelivered() throws Exception {
        Run r = cli("event", "deploy", "v42");
        ok(r);
        assertEquals("Event 'deploy' dispatched! Coalescing enabled: true\n", r.out());
        Cluster.awaitTrue(() -> events.containsAll(List.of("g0:deploy:v42", "g1:deploy:v42", "g2:deploy:v42")),
                "delivered everywhere: " + events);
        Run nc = cli("event", "-coalesce=false", "restart");
        ok(nc);
        assertEquals("Event 'restart' dispatched! Coalescing enabled: false\n", nc.out());
        failsInOneLine(cli("event"), "an event name must be specified");
    }

    @Test
    void queryPrintsAcksAndAnswersAsTheyArrive() {
        Run r = cli("query", "-timeout", "2s", "uptime", "now?");
        ok(r);
        List<String> lines = r.out().lines().toList();
        assertEquals("Query 'uptime' dispatched", lines.get(0));
        assertEquals(3, lines.stream().filter(l -> l.matches("Ack from 'g[0-2]'")).count(), r.out());
        List<String> answers = lines.stream().filter(l -> l.startsWith("Response from")).sorted().toList();
        assertEquals(List.of("Response from 'g0': up on g0", "Response from 'g1': up on g1",
                "Response from 'g2': up on g2"), answers, "trailing newline dropped, as Serf does");
        assertEquals(List.of("Total Acks: 3", "Total Responses: 3"), lines.subList(lines.size() - 2, lines.size()));

        Run filtered = cli("query", "-node", "g2", "-no-ack", "-timeout", "1s", "uptime");
        ok(filtered);
        assertEquals(List.of("Query 'uptime' dispatched", "Response from 'g2': up on g2", "Total Responses: 1"),
                filtered.out().lines().toList());

        Run json = cli("query", "-format", "json", "-tag", "role=front", "-timeout", "1s", "uptime");
        ok(json);
        assertTrue(json.out().contains("\"Acks\": [\n    \"g0\"\n  ]"), json.out());
        assertTrue(json.out().contains("\"g0\": \"up on g0\\n\""), json.out());
        failsInOneLine(cli("query", "-relay-factor", "256", "uptime"), "relay factor must be between 0 and 255");
    }

    @Test
    void queryAnswersArePrintedAsTheyArrive() {
        // Each line's arrival time on the command's standard output.
        List<String> lines = new CopyOnWriteArrayList<>();
        List<Long> times = new CopyOnWriteArrayList<>();
        java.io.OutputStream timed = new java.io.OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) {
                if (b == '\n') {
                    lines.add(line.toString(StandardCharsets.UTF_8));
                    times.add(System.nanoTime());
                    line.reset();
                } else {
                    line.write(b);
                }
            }
        };
        Map<String, String> env = Map.of("GRAPEVINE_ADMIN", address(admin), "GRAPEVINE_ADMIN_TOKEN", TOKEN);
        int status = Grapevine.run(new String[]{"query", "-no-ack", "-timeout", "3s", "slow"}, env,
                new PrintStream(timed, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
        assertEquals(0, status, lines.toString());
        assertEquals(List.of("Query 'slow' dispatched", "Response from 'g1': slow g1", "Response from 'g2': slow g2",
                "Total Responses: 2"), lines);
        long g1ToG2 = (times.get(2) - times.get(1)) / 1_000_000;
        long g2ToEnd = (times.get(3) - times.get(2)) / 1_000_000;
        assertTrue(g1ToG2 >= 1000, "g1's answer printed " + g1ToG2 + " ms before g2's: as they arrive");
        assertTrue(g2ToEnd >= 500, "g2's answer printed " + g2ToEnd + " ms before the query's end");
    }

    @Test
    void keysRotateAcrossTheCluster() {
        String next = Keyring.generateKeyBase64();
        Run install = cli("keys", "-install", next);
        ok(install);
        assertEquals("==> Installing key on all members...\n==> Successfully installed key!\n", install.out());
        Run list = cli("keys", "-list");
        ok(list);
        List<String> lines = list.out().lines().toList();
        assertEquals("==> Asking all members for installed keys...", lines.get(0));
        assertEquals("==> Keys gathered, listing cluster keys...", lines.get(1));
        assertEquals("", lines.get(2));
        assertEquals(2, lines.size() - 3, list.out());
        assertTrue(lines.subList(3, 5).stream().allMatch(l -> l.contains("[3/3]")), list.out());
        assertEquals(1, lines.stream().filter(l -> l.contains("primary on 3")).count(), list.out());
        ok(cli("keys", "-use", next));
        Run removeOld = cli("keys", "-remove", KEY);
        ok(removeOld);
        assertEquals("==> Removing key on all members...\n==> Successfully removed key!\n", removeOld.out());
        Run after = cli("keys", "-list");
        assertEquals(4, after.out().lines().count(), after.out());
        // Back to the first key, for the other tests.
        ok(cli("keys", "-install", KEY));
        ok(cli("keys", "-use", KEY));
        ok(cli("keys", "-remove", next));
        failsInOneLine(cli("keys", "-list", "-install", KEY), "only one of -install, -use, -remove, or -list");
        Run noToken = run(Map.of("GRAPEVINE_ADMIN", address(admin)), "keys", "-list");
        assertEquals(1, noToken.status());
        assertTrue(noToken.err().contains("401"), noToken.err());
    }

    @Test
    void tagsJoinReachabilityAndInfo() throws Exception {
        Run tags = cli("tags", "-set", "dc=east", "-set", "rack=r1");
        ok(tags);
        assertEquals("Successfully updated agent tags\n", tags.out());
        Cluster.awaitTrue(() -> "east".equals(nodes.get(1).member("g0").orElseThrow().tag("dc")), "tag spread");
        ok(cli("tags", "-delete", "dc", "-delete", "rack"));
        Cluster.awaitTrue(() -> nodes.get(1).member("g0").orElseThrow().tag("dc") == null, "tag deleted");

        GossipNode g2 = nodes.get(2);
        Run join = cli("join", g2.advertiseAddress().getAddress().getHostAddress() + ":"
                + g2.advertiseAddress().getPort());
        ok(join);
        assertEquals("Successfully joined cluster by contacting 1 nodes.\n", join.out());
        failsInOneLine(cli("join", "127.0.25.250:17946"), "Error joining the cluster:");

        Run reach = cli("reachability", "-verbose", "-timeout", "1s");
        ok(reach);
        List<String> lines = reach.out().lines().toList();
        assertTrue(lines.get(0).matches("Total members: \\d+, live members: \\d+"), lines.get(0));
        assertEquals("Starting reachability test...", lines.get(1));
        assertTrue(lines.contains("\tAck from 'g1'"), reach.out());
        assertTrue(lines.get(lines.size() - 2).matches("Query time: \\d+\\.\\d\\d sec"), reach.out());
        assertEquals("Successfully contacted all live nodes", lines.get(lines.size() - 1));
        Run quiet = cli("reachability", "-timeout", "1s");
        ok(quiet);
        assertTrue(quiet.out().lines().noneMatch(l -> l.startsWith("Query time") || l.startsWith("\tAck")),
                "only -verbose lists acks and the time, as Serf: " + quiet.out());

        Run info = cli("info");
        ok(info);
        assertTrue(info.out().startsWith("agent:\n"), info.out());
        assertTrue(info.out().contains("\tname = g0\n"), info.out());
        assertTrue(info.out().contains("serf:\n"), info.out());
        assertTrue(info.out().contains("\tencrypted = true\n"), info.out());
        assertTrue(Pattern.compile("\tmember_time = \\d+\n").matcher(info.out()).find(), info.out());
        Run infoJson = cli("info", "-format", "json");
        ok(infoJson);
        assertTrue(infoJson.out().contains("\"agent\": {"), infoJson.out());
    }

    @Test
    void forceLeaveAndPrune() throws Exception {
        GossipNode gone = cluster.start("gone", Map.of("role", "app"), b -> b.keyring(Keyring.ofBase64(KEY)));
        Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> n.member("gone").isPresent()), "gone known");
        failsInOneLine(cli("force-leave", "gone"), "Error force leaving:");
        gone.close();
        Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> Cluster.status(n, "gone") == MemberStatus.FAILED),
                Duration.ofSeconds(30), "gone failed everywhere");
        Run r = cli("force-leave", "gone");
        ok(r);
        assertEquals("", r.out(), "silent on success, as Serf");
        Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> Cluster.status(n, "gone") == MemberStatus.LEFT),
                "left everywhere");
        ok(cli("force-leave", "-prune", "gone"));
        Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> n.member("gone").isEmpty()), "pruned everywhere");
        Run members = cli("members");
        assertTrue(members.out().lines().noneMatch(l -> l.startsWith("gone ")), members.out());
    }

    @Test
    void monitorShowsEventsThenEndsWithTheNode() throws Exception {
        GossipNode watched = cluster.start("watched", Map.of("role", "app"), b -> b.keyring(Keyring.ofBase64(KEY)));
        AdminServer watchedAdmin = AdminServer.builder(watched).bind(cluster.adminAddress()).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        int[] status = {-1};
        Thread t = new Thread(() -> status[0] = Grapevine.run(new String[]{"monitor", "-admin", address(watchedAdmin)},
                Map.of(), ps, ps), "cli-monitor");
        t.start();
        // The monitor shows what happens from now on: a member's tag change is an event line.
        Cluster.awaitTrue(() -> watchedAdmin.openMonitors() == 1, "the monitor is open");
        nodes.get(1).updateTags(Map.of("role", "app", "seen", "yes")).get(5, TimeUnit.SECONDS);
        Cluster.awaitTrue(() -> out.toString(StandardCharsets.UTF_8).contains("[EVENT] member-update: g1"),
                "the event line: " + out);
        watchedAdmin.close();
        t.join(10_000);
        assertEquals(1, status[0], out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("Remote side ended the monitor!"));
        watched.leave().get(10, TimeUnit.SECONDS);
        watched.close();
        prune("watched");
    }

    @Test
    void failuresAreOneLineWithStatusOne() throws Exception {
        failsInOneLine(run(Map.of(), "members", "-admin", "127.0.25.254:1"), "Error connecting to the Grapevine node");
        failsInOneLine(run(Map.of("GRAPEVINE_ADMIN", address(admin)), "tags", "-set", "a=b"), "401");
        failsInOneLine(cli("event", "-token", "wrong-token-wrong-token", "x"), "the admin token is wrong");
        failsInOneLine(cli("members", "-bogus"), "flag provided but not defined: -bogus");
        failsInOneLine(cli("nosuchcommand"), "unknown command 'nosuchcommand'");
        failsInOneLine(cli("members", "-format", "yaml"), "invalid format: yaml");
        failsInOneLine(cli("tags"), "give at least one -set");
        failsInOneLine(cli("members", "-status", "("), "bad regular expression");
    }

    @Test
    void theTokenComesFromAFileToo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, TOKEN + "\n");
        Run r = run(Map.of("GRAPEVINE_ADMIN", address(admin)), "event", "-token-file", file.toString(), "fromfile");
        ok(r);
        Run env = run(Map.of("GRAPEVINE_ADMIN", address(admin), "GRAPEVINE_ADMIN_TOKEN_FILE", file.toString()),
                "keys", "-list");
        ok(env);
        Run both = run(Map.of("GRAPEVINE_ADMIN", address(admin)), "event", "-token", TOKEN, "-token-file",
                file.toString(), "x");
        assertEquals(1, both.status());
    }

    /**
     * {@code grapevine agent} in its own process (the launcher), driven by the command: members lists it, and
     * {@code leave} makes it leave and exit with status 0.
     */
    @Test
    void agentRunsANodeThatLeaveStops(@TempDir Path dir) throws Exception {
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Grapevine.class.getName(), "agent", "--name", "agent1", "--bind", "127.0.25.200:17946",
                "--admin", "127.0.25.200:17980", "--admin-token-file", tokenFile.toString(),
                "--key", KEY, "--join", nodes.get(0).advertiseAddress().getAddress().getHostAddress() + ":17946");
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile());
        Process p = pb.start();
        try {
            Cluster.awaitTrue(() -> nodes.get(1).member("agent1").map(m -> m.status() == MemberStatus.ALIVE)
                    .orElse(false), Duration.ofSeconds(30), "agent1 joined: " + log(dir));
            Map<String, String> env = Map.of("GRAPEVINE_ADMIN", "127.0.25.200:17980", "GRAPEVINE_ADMIN_TOKEN_FILE",
                    tokenFile.toString());
            Run members = run(env, "members");
            ok(members);
            for (String name : List.of("agent1", "g0", "g1", "g2")) {
                assertTrue(members.out().lines().anyMatch(l -> l.matches(name + " +127\\.0\\.25\\.\\d+:17946 +alive.*")),
                        name + " alive in: " + members.out());
            }
            Run leave = run(env, "leave");
            ok(leave);
            assertEquals("Graceful leave complete\n", leave.out());
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the agent exits after the leave: " + log(dir));
            assertEquals(0, p.exitValue(), log(dir));
            Cluster.awaitTrue(() -> Cluster.status(nodes.get(1), "agent1") == MemberStatus.LEFT, "agent1 left");
            prune("agent1");
        } finally {
            p.destroyForcibly();
        }
    }

    /** Removes a node another test stopped from every member, so the next tests see only g0, g1 and g2. */
    private static void prune(String name) throws Exception {
        Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> Cluster.status(n, name) == MemberStatus.LEFT
                || Cluster.status(n, name) == MemberStatus.FAILED || n.member(name).isEmpty()), name + " gone");
        if (nodes.get(0).member(name).isPresent()) {
            nodes.get(0).forceLeave(name, true).get(10, TimeUnit.SECONDS);
        }
        Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> n.member(name).isEmpty()), name + " pruned");
    }

    private static String log(Path dir) {
        try {
            File f = dir.resolve("agent.log").toFile();
            return f.exists() ? Files.readString(f.toPath()) : "";
        } catch (Exception e) {
            return e.toString();
        }
    }
}
