package dev.grapevine.handlers;

import dev.grapevine.KeyResult;
import dev.grapevine.roles.Launch;
import dev.grapevine.roles.NodeLauncher;
import dev.grapevine.security.Keyring;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static dev.grapevine.handlers.Dump.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One Serf agent configuration directory, written as Serf's documentation shows one, given to the real
 * {@code serf agent} and to a Grapevine node: both start from it with the same tags, and a key rotation on each
 * leaves the same bytes in its keyring file. Serf on 127.0.8.220 (gossip 17946, RPC 17373), Grapevine on
 * 127.0.8.230; the two do not join each other (Serf's wire protocol is issue 16). Skipped when no {@code serf}
 * binary is on the PATH (CI installs it).
 */
class SerfConfigConformanceTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String K1 = Keyring.generateKeyBase64();
    private static final String K2 = Keyring.generateKeyBase64();
    private static final String K3 = Keyring.generateKeyBase64();

    private final List<Process> serfs = new ArrayList<>();
    private Launch grapevine;

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws Exception {
        for (Process p : serfs) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (grapevine != null) {
            grapevine.close();
        }
    }

    @Test
    void serfAndGrapevineStartFromOneConfigDirectoryAndWriteTheSameKeyringFile() throws Exception {
        String serf = serfBinary();
        assumeTrue(serf != null, "serf is not installed (apt-get install serf); skipping the Serf conformance test");
        Path serfDir = config("serf", "s1", "127.0.8.220:17946", "{\"rpc_addr\": \"127.0.8.220:17373\"}");
        Path ourDir = config("grapevine", "g1", "127.0.8.230:17946", null);

        Path serfLog = dir.resolve("serf.log");
        serfs.add(new ProcessBuilder(serf, "agent", "-config-dir=" + serfDir).redirectErrorStream(true)
                .redirectOutput(serfLog.toFile()).start());
        grapevine = NodeLauncher.launch(new String[]{"--config-dir", ourDir.toString()}, Map.of(), HandlerFlags.FLAGS);
        HandlerFlags.start(grapevine);

        assertTrue(await(() -> read(serfLog).contains("Serf agent running"), WAIT),
                () -> "serf takes the directory: " + read(serfLog));
        String members = cli(serf, "members", "-format=json");
        String compact = members.replaceAll("\\s", "");
        assertTrue(compact.contains("\"name\":\"s1\"") && compact.contains("\"tags\":{\"role\":\"app\",\"zone\":\"east\"}")
                && compact.contains("\"status\":\"alive\""), members);
        assertEquals(Map.of("role", "app", "zone", "east"), grapevine.node().localMember().tags(),
                "Grapevine reads the same tags");

        Path serfKeys = serfDir.getParent().resolve("serf.keyring");
        Path ourKeys = ourDir.getParent().resolve("grapevine.keyring");
        assertEquals(read(serfKeys), read(ourKeys), "the same keyring file to start with");
        rotate(serf, "-install=" + K2, n -> n.installKey(K2), serfKeys, ourKeys);
        rotate(serf, "-install=" + K3, n -> n.installKey(K3), serfKeys, ourKeys);
        rotate(serf, "-use=" + K3, n -> n.useKey(K3), serfKeys, ourKeys);
        rotate(serf, "-remove=" + K1, n -> n.removeKey(K1), serfKeys, ourKeys);
        assertEquals("[\n  \"" + K3 + "\",\n  \"" + K2 + "\"\n]", read(ourKeys));
    }

    /** One key operation on each; then both keyring files must hold the same bytes. */
    private void rotate(String serf, String serfFlag,
                        Function<dev.grapevine.GossipNode, java.util.concurrent.CompletableFuture<KeyResult>> ours,
                        Path serfKeys, Path ourKeys) throws Exception {
        String before = read(serfKeys);
        cli(serf, "keys", serfFlag);
        KeyResult r = ours.apply(grapevine.node()).get(30, TimeUnit.SECONDS);
        assertTrue(r.complete(), r.toString());
        assertTrue(await(() -> !read(serfKeys).equals(before) && read(ourKeys).equals(read(serfKeys)), WAIT),
                () -> serfFlag + ": Serf wrote\n" + read(serfKeys) + "\nGrapevine wrote\n" + read(ourKeys));
    }

    /**
     * {@code <dir>/<system>.d}: the files both systems share (the agent's settings, tags, a handler) and the
     * system's own node file; the keyring file beside it, in Serf's format.
     */
    private Path config(String system, String name, String bind, String extra) throws Exception {
        Path d = Files.createDirectory(dir.resolve(system + ".d"));
        Path keyring = dir.resolve(system + ".keyring");
        Files.writeString(keyring, "[\n  \"" + K1 + "\"\n]");
        Files.writeString(d.resolve("00-node.json"), "{\n  \"node_name\": \"" + name + "\",\n  \"bind\": \"" + bind
                + "\",\n  \"keyring_file\": \"" + keyring + "\",\n  \"snapshot_path\": \""
                + dir.resolve(system + ".snapshot") + "\"\n}\n");
        Files.writeString(d.resolve("10-agent.json"), """
                {
                  "log_level": "info",
                  "profile": "lan",
                  "leave_on_terminate": true,
                  "skip_leave_on_interrupt": false,
                  "rejoin_after_leave": true,
                  "retry_interval": "5s",
                  "retry_max_attempts": 3,
                  "reconnect_interval": "30s",
                  "reconnect_timeout": "24h",
                  "tombstone_timeout": "24h",
                  "query_response_size_limit": 1024,
                  "query_size_limit": 1024,
                  "user_event_size_limit": 512
                }
                """);
        Files.writeString(d.resolve("20-tags.json"), "{\"tags\": {\"role\": \"app\", \"zone\": \"east\"}}");
        Files.writeString(d.resolve("30-handlers.json"), "{\"event_handlers\": [\"user:deploy=/bin/true\"]}");
        if (extra != null) {
            Files.writeString(d.resolve("40-own.json"), extra);
        }
        return d;
    }

    private String cli(String serf, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(serf, args[0], "-rpc-addr=127.0.8.220:17373"));
        cmd.addAll(Arrays.asList(args).subList(1, args.length));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "serf " + args[0] + " finished");
        assertEquals(0, p.exitValue(), () -> "serf " + String.join(" ", args) + ": " + out);
        return out;
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

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
