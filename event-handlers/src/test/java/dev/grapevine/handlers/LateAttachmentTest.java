package dev.grapevine.handlers;

import dev.grapevine.roles.Launch;
import dev.grapevine.roles.NodeLauncher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.grapevine.handlers.Dump.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nothing is lost between a node becoming reachable and its handlers being attached: a seed and 20 joiners
 * start at the same instant (real nodes on 127.0.16.x), every joiner joins the seed, and only once the seed
 * knows all 21 are its handler flags started, as a launched process starts them after its role. The seed's
 * Serf-style event script (it appends {@code $SERF_EVENT} and its stdin lines) still gets a member-join for
 * itself first and for each of the other 20, once; its rendered template lists all 21.
 */
class LateAttachmentTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int JOINERS = 20;

    @Test
    void aSeedsScriptAndTemplateAttachedAfterTwentyJoinsSeeAllTwentyOne(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("handler.sh");
        Path seen = dir.resolve("seen.txt");
        Files.writeString(script, "#!/bin/sh\necho \"event $SERF_EVENT\" >> \"$1\"\ncat >> \"$1\"\n");
        Path template = dir.resolve("names.tmpl");
        Files.writeString(template, "<#list members as m><#if m.up>${m.name}\n</#if></#list>");
        Path rendered = dir.resolve("names.txt");
        List<Launch> all = new ArrayList<>();
        ExecutorService starter = Executors.newFixedThreadPool(JOINERS + 1);
        try {
            List<Future<Launch>> starts = new ArrayList<>();
            starts.add(starter.submit(() -> NodeLauncher.launch(new String[]{"--name", "seed",
                    "--bind", "127.0.16.1:7946", "--profile", "local",
                    "--event-handler", "member-join=/bin/sh " + script + " " + seen,
                    "--template", template + ":" + rendered, "--template-wait", "50ms:200ms"},
                    Map.of(), HandlerFlags.FLAGS)));
            for (int i = 1; i <= JOINERS; i++) {
                String[] args = {"--name", "joiner" + i, "--bind", "127.0.16." + (i + 1) + ":7946",
                        "--profile", "local", "--join", "127.0.16.1:7946"};
                starts.add(starter.submit(() -> NodeLauncher.launch(args, Map.of(), HandlerFlags.FLAGS)));
            }
            for (Future<Launch> f : starts) {
                all.add(f.get());
            }
            Launch seed = all.get(0);
            assertTrue(await(() -> seed.node().liveMembers().size() == JOINERS + 1, WAIT),
                    () -> "the seed knows all: " + seed.node().liveMembers().size());

            HandlerFlags.start(seed); // attached only now

            Set<String> expected = new HashSet<>();
            expected.add("seed");
            for (int i = 1; i <= JOINERS; i++) {
                expected.add("joiner" + i);
            }
            assertTrue(await(() -> names(read(seen)).containsAll(expected), WAIT),
                    () -> "the script saw joins of: " + names(read(seen)));
            assertTrue(await(() -> new HashSet<>(read(rendered).lines().toList()).equals(expected), WAIT),
                    () -> "the template lists: " + read(rendered));
            Thread.sleep(500); // nothing more comes in
            List<String> joinLines = read(seen).lines().filter(l -> !l.startsWith("event ")).toList();
            assertEquals(JOINERS + 1, joinLines.size(), "one member-join each: " + joinLines);
            assertTrue(joinLines.get(0).startsWith("seed\t"), "its own first: " + joinLines.get(0));
            assertTrue(read(seen).lines().filter(l -> l.startsWith("event ")).allMatch("event member-join"::equals));
        } finally {
            all.parallelStream().forEach(Launch::close); // each leaves: in parallel
            starter.shutdownNow();
        }
    }

    /** The member names of a Serf member-event stdin ("name\taddress\trole\ttags" lines). */
    private static Set<String> names(String seen) {
        Set<String> out = new HashSet<>();
        for (String line : seen.lines().toList()) {
            if (!line.startsWith("event ") && line.contains("\t")) {
                out.add(line.substring(0, line.indexOf('\t')));
            }
        }
        return out;
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
