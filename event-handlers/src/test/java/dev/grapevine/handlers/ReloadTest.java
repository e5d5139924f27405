package dev.grapevine.handlers;

import dev.grapevine.Member;
import dev.grapevine.roles.Launch;
import dev.grapevine.roles.NodeLauncher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.grapevine.handlers.Dump.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload (what SIGHUP does) of a node started from a Serf configuration directory, on real nodes on
 * 127.0.17.x: the new event handlers take the events from then on, an unchanged one runs on without losing or
 * repeating one, the tags change on every member, a changed template is rendered again; a configuration that
 * no longer parses and a template that no longer loads are reported and the running ones kept; the node never
 * leaves the cluster meanwhile.
 */
class ReloadTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aReloadSwapsHandlersTagsAndTemplatesAndKeepsWhatNoLongerParses(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("h.sh");
        Path out = dir.resolve("out.txt");
        Files.writeString(script, "#!/bin/sh\necho \"$1 $(cat)\" >> \"$2\"\n");
        Path conf = Files.createDirectory(dir.resolve("serf.d"));
        Path template = dir.resolve("names.tmpl");
        Path rendered = dir.resolve("names.txt");
        Files.writeString(template, "<#list members as m><#if m.up>${m.name}\n</#if></#list>");
        writeConfig(conf, "a", List.of("A", "C"), Map.of());
        List<Launch> launches = new ArrayList<>();
        try {
            Launch r1 = NodeLauncher.launch(new String[]{"--config-dir", conf.toString(),
                    "--template", template + ":" + rendered, "--template-wait", "50ms:200ms"}, Map.of(),
                    HandlerFlags.FLAGS);
            launches.add(r1);
            HandlerFlags.start(r1);
            Launch r2 = NodeLauncher.launch(new String[]{"--name", "r2", "--bind", "127.0.17.2:7946",
                    "--profile", "local", "--join", "127.0.17.1:7946"}, Map.of(), List.of());
            launches.add(r2);
            List<String> seenByR2 = new java.util.concurrent.CopyOnWriteArrayList<>();
            r2.node().addListener(e -> seenByR2.add(NodeLauncherVerbs.of(e)));
            assertTrue(await(() -> read(rendered).equals("r1\nr2\n"), WAIT), () -> "rendered: " + read(rendered));

            r2.node().sendEvent("deploy", bytes("one"), false);
            assertTrue(await(() -> lines(out).containsAll(List.of("A one", "C one")), WAIT), () -> read(out));

            writeConfig(conf, "b", List.of("C", "B"), Map.of("rack", "r9"));
            Files.writeString(template, "<#list members as m><#if m.up>v2 ${m.name}\n</#if></#list>");
            assertTrue(r1.reload(), "the new configuration is taken");
            assertTrue(await(() -> tags(r2, "r1").equals(Map.of("zone", "b", "rack", "r9")), WAIT),
                    () -> "r2 sees r1's new tags: " + tags(r2, "r1"));
            assertTrue(await(() -> read(rendered).equals("v2 r1\nv2 r2\n"), WAIT), () -> read(rendered));

            r2.node().sendEvent("deploy", bytes("two"), false);
            assertTrue(await(() -> lines(out).containsAll(List.of("B two", "C two")), WAIT), () -> read(out));

            Files.writeString(conf.resolve("20-node.json"), "{\"tags\": "); // no longer parses
            assertFalse(r1.reload(), "a configuration that no longer parses is refused");
            writeConfig(conf, "b", List.of("C", "B"), Map.of("rack", "r9"));
            Files.writeString(template, "<#list members as m>${m.name"); // no longer loads
            assertTrue(r1.reload(), "the configuration parses; the template is reported");

            r2.node().sendEvent("deploy", bytes("three"), false);
            assertTrue(await(() -> lines(out).containsAll(List.of("B three", "C three")), WAIT), () -> read(out));
            r2.close(); // the old template's watcher still follows the membership
            assertTrue(await(() -> read(rendered).equals("v2 r1\n"), WAIT), () -> read(rendered));

            Thread.sleep(300); // nothing late arrives
            List<String> got = lines(out);
            assertEquals(List.of("A one", "C one", "C two", "B two", "C three", "B three").stream().sorted().toList(),
                    got.stream().sorted().toList(), "each handler ran once per event, A no more after the reload");
            assertFalse(seenByR2.stream().anyMatch(v -> v.equals("r1 failed") || v.equals("r1 left")),
                    () -> "r1 stayed in the cluster: " + seenByR2);
        } finally {
            launches.forEach(Launch::close);
        }
    }

    /** Writes a Serf agent configuration in two files, as a config directory holds it. */
    private static void writeConfig(Path conf, String zone, List<String> handlers, Map<String, String> moreTags)
            throws Exception {
        Files.writeString(conf.resolve("10-agent.json"), "{\"node_name\": \"r1\", \"bind\": \"127.0.17.1:7946\","
                + " \"profile\": \"local\"}");
        StringBuilder tags = new StringBuilder("\"zone\": \"" + zone + "\"");
        moreTags.forEach((k, v) -> tags.append(", \"").append(k).append("\": \"").append(v).append('"'));
        StringBuilder hs = new StringBuilder();
        Path dir = conf.getParent();
        for (String h : handlers) {
            hs.append(hs.length() == 0 ? "" : ", ").append("\"user:deploy=/bin/sh ").append(dir.resolve("h.sh"))
                    .append(' ').append(h).append(' ').append(dir.resolve("out.txt")).append('"');
        }
        Files.writeString(conf.resolve("20-node.json"), "{\"tags\": {" + tags + "}, \"event_handlers\": [" + hs
                + "]}");
    }

    private static Map<String, String> tags(Launch from, String name) {
        return from.node().members().stream().filter(m -> m.name().equals(name)).findFirst().map(Member::tags)
                .orElse(Map.of());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> lines(Path p) {
        return read(p).lines().toList();
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** "name verb" of a member event, for the record of what r2 saw. */
    private static final class NodeLauncherVerbs {
        static String of(dev.grapevine.ClusterEvent e) {
            if (e instanceof dev.grapevine.ClusterEvent.MemberFailed f) {
                return f.member().name() + " failed";
            }
            if (e instanceof dev.grapevine.ClusterEvent.MemberLeft l) {
                return l.member().name() + " left";
            }
            return e.getClass().getSimpleName();
        }
    }
}
