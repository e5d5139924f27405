package dev.grapevine.handlers;

import dev.grapevine.roles.Launch;
import dev.grapevine.roles.LaunchOptions;
import dev.grapevine.roles.NodeLauncher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static dev.grapevine.handlers.Dump.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The handler flags through the shared launcher: real nodes on 127.0.12.x. */
class HandlerFlagsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void flagsStartScriptsAndTemplatesThatStopWithTheLaunch(@TempDir Path dir) throws Exception {
        Path seen = dir.resolve("seen.txt");
        Path upstream = dir.resolve("front.conf");
        Path reloads = dir.resolve("reloads.txt");
        try (Launch front = NodeLauncher.launch(new String[]{"--name", "front1", "--bind", "127.0.12.2:7946",
                "--profile", "local", "--tag", "role=front", "--http", "127.0.12.2:8080"}, Map.of(), HandlerFlags.FLAGS);
             Launch lb = NodeLauncher.launch(new String[]{"--name", "lb", "--bind", "127.0.12.1:7946",
                     "--profile", "local", "--join", "127.0.12.2:7946",
                     "--event-handler", "user:deploy=cat >> '" + seen + "'",
                     "--template", "classpath:templates/nginx-upstream.conf.tmpl:" + upstream + ":echo x >> '"
                     + reloads + "'",
                     "--template-param", "upstream=fronts", "--template-wait", "100ms:500ms"},
                     Map.of(), HandlerFlags.FLAGS)) {
            HandlerFlags.start(lb);
            assertTrue(await(() -> lb.node().member("front1").isPresent(), WAIT), "joined");
            assertTrue(await(() -> read(upstream).contains("server 127.0.12.2:8080; # front1"), WAIT),
                    () -> "the template follows the membership: " + read(upstream));
            assertTrue(read(upstream).contains("upstream fronts {"), "--template-param reaches the template");
            assertTrue(await(() -> !read(reloads).isEmpty(), WAIT), "the reload command ran");

            // "other" goes first: had the filter let it through, its payload would precede v2 in the file.
            front.node().sendEvent("other", "no".getBytes(StandardCharsets.UTF_8), false);
            front.node().sendEvent("deploy", "v2".getBytes(StandardCharsets.UTF_8), false);
            assertTrue(await(() -> read(seen).contains("v2"), WAIT), "the script ran on user:deploy");
            assertFalse(read(seen).contains("no"), "the filter kept the other event out: " + read(seen));
            assertTrue(threads("grapevine-handler-lb").size() > 0 && threads("grapevine-template-").size() > 0,
                    "handler and template threads run: " + threads("grapevine-"));
            lb.close();
            assertTrue(await(() -> threads("grapevine-handler-lb").isEmpty()
                    && threads("grapevine-template-").isEmpty(), WAIT),
                    () -> "they stop with the launch: " + threads("grapevine-"));
        }
    }

    @Test
    void badHandlerFlagsNameTheFlag() {
        String bad = assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--event-handler", "member-jion=x.sh"}, Map.of(), HandlerFlags.FLAGS))
                .getMessage();
        assertTrue(bad.startsWith("--event-handler"), bad);
        String badTemplate = assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--template", "only-a-source"}, Map.of(), HandlerFlags.FLAGS))
                .getMessage();
        assertTrue(badTemplate.startsWith("--template: only-a-source: no destination"), badTemplate);
        String badWait = assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--template-wait", "5x"}, Map.of(), HandlerFlags.FLAGS)).getMessage();
        assertTrue(badWait.startsWith("--template-wait: ") && !badWait.contains("--template-wait: --template-wait"),
                badWait);
        LaunchOptions env = LaunchOptions.parse(new String[]{"--name", "a"},
                Map.of("GRAPEVINE_EVENT_HANDLERS", "member-join,member-leave=a.sh;user:deploy=b.sh"),
                HandlerFlags.FLAGS);
        assertEquals(2, env.all(HandlerFlags.EVENT_HANDLER).size(), "';' separates handlers in the variable");
        assertTrue(LaunchOptions.usage(HandlerFlags.FLAGS).contains("--event-handler"), "--help lists them");
    }

    private static java.util.List<String> threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).toList();
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
