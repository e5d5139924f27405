package dev.grapevine.handlers;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.QueryOptions;
import dev.grapevine.QueryResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.grapevine.handlers.Dump.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The same bash script under the real Serf agent and under Grapevine, driven through the same events: what
 * the script sees (its SERF_ environment and its stdin) and what the asker of a query gets back must be the
 * same. Only what differs by nature is normalised: addresses (each cluster has its own), Lamport times, and
 * the order of tags and of members within a batch (Go's map order is random).
 *
 * <p>Serf on 127.0.8.200-201 (gossip port 17946, RPC 17373: not Serf's defaults, which a packaged serf
 * service may hold), Grapevine on 127.0.8.210-211. Skipped when no {@code serf} binary is on the PATH (CI
 * installs it).
 */
class SerfConformanceTest {

    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final int GOSSIP_PORT = 17946;
    private static final int RPC_PORT = 17373;
    private static final Map<String, String> S1_TAGS = Map.of("role", "web", "x-y.z", "1", "straße", "ß");

    private final List<Process> serfs = new ArrayList<>();
    private final List<AutoCloseable> ours = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws Exception {
        for (Process p : serfs) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (int i = ours.size() - 1; i >= 0; i--) {
            ours.get(i).close();
        }
    }

    private static String serfBinary() {
        for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(p, "serf");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    private void agent(String serf, String name, String ip, Map<String, String> tags, String... more)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(serf, "agent", "-node=" + name, "-bind=" + ip + ":" + GOSSIP_PORT,
                "-rpc-addr=" + ip + ":" + RPC_PORT, "-log-level=debug"));
        tags.forEach((k, v) -> cmd.add("-tag=" + k + "=" + v));
        cmd.addAll(Arrays.asList(more));
        serfs.add(new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start());
    }

    /** Runs a serf CLI command against an agent's RPC address; returns its stdout. */
    private String cli(String serf, String ip, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(serf, args[0], "-rpc-addr=" + ip + ":" + RPC_PORT));
        cmd.addAll(Arrays.asList(args).subList(1, args.length));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "serf " + args[0] + " finished");
        assertEquals(0, p.exitValue(), () -> "serf " + String.join(" ", args) + ": " + out);
        return out;
    }

    /**
     * What the script saw, normalised: per event type, the environments (Lamport times blanked) and the stdin
     * (member lines with the address blanked and tags sorted, pooled over all runs of that type and sorted).
     */
    private static Map<String, String> seen(Dump dump) {
        Map<String, List<Dump.Run>> byType = dump.runs().stream()
                .collect(Collectors.groupingBy(Dump.Run::event, TreeMap::new, Collectors.toList()));
        Map<String, String> out = new TreeMap<>();
        byType.forEach((type, runs) -> {
            TreeSet<String> envs = new TreeSet<>();
            List<String> stdin = new ArrayList<>();
            for (Dump.Run r : runs) {
                Map<String, String> env = new TreeMap<>(r.env());
                env.replaceAll((k, v) -> k.endsWith("_LTIME") ? "<ltime>" : v);
                envs.add(env.toString());
                if (type.startsWith("member-")) {
                    r.stdin().lines().map(SerfConformanceTest::memberLine).forEach(stdin::add);
                } else {
                    stdin.add(r.stdin());
                }
            }
            stdin.sort(null);
            out.put(type, "env " + envs + "\nstdin " + stdin);
        });
        return out;
    }

    private static String memberLine(String line) {
        String[] f = line.split("\t", -1);
        String tags = Arrays.stream(f[3].split(",")).sorted().collect(Collectors.joining(","));
        return f[0] + "\t<addr>\t" + f[2] + "\t" + tags;
    }

    private static long lines(Dump dump, String type) {
        return dump.runs(type).stream().mapToLong(r -> r.stdin().lines().count()).sum();
    }

    @Test
    void theSameScriptSeesTheSameUnderSerfAndGrapevine() throws Exception {
        String serf = serfBinary();
        assumeTrue(serf != null, "serf is not installed (apt-get install serf); CI installs it");
        Dump serfDump = Dump.create(Files.createDirectory(dir.resolve("serf")));
        Dump ourDump = Dump.create(Files.createDirectory(dir.resolve("grapevine")));

        agent(serf, "s1", "127.0.8.200", S1_TAGS, "-event-handler=" + serfDump.script());
        EventDispatcher handlers = EventDispatcher.builder().script(ourDump.script().toString()).build();
        GossipNode g1 = Nodes.start("s1", "127.0.8.210", S1_TAGS, GossipConfig.local(), handlers, ours);
        assertTrue(await(() -> lines(serfDump, "member-join") == 1, WAIT), "serf s1 is up");
        agent(serf, "s2", "127.0.8.201", Map.of("role", "db"), "-join=127.0.8.200:" + GOSSIP_PORT);
        GossipNode g2 = Nodes.start("s2", "127.0.8.211", Map.of("role", "db"), GossipConfig.local(), null, ours);
        g2.join(List.of(g1.advertiseAddress())).get(20, TimeUnit.SECONDS);
        assertTrue(await(() -> lines(serfDump, "member-join") == 2 && lines(ourDump, "member-join") == 2, WAIT),
                () -> "joins: serf " + serfDump.runs() + " grapevine " + ourDump.runs());

        cli(serf, "127.0.8.201", "event", "deploy", "v1.2");
        g2.sendEvent("deploy", "v1.2".getBytes(StandardCharsets.UTF_8), false);
        assertTrue(await(() -> serfDump.runs("user").size() == 1 && ourDump.runs("user").size() == 1, WAIT));

        String serfAnswer = cli(serf, "127.0.8.201", "query", "-format=json", "-no-ack", "-timeout=5s", "load", "qp");
        QueryResult ourAnswer = g2.query("load", "qp".getBytes(StandardCharsets.UTF_8),
                QueryOptions.defaults().timeout(Duration.ofSeconds(5))).result().get(20, TimeUnit.SECONDS);
        String expected = "answer from s1 to load\nto stderr\n";
        assertTrue(serfAnswer.contains("\"s1\": \"" + expected.replace("\n", "\\n") + "\""), serfAnswer);
        assertEquals(1, ourAnswer.responses().size());
        assertEquals(expected, new String(ourAnswer.responses().get(0).payload(), StandardCharsets.UTF_8));

        cli(serf, "127.0.8.201", "tags", "-set", "a=b");
        g2.updateTags(Map.of("role", "db", "a", "b")).get(10, TimeUnit.SECONDS);
        assertTrue(await(() -> lines(serfDump, "member-update") == 1 && lines(ourDump, "member-update") == 1, WAIT));

        cli(serf, "127.0.8.201", "leave");
        g2.leave().get(20, TimeUnit.SECONDS);
        g2.close();
        assertTrue(await(() -> lines(serfDump, "member-leave") == 1 && lines(ourDump, "member-leave") == 1, WAIT));

        Map<String, String> fromSerf = seen(serfDump);
        assertEquals(List.of("member-join", "member-leave", "member-update", "query", "user"),
                List.copyOf(fromSerf.keySet()));
        assertEquals(fromSerf, seen(ourDump));
    }
}
