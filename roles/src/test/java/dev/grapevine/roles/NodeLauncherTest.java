package dev.grapevine.roles;

import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.roles.health.HealthStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Launches real nodes over UDP and TCP on 127.0.6.x: health checks from flags, graceful close, snapshots. */
class NodeLauncherTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Deque<Launch> launched = new ArrayDeque<>();

    @AfterEach
    void closeAll() {
        while (!launched.isEmpty()) {
            launched.pop().close();
        }
    }

    private Launch launch(String... args) throws Exception {
        Launch l = NodeLauncher.launch(args, Map.of(), List.of());
        launched.push(l);
        return l;
    }

    private static Optional<Member> member(Launch at, String name) {
        return at.node().member(name);
    }

    @Test
    void aCommandCheckFromTheFlagsMovesTheNodeInAndOutOfRotationElsewhere(@TempDir Path dir) throws Exception {
        Path ready = dir.resolve("ready");
        Launch seed = launch("--name", "front1", "--bind", "127.0.6.20:7946", "--profile", "local",
                "--tag", "role=front");
        Launch app = launch("--name", "app1", "--bind", "127.0.6.21:7946", "--profile", "local",
                "--join", "127.0.6.20:7946", "--tag", "role=app", "--http", "127.0.6.21:8080",
                "--check-cmd", "test -f '" + ready + "'", "--check-interval", "200ms", "--check-timeout", "5s");
        RoleView apps = RoleView.of(seed.node(), Roles.APP);
        RoundRobinBalancer balancer = new RoundRobinBalancer(apps);

        assertTrue(Poll.until(() -> member(seed, "app1").isPresent(), WAIT), "app1 joined");
        Member first = member(seed, "app1").orElseThrow();
        assertEquals("8080", first.tag("http.port"), "--http advertised as http.port");
        assertEquals(HealthStatus.CRITICAL, app.health().status(), "no ready file: critical");
        assertTrue(Poll.until(() -> member(seed, "app1").map(m -> "critical".equals(m.tag(Roles.HEALTH)))
                .orElse(false), WAIT));
        assertTrue(apps.isEmpty(), "a critical app is out of rotation: " + apps);
        assertTrue(balancer.pick().isEmpty());

        Files.writeString(ready, "");
        assertTrue(Poll.until(() -> apps.size() == 1, WAIT), "passing: back in rotation");
        assertEquals("app1", balancer.pick().orElseThrow().name());
        assertEquals("test -f '" + ready + "'", app.health().check("cmd-1").orElseThrow().target());

        Files.delete(ready);
        assertTrue(Poll.until(apps::isEmpty, WAIT), "critical again: out of rotation");
        Files.writeString(ready, "");
        assertTrue(Poll.until(() -> apps.size() == 1, WAIT), "and back");
    }

    @Test
    void closeLeavesGracefullyAndClosesWhatWasRegisteredOnce(@TempDir Path dir) throws Exception {
        Path snapshot = dir.resolve("app2.snapshot");
        Launch seed = launch("--name", "front2", "--bind", "127.0.6.22:7946", "--profile", "local");
        Launch app = launch("--name", "app2", "--bind", "127.0.6.23:7946", "--profile", "local",
                "--join", "127.0.6.22:7946", "--snapshot", snapshot.toString(), "--admin", "127.0.6.23:7980");
        assertEquals("127.0.6.23:7980", app.options().admin().orElseThrow().toString());
        assertTrue(Poll.until(() -> member(seed, "app2").map(Member::isUp).orElse(false), WAIT));
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> members = http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.6.23:7980/v1/members")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, members.statusCode(), "--admin starts the admin API with the launch");
        assertTrue(members.body().contains("\"front2\"") && members.body().contains("\"app2\""), members.body());
        List<String> closed = new ArrayList<>();
        app.register(() -> closed.add("first"));
        app.register(() -> closed.add("second (closed first)"));

        app.close();
        app.close();
        assertTrue(app.isClosed());
        assertTrue(app.node().isClosed());
        assertEquals(List.of("second (closed first)", "first"), closed, "newest first, once");
        assertTrue(Poll.until(() -> member(seed, "app2").map(m -> m.status() == MemberStatus.LEFT).orElse(false),
                WAIT), () -> "app2 left, not failed: " + member(seed, "app2"));
        app.register(() -> closed.add("late"));
        assertEquals("late", closed.get(2), "registered after close: closed at once");
        app.awaitClose();
        assertThrows(java.io.IOException.class, () -> http.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.6.23:7980/v1/members")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()), "the admin API stops with the launch");
        assertTrue(Files.size(snapshot) > 0, "--snapshot reaches the node: the file was written");
    }

    @Test
    void launchRefusesBadFlagsAndHelp() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> launch("--name", "x", "--check-tcp", "nope"))
                .getMessage().startsWith("--check-tcp: "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> launch("--help")).getMessage()
                .contains("nothing to launch"));
    }
}
