package dev.grapevine.roles;

import dev.grapevine.HostPort;
import dev.grapevine.Profile;
import dev.grapevine.roles.health.HealthCheck;
import dev.grapevine.roles.health.HealthStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaunchOptionsTest {

    @Test
    void flagsAreParsedInBothForms() {
        LaunchOptions o = LaunchOptions.parse(new String[]{"--name", "app1", "--bind=127.0.0.5:7000",
                "--join", "127.0.0.2:7946", "--join=127.0.0.3", "--tag", "role=app", "--profile", "local"}, Map.of());
        assertEquals("app1", o.name());
        assertEquals(7000, o.bind().port());
        assertEquals(List.of("127.0.0.2:7946", "127.0.0.3"), o.join());
        assertEquals(Map.of("role", "app"), o.tags());
        assertEquals(Profile.LOCAL, o.profile());
    }

    @Test
    void environmentFillsInAndFlagsWin() {
        Map<String, String> env = Map.of("GRAPEVINE_NAME", "fromenv", "GRAPEVINE_JOIN", "127.0.0.2:1,127.0.0.3:2",
                "GRAPEVINE_TAGS", "role=front,http.port=8080");
        LaunchOptions o = LaunchOptions.parse(new String[0], env);
        assertEquals("fromenv", o.name());
        assertEquals(2, o.join().size());
        assertEquals("front", o.tags().get("role"));
        assertEquals("flag", LaunchOptions.parse(new String[]{"--name", "flag"}, env).name());
    }

    @Test
    void badValuesNameTheFlag() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--bind", "host:notaport"}, Map.of())).getMessage().startsWith("--bind"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--tag", "novalue"}, Map.of())).getMessage().startsWith("--tag"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--profile", "mars"}, Map.of())).getMessage().startsWith("--profile"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--bogus", "1"}, Map.of())).getMessage().contains("--bogus"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[0], Map.of())).getMessage().contains("--name"));
    }

    @Test
    void keysAndClusterAreReadAndBadKeysNameTheFlag() {
        String key = dev.grapevine.security.Keyring.generateKeyBase64();
        LaunchOptions o = LaunchOptions.parse(new String[]{"--name", "a", "--key", key, "--cluster", "shop"}, Map.of());
        assertEquals(dev.grapevine.security.Keyring.ofBase64(key), o.keyring());
        assertEquals("shop", o.cluster());
        assertEquals(null, LaunchOptions.parse(new String[]{"--name", "a"}, Map.of()).keyring(), "plaintext by default");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--key", "not-a-key"}, Map.of()));
        assertTrue(e.getMessage().startsWith("--key: "), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--key-file", "/nonexistent/keys"}, Map.of()));
        assertTrue(e.getMessage().startsWith("--key-file: "), e.getMessage());
    }

    @Test
    void theAdminApiStaysOnLoopbackUnlessATokenOrTheInsecureFlagIsGiven(@org.junit.jupiter.api.io.TempDir
                                                                          java.nio.file.Path dir) throws Exception {
        assertEquals(new dev.grapevine.HostPort("127.0.0.1", 7980), parse("--name", "a", "--admin", "7980").admin()
                .orElseThrow());
        assertEquals(new dev.grapevine.HostPort("127.0.0.1", 8500), parse("--name", "a", "--admin", ":8500").admin()
                .orElseThrow());
        String open = failure(Map.of(), "--name", "a", "--admin", "0.0.0.0:8500");
        assertTrue(open.startsWith("--admin 0.0.0.0:8500"), open);
        assertTrue(open.contains("--admin-insecure") && open.contains("--admin-token"), open);
        assertTrue(parse("--name", "a", "--admin", "0.0.0.0:8500", "--admin-insecure").adminInsecure());
        String token = "a-token-of-enough-length";
        LaunchOptions withToken = parse("--name", "a", "--admin", "0.0.0.0:8500", "--admin-token", token);
        assertTrue(withToken.adminToken().orElseThrow().matches(token));
        java.nio.file.Path file = dir.resolve("admin.token");
        java.nio.file.Files.writeString(file, token + "\n");
        LaunchOptions fromFile = LaunchOptions.parse(new String[]{"--name", "a", "--admin", "0.0.0.0:8500"},
                Map.of("GRAPEVINE_ADMIN_TOKEN_FILE", file.toString()));
        assertTrue(fromFile.adminToken().orElseThrow().matches(token));
        assertTrue(LaunchOptions.parse(new String[]{"--name", "a"}, Map.of("GRAPEVINE_ADMIN_TOKEN", token))
                .adminToken().orElseThrow().matches(token));
        String both = failure(Map.of(), "--name", "a", "--admin-token", token, "--admin-token-file", file.toString());
        assertTrue(both.contains("exclusive"), both);
        // A flag wins over the other source's variable.
        assertTrue(LaunchOptions.parse(new String[]{"--name", "a", "--admin-token", "flag-token-0123456789"},
                Map.of("GRAPEVINE_ADMIN_TOKEN_FILE", file.toString())).adminToken().orElseThrow()
                .matches("flag-token-0123456789"));
        String shortToken = failure(Map.of(), "--name", "a", "--admin-token", "abc");
        assertTrue(shortToken.startsWith("--admin-token") && shortToken.contains("at least 16"), shortToken);
        assertTrue(!shortToken.contains("abc'"), "the value is not echoed");
        java.nio.file.Files.writeString(file, "\n");
        String empty = failure(Map.of(), "--name", "a", "--admin-token-file", file.toString());
        assertTrue(empty.startsWith("--admin-token-file") && empty.contains(file.toString()), empty);
        String missing = failure(Map.of(), "--name", "a", "--admin-token-file", dir.resolve("none").toString());
        assertTrue(missing.startsWith("--admin-token-file") && missing.contains("cannot be read"), missing);
    }

    private static LaunchOptions parse(String... args) {
        return LaunchOptions.parse(args, Map.of());
    }

    private static String failure(Map<String, String> env, String... args) {
        return assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(args, env)).getMessage();
    }

    @Test
    void roleSnapshotAndAdminFlagsAreRead(@TempDir Path dir) {
        Path snap = dir.resolve("node.snapshot");
        LaunchOptions o = parse("--name", "dns1", "--admin", "127.0.6.1:9000", "--snapshot", snap.toString(),
                "--http", "127.0.6.1:8081", "--dns", "127.0.6.1", "--upstream", "127.0.6.53",
                "--upstream=127.0.6.54:5353");
        assertEquals(Optional.of(new HostPort("127.0.6.1", 9000)), o.admin());
        assertEquals(Optional.of(snap), o.snapshot());
        assertEquals(Optional.of(new HostPort("127.0.6.1", 8081)), o.http());
        assertEquals(Optional.of(new HostPort("127.0.6.1", 53)), o.dns(), "--dns defaults to port 53");
        assertEquals(List.of(new HostPort("127.0.6.53", 53), new HostPort("127.0.6.54", 5353)), o.upstream());
        assertEquals("8081", o.tags().get("http.port"), "--http advertises its port as a tag");
        assertEquals("53", o.tags().get("dns.port"));
        assertEquals(Optional.of(new HostPort("127.0.6.1", 7980)), parse("--name", "a", "--admin", "127.0.6.1").admin());

        LaunchOptions plain = parse("--name", "a");
        assertTrue(plain.admin().isEmpty() && plain.snapshot().isEmpty() && plain.http().isEmpty()
                && plain.dns().isEmpty() && plain.upstream().isEmpty() && plain.checks().isEmpty());
        assertEquals(Map.of(), plain.tags(), "no derived tags without --http, --dns or checks");
        assertEquals(Map.of("role", "app"), plain.withDefaultTags(Map.of("role", "app")).tags(),
                "a role server's default tag fills in");
        assertEquals("front", parse("--name", "a", "--tag", "role=front").withDefaultTags(Map.of("role", "app"))
                .tags().get("role"), "a --tag wins over the role server's default");
        assertEquals("9999", parse("--name", "a", "--http", "127.0.6.1:8081", "--tag", "http.port=9999")
                .tags().get("http.port"), "an explicit tag wins over the derived one");
        assertFalse(parse("--name", "a", "--http", "127.0.6.1:0").tags().containsKey("http.port"),
                "port 0 is not advertised");
    }

    @Test
    void checkFlagsBuildChecks() {
        LaunchOptions o = parse("--name", "app1", "--check-http", "http://127.0.6.1:8080/health",
                "--check-tcp", "127.0.6.1:5432", "--check-cmd", "test -f /tmp/ready", "--check-cmd", "true",
                "--check-interval", "2s", "--check-timeout", "500ms", "--check-failures", "3",
                "--check-successes", "2", "--check-initial", "passing");
        List<HealthCheck> checks = o.checks();
        assertEquals(List.of("http-1", "tcp-1", "cmd-1", "cmd-2"), checks.stream().map(HealthCheck::name).toList());
        assertEquals(List.of("http://127.0.6.1:8080/health", "127.0.6.1:5432", "test -f /tmp/ready", "true"),
                checks.stream().map(HealthCheck::target).toList());
        for (HealthCheck c : checks) {
            assertEquals(Duration.ofSeconds(2), c.interval());
            assertEquals(Duration.ofMillis(500), c.timeout());
            assertEquals(3, c.failuresBeforeCritical());
            assertEquals(2, c.successesBeforePassing());
            assertEquals(HealthStatus.PASSING, c.initial());
        }
        assertEquals("passing", o.tags().get("health"));

        HealthCheck d = parse("--name", "a", "--check-tcp", "127.0.6.1:1").checks().get(0);
        assertEquals(Duration.ofSeconds(HealthCheck.DEFAULT_INTERVAL_SECONDS), d.interval());
        assertEquals(Duration.ofSeconds(HealthCheck.DEFAULT_TIMEOUT_SECONDS), d.timeout());
        assertEquals(1, d.failuresBeforeCritical());
        assertEquals(1, d.successesBeforePassing());
        assertEquals(HealthStatus.CRITICAL, d.initial());
        assertEquals("critical", parse("--name", "a", "--check-tcp", "127.0.6.1:1", "--tag", "health=passing")
                .tags().get("health"), "with checks, the health tag starts at their initial state");
    }

    @Test
    void everyNewFlagFallsBackToItsVariableAndFlagsWin(@TempDir Path dir) {
        Map<String, String> env = new HashMap<>();
        env.put("GRAPEVINE_NAME", "n");
        env.put("GRAPEVINE_ADMIN", "127.0.6.2:9001");
        env.put("GRAPEVINE_SNAPSHOT", dir.resolve("s").toString());
        env.put("GRAPEVINE_HTTP", "127.0.6.2:8082");
        env.put("GRAPEVINE_DNS", "127.0.6.2:5300");
        env.put("GRAPEVINE_UPSTREAM", "127.0.6.53, 127.0.6.54:54");
        env.put("GRAPEVINE_CHECK_HTTP", "http://127.0.6.2/a,http://127.0.6.2/b");
        env.put("GRAPEVINE_CHECK_TCP", "127.0.6.2:1");
        env.put("GRAPEVINE_CHECK_CMD", "echo a, b\ntrue\n");
        env.put("GRAPEVINE_CHECK_INTERVAL", "1m30s");
        env.put("GRAPEVINE_CHECK_TIMEOUT", "1.5s");
        env.put("GRAPEVINE_CHECK_FAILURES", "4");
        env.put("GRAPEVINE_CHECK_SUCCESSES", "5");
        env.put("GRAPEVINE_CHECK_INITIAL", "PASSING");
        env.put("GRAPEVINE_ADVERTISE", " ");
        LaunchOptions o = LaunchOptions.parse(new String[0], env);
        assertEquals(Optional.of(new HostPort("127.0.6.2", 9001)), o.admin());
        assertEquals(Optional.of(dir.resolve("s")), o.snapshot());
        assertEquals(Optional.of(new HostPort("127.0.6.2", 8082)), o.http());
        assertEquals(Optional.of(new HostPort("127.0.6.2", 5300)), o.dns());
        assertEquals(List.of(new HostPort("127.0.6.53", 53), new HostPort("127.0.6.54", 54)), o.upstream());
        assertEquals(List.of("http://127.0.6.2/a", "http://127.0.6.2/b", "127.0.6.2:1", "echo a, b", "true"),
                o.checks().stream().map(HealthCheck::target).toList(), "commands are one a line, commas kept");
        HealthCheck c = o.checks().get(0);
        assertEquals(Duration.ofSeconds(90), c.interval());
        assertEquals(Duration.ofMillis(1500), c.timeout());
        assertEquals(4, c.failuresBeforeCritical());
        assertEquals(5, c.successesBeforePassing());
        assertEquals(HealthStatus.PASSING, c.initial());
        assertEquals(null, o.advertise(), "a blank variable counts as unset");

        LaunchOptions f = LaunchOptions.parse(new String[]{"--admin", "127.0.6.3:1", "--http", "127.0.6.3:2",
                "--dns", "127.0.6.3:3", "--upstream", "127.0.6.3:4", "--check-cmd", "false",
                "--check-interval", "3s", "--check-initial", "critical"}, env);
        assertEquals(new HostPort("127.0.6.3", 1), f.admin().orElseThrow());
        assertEquals(new HostPort("127.0.6.3", 2), f.http().orElseThrow());
        assertEquals(new HostPort("127.0.6.3", 3), f.dns().orElseThrow());
        assertEquals(List.of(new HostPort("127.0.6.3", 4)), f.upstream(), "a repeatable flag replaces its variable");
        assertEquals(List.of("http://127.0.6.2/a", "http://127.0.6.2/b", "127.0.6.2:1", "false"),
                f.checks().stream().map(HealthCheck::target).toList(), "only the kind given is replaced");
        assertEquals(Duration.ofSeconds(3), f.checks().get(0).interval());
        assertEquals(HealthStatus.CRITICAL, f.checks().get(0).initial());
    }

    @Test
    void badNewValuesNameTheFlag(@TempDir Path dir) {
        Map<String, String> none = Map.of();
        String[][] cases = {
                {"--admin", "127.0.6.1:http"}, {"--snapshot", dir.resolve("missing/dir/file").toString()},
                {"--snapshot", dir.toString()}, {"--http", "127.0.6.1:70000"}, {"--dns", ":53"},
                {"--upstream", "127.0.6.1:x"}, {"--check-http", "ftp://127.0.6.1/"}, {"--check-http", "not a url"},
                {"--check-http", "/health"}, {"--check-tcp", "127.0.6.1"}, {"--check-cmd", " "},
                {"--check-interval", "5"}, {"--check-interval", "0s"}, {"--check-timeout", "5x"},
                {"--check-failures", "0"}, {"--check-successes", "two"}, {"--check-initial", "warning"},
                {"--profile", "mars"}, {"--cluster", ""}};
        for (String[] c : cases) {
            String message = failure(none, "--name", "a", c[0], c[1]);
            assertTrue(message.startsWith(c[0] + ": "), c[0] + " " + c[1] + " -> " + message);
        }
        String fromEnv = failure(Map.of("GRAPEVINE_CHECK_INTERVAL", "soon"), "--name", "a");
        assertTrue(fromEnv.startsWith("--check-interval (GRAPEVINE_CHECK_INTERVAL): "), fromEnv);
        assertTrue(failure(none, "--name", "a", "--http", "127.0.6.1:1", "--http", "127.0.6.1:2")
                .startsWith("--http given more than once"));
        assertTrue(failure(none, "--name", "a", "--check-cmd").startsWith("--check-cmd needs a value"));
        assertTrue(failure(none, "--name", "a", "--help=yes").startsWith("--help takes no value"));
        assertTrue(failure(none, "--name", "a", "stray").contains("'stray'"));
    }

    @Test
    void helpListsEveryFlagAndVariable() {
        Flag<Path> template = Flag.value("template", "PATH", "a template to render", Path::of)
                .env("GRAPEVINE_TEMPLATE").repeatable();
        String usage = LaunchOptions.usage(List.of(template));
        List<Flag<?>> all = new ArrayList<>(LaunchOptions.FLAGS);
        all.add(template);
        for (Flag<?> f : all) {
            assertTrue(usage.contains("  --" + f.name() + " ") || usage.contains("  --" + f.name() + "\n"),
                    "--" + f.name() + " missing from\n" + usage);
            assertTrue(usage.contains(f.help()), f.help());
            f.envVariable().ifPresent(v -> assertTrue(usage.contains(v), v));
            f.defaultText().ifPresent(d -> assertTrue(usage.contains("default " + d), d));
        }
        for (String name : List.of("name", "bind", "advertise", "join", "key", "key-file", "cluster", "tag", "admin",
                "profile", "snapshot", "http", "dns", "upstream", "check-http", "check-tcp", "check-cmd",
                "check-interval", "check-timeout", "help")) {
            assertTrue(LaunchOptions.USAGE.contains("  --" + name + " "), name);
        }
        assertFalse(LaunchOptions.USAGE.contains("--template"), "USAGE holds the shared flags only");
        assertTrue(LaunchOptions.parse(new String[]{"--help", "--bind", "bad:port"}, Map.of()).help(),
                "--help is answered before any value is checked");
        assertTrue(LaunchOptions.parse(new String[]{"-h"}, Map.of()).help());
        assertTrue(LaunchOptions.parse(new String[]{"--keygen"}, Map.of()).keygen());
    }

    @Test
    void modulesDeclareTheirOwnFlags() {
        Flag<Path> template = Flag.value("template", "PATH", "a template to render", Path::of)
                .env("GRAPEVINE_TEMPLATE").repeatable();
        Flag<Integer> workers = Flag.value("workers", "N", "worker threads", text -> {
            int n = Integer.parseInt(text);
            if (n < 1) {
                throw new IllegalArgumentException("'" + text + "' must be at least 1");
            }
            return n;
        }).env("GRAPEVINE_WORKERS").defaultValue("4");
        Flag<Boolean> dryRun = Flag.toggle("dry-run", "render but do not run");
        List<Flag<?>> extra = List.of(template, workers, dryRun);

        LaunchOptions o = LaunchOptions.parse(new String[]{"--name", "a", "--template", "/t/a", "--template=/t/b",
                "--dry-run"}, Map.of("GRAPEVINE_TEMPLATE", "/t/env", "GRAPEVINE_WORKERS", "8"), extra);
        assertEquals(List.of(Path.of("/t/a"), Path.of("/t/b")), o.all(template), "flags win over the variable");
        assertEquals(Optional.of(8), o.get(workers), "the variable wins over the default");
        assertEquals(Optional.of(true), o.get(dryRun));

        LaunchOptions d = LaunchOptions.parse(new String[]{"--name", "a"}, Map.of("GRAPEVINE_TEMPLATE", "/x,/y"), extra);
        assertEquals(List.of(Path.of("/x"), Path.of("/y")), d.all(template));
        assertEquals(Optional.of(4), d.get(workers), "the default");
        assertEquals(Optional.empty(), d.get(dryRun));

        String bad = assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--workers", "0"}, Map.of(), extra)).getMessage();
        assertEquals("--workers: '0' must be at least 1", bad);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(
                new String[]{"--name", "a", "--template", "x"}, Map.of())).getMessage().contains("unknown flag --template"),
                "a flag not declared to parse is unknown");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("--name", "a").get(template))
                .getMessage().contains("--template"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse(new String[0], Map.of(),
                List.of(Flag.string("bind", "X", "again")))).getMessage().contains("--bind is declared twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Flag.string("Bad_Name", "X", "help"))
                .getMessage().contains("Bad_Name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Flag.string("ok", "X", "help").env("lower"))
                .getMessage().contains("lower"));
    }

    @Test
    void durationsReadTheUsualForms() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(5), Durations.parse(" 5s "));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
        assertEquals(Duration.ofSeconds(5400), Durations.parse("1h30m"));
        assertEquals(Duration.ofSeconds(61), Durations.parse("1m1s"));
        for (String bad : new String[]{"", "5", "s", "5 s", "-5s", "5sec", "0ms", "1d", "9000h", "1s5"}) {
            assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
        }
        for (String text : new String[]{"500ms", "5s", "2m", "3h", "1500ms", "0.25ms", "90s"}) {
            assertEquals(text, Durations.format(Durations.parse(text)));
        }
    }
}
