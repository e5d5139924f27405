package dev.grapevine.samples.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.grapevine.samples.proxy.Topology.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The signals of a packaged app server started from a Serf agent configuration directory, as Serf's agent
 * takes them (real processes on 127.0.18.N): SIGHUP reloads the event handlers, the tags and the log level
 * without leaving the cluster, and a configuration that no longer parses is reported and the running one
 * kept; SIGTERM leaves gracefully (exit 0) unless {@code leave_on_terminate} is false, where the process stops
 * at once (exit 1, Serf's) and its peers find it failed.
 */
class SignalsIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void hupReloadsHandlersTagsAndLogLevelAndTermLeavesAsConfigured(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("h.sh");
        Path out = dir.resolve("out.txt");
        Files.writeString(script, "#!/bin/sh\necho \"$1 $(cat)\" >> \"$2\"\n");
        Path conf = Files.createDirectory(dir.resolve("serf.d"));
        Path other = Files.createDirectory(dir.resolve("other.d"));
        Files.writeString(other.resolve("agent.json"), "{\"leave_on_terminate\": false}");
        config(conf, "info", "A", "a", script, out);
        Topology.run(dir, List.of("appserver"), t -> {
            t.startSeed("app1", "appserver", "127.0.18.1", "--config-dir", conf.toString(),
                    "--http", "127.0.18.1:8080");
            t.start("app2", "appserver", "127.0.18.2", "--join", "127.0.18.1:7946", "--http", "127.0.18.2:8080");
            assertTrue(until(() -> "alive".equals(t.members("app2").get("app1")), WAIT), "app2 sees app1");

            event(t, "one");
            assertTrue(until(() -> read(out).contains("A one"), WAIT), () -> "handler A ran: " + read(out));
            assertFalse(t.log("app1").contains("[DEBUG]"), "at info, no debug line");

            config(conf, "debug", "B", "b", script, out);
            t.signal("app1", "HUP");
            assertTrue(until(() -> t.log("app1").contains("app1: configuration reloaded"), WAIT), "reloaded");
            assertTrue(until(() -> "b".equals(tag(t, "app1", "zone")), WAIT), "app2 sees app1's new tag");
            event(t, "two");
            assertTrue(until(() -> read(out).contains("B two"), WAIT), () -> "handler B ran: " + read(out));
            assertTrue(until(() -> t.log("app1").contains("[DEBUG] Lane: handler"), WAIT),
                    "at debug, the handler's run is logged");

            Files.writeString(conf.resolve("20-node.json"), "{\"tags\": {\"zone\": ");
            t.signal("app1", "HUP");
            assertTrue(until(() -> t.log("app1").contains("the configuration no longer parses, the running one is"
                    + " kept"), WAIT), "the broken configuration is reported");
            event(t, "three");
            assertTrue(until(() -> read(out).contains("B three"), WAIT), () -> "B still runs: " + read(out));
            assertEquals(List.of("A one", "B two", "B three"), read(out).lines().toList(),
                    "A stopped at the reload, B began there, each event once");
            assertEquals("b", tag(t, "app1", "zone"), "the running tags are kept");
            assertEquals("alive", t.members("app2").get("app1"), "app1 never left");

            t.start("app3", "appserver", "127.0.18.3", "--join", "127.0.18.1:7946", "--http", "127.0.18.3:8080",
                    "--config-dir", other.toString());
            assertTrue(until(() -> "alive".equals(t.members("app2").get("app3")), WAIT), "app2 sees app3");

            t.signal("app1", "TERM");
            assertTrue(t.exited("app1", WAIT), "app1 stops on SIGTERM");
            assertEquals(0, t.exitCode("app1"), "a graceful leave exits 0");
            assertTrue(until(() -> "left".equals(t.members("app2").get("app1")), WAIT), "app1 left, not failed");

            t.signal("app3", "TERM");
            assertTrue(t.exited("app3", WAIT), "app3 stops on SIGTERM");
            assertEquals(1, t.exitCode("app3"), "a stop without leaving exits 1, as Serf's agent");
            assertTrue(until(() -> "failed".equals(t.members("app2").get("app3")), WAIT),
                    () -> "app3 did not leave: app2 finds it failed: " + t.members("app2"));
        });
    }

    /** app1's Serf configuration directory: the agent's settings, then its tags and handler. */
    private static void config(Path conf, String level, String handler, String zone, Path script, Path out)
            throws IOException {
        Files.writeString(conf.resolve("10-agent.json"), "{\"node_name\": \"app1\", \"log_level\": \"" + level
                + "\"}");
        Files.writeString(conf.resolve("20-node.json"), "{\"tags\": {\"zone\": \"" + zone + "\"},"
                + " \"event_handlers\": [\"user:deploy=/bin/sh " + script + " " + handler + " " + out + "\"]}");
    }

    private static void event(Topology t, String payload) throws Exception {
        assertEquals(200, t.post("app2", "/v1/event/deploy", payload), "app2 sends the event");
    }

    private static String tag(Topology t, String member, String key) {
        try {
            for (JsonNode m : t.membersJson("app2")) {
                if (m.get("name").asText().equals(member)) {
                    JsonNode v = m.get("tags").get(key);
                    return v == null ? null : v.asText();
                }
            }
            return null;
        } catch (IOException | InterruptedException e) {
            return null;
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
