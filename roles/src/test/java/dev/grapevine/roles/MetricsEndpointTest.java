package dev.grapevine.roles;

import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.Stats;
import dev.grapevine.roles.admin.AdminServer;
import dev.grapevine.roles.http.HttpService;
import dev.grapevine.roles.metrics.PrometheusText;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /v1/metrics} of launched processes: a live cluster on 127.0.24.x (three launches and a fourth node
 * that leaves), the text checked by the strict parser of the tests and by {@code promtool check metrics}.
 */
class MetricsEndpointTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    private static final List<String> NAMES = List.of("gv24-alpha", "gv24-beta", "gv24-gamma", "gv24-delta");

    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    @AfterEach
    void closeAll() throws Exception {
        while (!opened.isEmpty()) {
            opened.pop().close();
        }
    }

    private Launch launch(String... args) throws Exception {
        Launch l = NodeLauncher.launch(args, Map.of(), List.of());
        opened.push(l);
        return l;
    }

    private static URI admin(Launch l) {
        return l.registered().stream().filter(c -> c instanceof AdminServer).map(c -> ((AdminServer) c).uri())
                .findFirst().orElseThrow();
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aLiveClusterRendersValidTextWithMemberCountsAndNoMemberLabels(@TempDir Path dir) throws Exception {
        Launch seed = launch("--name", NAMES.get(0), "--bind", "127.0.24.1:7946", "--profile", "local",
                "--tag", "role=front", "--admin", "127.0.24.1:17980");
        launch("--name", NAMES.get(1), "--bind", "127.0.24.2:7946", "--profile", "local",
                "--join", "127.0.24.1:7946", "--tag", "role=app", "--admin", "127.0.24.2:17980");
        launch("--name", NAMES.get(2), "--bind", "127.0.24.3:7946", "--profile", "local",
                "--join", "127.0.24.1:7946", "--tag", "role=app");
        // A server named after the node, as the samples name theirs: labelled with the node's role.
        seed.register(HttpService.builder(NAMES.get(0), new dev.grapevine.HostPort("127.0.24.1", 0))
                .loop(seed.http()).handler((req, out) -> out.text(200, "hi")).start());
        GossipNode leaver = GossipNode.builder().name(NAMES.get(3)).bind(new InetSocketAddress("127.0.24.4", 7946))
                .profile(dev.grapevine.Profile.LOCAL).start();
        opened.push(leaver);
        leaver.join("127.0.24.1:7946").get(10, TimeUnit.SECONDS);
        GossipNode node = seed.node();
        assertTrue(Poll.until(() -> node.liveMembers().size() == 4, WAIT), "four up");
        leaver.leave().get(10, TimeUnit.SECONDS);
        assertTrue(Poll.until(() -> node.member(NAMES.get(3)).map(m -> m.status() == MemberStatus.LEFT)
                .orElse(false), WAIT), "the fourth left");
        assertTrue(Poll.until(() -> node.liveMembers().size() == 3, WAIT));
        node.sendEvent("deploy", new byte[]{1}, false);
        assertTrue(Poll.until(() -> node.stats().userEventsSent() == 1 && node.stats().probesSent() > 0, WAIT));

        get(admin(seed).resolve("/v1/members")); // one request before, so that the admin counter is non-zero
        List<Member> before = node.members();
        HttpResponse<String> r = get(admin(seed).resolve("/v1/metrics"));
        List<Member> after = node.members();
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        String text = r.body();
        List<PrometheusText.Sample> samples = PrometheusText.parse(text);

        Map<String, Double> members = new HashMap<>();
        for (PrometheusText.Sample s : samples) {
            assertTrue(s.name().startsWith("grapevine_"), s.name());
            for (String value : s.labels().values()) {
                for (String name : NAMES) {
                    assertFalse(value.contains(name), s + " names member " + name);
                }
            }
            if (s.name().equals("grapevine_members")) {
                members.put(s.labels().get("status"), s.value());
            }
        }
        assertEquals(before, after, "the member list did not change during the scrape");
        for (MemberStatus status : MemberStatus.values()) {
            long expected = before.stream().filter(m -> m.status() == status).count();
            assertEquals((double) expected, members.get(status.name().toLowerCase(Locale.ROOT)),
                    "grapevine_members{status=" + status + "}");
        }
        assertEquals(3.0, members.get("alive"));
        assertEquals(1.0, members.get("left"));

        Map<String, Double> plain = new HashMap<>();
        samples.stream().filter(s -> s.labels().isEmpty()).forEach(s -> plain.put(s.name(), s.value()));
        for (Stats.Counter c : Stats.Counter.values()) {
            assertTrue(plain.containsKey("grapevine_" + c.metricName() + "_total"), c.metricName());
        }
        assertTrue(plain.get("grapevine_probes_sent_total") > 0);
        assertEquals(1.0, plain.get("grapevine_user_events_sent_total"));
        assertTrue(plain.get("grapevine_packets_received_total") > 0);
        assertTrue(plain.containsKey("grapevine_health_score"));
        assertTrue(plain.containsKey("grapevine_broadcast_queue"));
        long reasons = samples.stream().filter(s -> s.name().equals("grapevine_dropped_total")).count();
        assertEquals(dev.grapevine.DropReason.values().length, reasons, "every drop reason, zero or not");
        assertTrue(samples.stream().anyMatch(s -> s.name().equals("grapevine_http_requests_total")
                && "admin".equals(s.labels().get("server")) && s.value() >= 1), "admin requests");
        assertTrue(samples.stream().anyMatch(s -> s.name().equals("grapevine_http_requests_total")
                && "front".equals(s.labels().get("server"))), "the role's server, by role");

        // Only where the launch has an admin server: the third has none, and the second answers too.
        HttpResponse<String> second = get(admin(opened.stream().filter(c -> c instanceof Launch)
                .map(c -> (Launch) c).filter(l -> l.node().name().equals(NAMES.get(1))).findFirst().orElseThrow())
                .resolve("/v1/metrics"));
        assertEquals(200, second.statusCode());
        PrometheusText.parse(second.body());

        Path file = dir.resolve("metrics.txt");
        Files.writeString(file, text);
        promtool(file);
    }

    /** {@code promtool check metrics < file}: no complaint. Skipped where promtool is not installed. */
    private static void promtool(Path file) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PROMTOOL),
                "promtool not installed (Debian package prometheus): the text was checked by the test's own parser only");
        Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectInput(file.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool finished");
        assertEquals(0, p.exitValue(), "promtool check metrics: " + out);
        assertEquals("", out.strip(), "promtool has no lint complaint");
    }
}
