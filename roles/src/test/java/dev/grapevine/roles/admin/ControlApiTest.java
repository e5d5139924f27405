package dev.grapevine.roles.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import dev.grapevine.MemberStatus;
import dev.grapevine.security.Keyring;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator's endpoints (query, tags, keys, force-leave, join, leave, reachability, stats, monitor) and the
 * admin token, on real nodes over loopback (127.0.26.x): every changing call without the token, or with a wrong
 * one, is refused with 401 and changes nothing.
 */
class ControlApiTest {

    private static final String TOKEN = "test-token-0123456789abcdef";
    private static final String KEY = Keyring.generateKeyBase64();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static Cluster cluster;
    private static List<GossipNode> nodes;
    private static AdminServer guarded;
    private static Http http;
    private static final List<String> received = new CopyOnWriteArrayList<>();
    private static final AtomicInteger asked = new AtomicInteger();
    private static final AtomicInteger leaves = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        cluster = new Cluster(new Cluster.Addresses("127.0.26.", 1, 60));
        List<GossipNode> started = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            started.add(cluster.start("c" + i, Map.of("role", "app", "zone", "z" + i), b -> b
                    .keyring(Keyring.ofBase64(KEY))
                    .listener(e -> {
                        if (e instanceof ClusterEvent.UserEvent u) {
                            received.add("c" + n + ":" + u.name());
                        } else if (e instanceof ClusterEvent.Query q && q.name().equals("whoami")) {
                            asked.incrementAndGet();
                            q.respond(("I am c" + n).getBytes(StandardCharsets.UTF_8));
                        } else if (e instanceof ClusterEvent.Query q && q.name().equals("slow")) {
                            // c1 answers at once, c2 after 1.5 s: the stream must show c1's answer first.
                            byte[] answer = ("slow c" + n).getBytes(StandardCharsets.UTF_8);
                            if (n == 2) {
                                Thread t = new Thread(() -> {
                                    try {
                                        Thread.sleep(1500);
                                    } catch (InterruptedException x) {
                                        return;
                                    }
                                    q.respond(answer);
                                }, "slow-answer");
                                t.setDaemon(true);
                                t.start();
                            } else if (n == 1) {
                                q.respond(answer);
                            }
                        }
                    })));
        }
        nodes = started;
        Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> n.liveMembers().size() == 3), "3 members everywhere");
        guarded = cluster.own(AdminServer.builder(nodes.get(0)).bind(cluster.adminAddress())
                .token(AdminToken.of(TOKEN)).afterLeave(leaves::incrementAndGet).start());
        http = new Http(guarded.uri());
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static Http.Response post(String path, String body) throws Exception {
        return http.post(path, body.getBytes(StandardCharsets.UTF_8), "Authorization", "Bearer " + TOKEN);
    }

    @Test
    void everyChangingCallNeedsTheTokenAndChangesNothingWithout() throws Exception {
        // Each call below would succeed with the token: a second key to use or remove, a failed member to
        // force out, a node outside the cluster to join, members that answer the query.
        String second = Keyring.generateKeyBase64();
        assertEquals(200, post("/v1/keys/install", "{\"key\":\"" + second + "\"}").status());
        GossipNode ghost = cluster.start("ghost", Map.of("role", "app"), b -> b.keyring(Keyring.ofBase64(KEY)));
        GossipNode outsider = GossipNode.builder().name("outsider").bind(new InetSocketAddress("127.0.26.59",
                Cluster.PORT)).config(Cluster.CONFIG).keyring(Keyring.ofBase64(KEY)).start();
        try {
            Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> n.member("ghost").isPresent()), "ghost known");
            ghost.close();
            Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> Cluster.status(n, "ghost") == MemberStatus.FAILED),
                    Duration.ofSeconds(30), "ghost failed");
            Map<String, String> tagsBefore = nodes.get(0).localMember().tags();
            int eventsBefore = received.size();
            int askedBefore = asked.get();
            String[][] calls = {
                    {"/v1/event/deploy", "v1"},
                    {"/v1/query/whoami", ""},
                    {"/v1/tags", "{\"set\":{\"x\":\"1\"}}"},
                    {"/v1/keys/install", "{\"key\":\"" + Keyring.generateKeyBase64() + "\"}"},
                    {"/v1/keys/use", "{\"key\":\"" + second + "\"}"},
                    {"/v1/keys/remove", "{\"key\":\"" + second + "\"}"},
                    {"/v1/force-leave/ghost?prune=true", ""},
                    {"/v1/join", "{\"addresses\":[\"127.0.26.59:" + Cluster.PORT + "\"]}"},
                    {"/v1/leave", ""},
            };
            for (String[] c : calls) {
                byte[] body = c[1].getBytes(StandardCharsets.UTF_8);
                Http.Response none = http.post(c[0], body);
                assertEquals(401, none.status(), c[0] + " without a token: " + none.body());
                assertTrue(none.raw().headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), c[0]);
                assertFalse(none.body().contains(TOKEN), "the answer never shows the token");
                Http.Response wrong = http.post(c[0], body, "Authorization", "Bearer " + TOKEN + "x");
                assertEquals(401, wrong.status(), c[0] + " with a wrong token: " + wrong.body());
                Http.Response other = http.post(c[0], body, AdminToken.HEADER, "not-the-token-at-all");
                assertEquals(401, other.status(), c[0] + " with a wrong X-Grapevine-Token");
            }
            for (String path : List.of("/v1/keys", "/v1/monitor", "/v1/reachability")) {
                assertEquals(401, http.get(path).status(), path + " needs the token");
                assertEquals(401, http.get(path, "Authorization", "Bearer wrong-token-wrong-token").status(), path);
            }
            // Nothing changed: tags, events, query handlers, keys, membership, the node itself.
            Thread.sleep(1000);
            assertEquals(tagsBefore, nodes.get(0).localMember().tags());
            assertEquals(eventsBefore, received.size());
            assertEquals(askedBefore, asked.get(), "no member was asked the query");
            dev.grapevine.KeyListing keys = nodes.get(0).listKeys().get();
            assertEquals(2, keys.installed().size(), keys.toString());
            assertEquals(1, keys.primary().size(), keys.toString());
            assertEquals(Keyring.ofBase64(KEY).primary().fingerprint(), keys.primary().keySet().iterator().next());
            assertEquals(MemberStatus.FAILED, Cluster.status(nodes.get(0), "ghost"), "not forced out");
            assertTrue(nodes.get(0).member("outsider").isEmpty(), "not joined");
            assertEquals(0, leaves.get());
            assertEquals(MemberStatus.ALIVE, Cluster.status(nodes.get(1), "c0"), "c0 did not leave");
            // Reading stays open.
            assertEquals(200, http.get("/v1/members").status());
            assertEquals(200, http.get("/v1/stats").status());
            assertEquals(200, http.get("/v1/metrics").status());
        } finally {
            outsider.close();
            assertEquals(200, post("/v1/keys/remove", "{\"key\":\"" + second + "\"}").status());
            post("/v1/force-leave/ghost?prune=true", "");
        }
    }

    /** The status line's code and the body of a GET sent with this exact {@code Host} (over a raw socket). */
    private static String[] getWithHost(AdminServer server, String path, String host) throws Exception {
        try (java.net.Socket s = new java.net.Socket(server.address().getAddress(), server.address().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new String[]{answer.substring(9, 12), answer.substring(answer.indexOf("\r\n\r\n") + 4)};
        }
    }

    @Test
    void aRebindingPageIsRefusedByItsHostName() throws Exception {
        // DNS rebinding: evil.example now resolves to this machine, so the browser sends Host: evil.example
        // and a matching Origin. The Host is refused, for reads and writes alike.
        String port = ":" + guarded.address().getPort();
        String[] read = getWithHost(guarded, "/v1/members", "evil.example" + port);
        assertEquals("403", read[0], read[1]);
        assertTrue(read[1].contains("--admin-host"), read[1]);
        assertEquals("200", getWithHost(guarded, "/v1/members", "localhost" + port)[0]);
        assertEquals("200", getWithHost(guarded, "/v1/members", "127.0.0.1" + port)[0]);
        assertEquals("200", getWithHost(guarded, "/v1/members", "[::1]" + port)[0]);
        try (AdminServer named = AdminServer.builder(nodes.get(1)).bind(cluster.adminAddress()).allowHost("admin.lan")
                .start()) {
            String p = ":" + named.address().getPort();
            assertEquals("200", getWithHost(named, "/v1/members", "admin.lan" + p)[0]);
            assertEquals("200", getWithHost(named, "/v1/members", "ADMIN.LAN" + p)[0]);
            assertEquals("403", getWithHost(named, "/v1/members", "admin.lan.evil.example" + p)[0]);
        }
        assertThrows(IllegalArgumentException.class, () -> AdminServer.builder(nodes.get(1)).allowHost("a:80"));
    }

    @Test
    void aBrowserFromAnotherOriginIsRefusedEvenWithTheToken() throws Exception {
        HttpClient c = HttpClient.newHttpClient();
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(guarded.uri().resolve("/v1/tags"))
                .header("Authorization", "Bearer " + TOKEN).header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"set\":{\"evil\":\"1\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, r.statusCode());
        assertFalse(nodes.get(0).localMember().tags().containsKey("evil"));
    }

    @Test
    void aNonLoopbackBindWithoutTokenIsRefusedNamingTheWayOut() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdminServer
                .builder(nodes.get(1)).bind(new InetSocketAddress("0.0.0.0", 0)).start());
        assertTrue(e.getMessage().contains("--admin-insecure"), e.getMessage());
        assertTrue(e.getMessage().contains("token"), e.getMessage());
    }

    @Test
    void theTokenIsComparedWhole() {
        AdminToken t = AdminToken.of(TOKEN);
        assertTrue(t.matches(TOKEN));
        assertFalse(t.matches(TOKEN.substring(0, TOKEN.length() - 1)));
        assertFalse(t.matches(TOKEN + "0"));
        assertFalse(t.matches(""));
        assertFalse(t.matches(null));
        assertFalse(t.toString().contains(TOKEN));
        assertThrows(IllegalArgumentException.class, () -> AdminToken.of("short"));
        assertThrows(IllegalArgumentException.class, () -> AdminToken.of("has a space in it, 123456"));
    }

    @Test
    void tagsAreSetAndDeletedAndSpread() throws Exception {
        Http.Response r = post("/v1/tags", "{\"set\":{\"color\":\"blue\",\"size\":\"L\"}}");
        assertEquals(200, r.status(), r.body());
        assertEquals("blue", r.json().get("tags").get("color").asText());
        assertEquals("app", r.json().get("tags").get("role").asText(), "other tags stay");
        Cluster.awaitTrue(() -> "blue".equals(nodes.get(2).member("c0").orElseThrow().tag("color")), "tag spread");
        r = post("/v1/tags", "{\"delete\":[\"color\",\"size\"]}");
        assertEquals(200, r.status(), r.body());
        Cluster.awaitTrue(() -> nodes.get(2).member("c0").orElseThrow().tag("color") == null, "tag deletion spread");
        assertEquals(400, post("/v1/tags", "{}").status());
        assertEquals(400, post("/v1/tags", "{\"set\":{\"a\":1}}").status());
        assertEquals(400, post("/v1/tags", "{\"unknown\":1}").status());
        assertEquals(400, post("/v1/tags", "not json").status());
    }

    @Test
    void aQueryStreamsAcksAndAnswersThenASummary() throws Exception {
        HttpClient c = HttpClient.newHttpClient();
        HttpResponse<Stream<String>> r = c.send(HttpRequest.newBuilder(guarded.uri()
                        .resolve("/v1/query/whoami?timeout=2s&tag=zone=z%5B12%5D"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString("hi")).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
        List<JsonNode> lines = new ArrayList<>();
        r.body().forEach(l -> {
            try {
                lines.add(MAPPER.readTree(l));
            } catch (Exception e) {
                throw new IllegalStateException(l, e);
            }
        });
        JsonNode last = lines.get(lines.size() - 1);
        assertEquals("done", last.get("type").asText());
        assertEquals(2, last.get("acks").asInt(), "the tag filter keeps c1 and c2: " + lines);
        assertEquals(2, last.get("responses").asInt(), lines.toString());
        List<String> answers = lines.stream().filter(l -> l.get("type").asText().equals("response"))
                .map(l -> l.get("from").asText() + "=" + l.get("payload").asText()).sorted().toList();
        assertEquals(List.of("c1=I am c1", "c2=I am c2"), answers);
        assertEquals(400, post("/v1/query/whoami?relay-factor=300", "").status());
        assertEquals(400, post("/v1/query/whoami?tag=zone", "").status());
        assertEquals(400, post("/v1/query/whoami?timeout=soon", "").status());
    }

    @Test
    void answersAreStreamedAsTheyArriveNotAtTheEnd() throws Exception {
        HttpClient c = HttpClient.newHttpClient();
        HttpResponse<Stream<String>> r = c.send(HttpRequest.newBuilder(guarded.uri()
                        .resolve("/v1/query/slow?timeout=3s&ack=false"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofLines());
        Map<String, Long> at = new java.util.LinkedHashMap<>();
        r.body().forEach(l -> {
            String key = l.contains("\"done\"") ? "done" : l.contains("slow c1") ? "c1" : l.contains("slow c2") ? "c2" : l;
            at.put(key, System.nanoTime());
        });
        assertEquals(List.of("c1", "c2", "done"), List.copyOf(at.keySet()), at.toString());
        long c1ToC2 = (at.get("c2") - at.get("c1")) / 1_000_000;
        long c2ToDone = (at.get("done") - at.get("c2")) / 1_000_000;
        assertTrue(c1ToC2 >= 1000, "c1's answer came " + c1ToC2 + " ms before c2's: streamed, not batched");
        assertTrue(c2ToDone >= 500, "c2's answer came " + c2ToDone + " ms before the end of the query");
    }

    @Test
    void keysAreRotatedWithPerMemberResults() throws Exception {
        String next = Keyring.generateKeyBase64();
        Http.Response r = post("/v1/keys/install", "{\"key\":\"" + next + "\"}");
        assertEquals(200, r.status(), r.body());
        assertTrue(r.json().get("complete").asBoolean(), r.body());
        assertEquals(3, r.json().get("succeeded").size(), r.body());
        Http.Response list = http.get("/v1/keys", "Authorization", "Bearer " + TOKEN);
        assertEquals(200, list.status(), list.body());
        assertEquals(2, list.json().get("keys").size(), list.body());
        list.json().get("keys").forEach(n -> assertEquals(3, n.asInt(), list.body()));
        assertEquals(3, list.json().get("members").asInt());
        assertEquals(200, post("/v1/keys/use", "{\"key\":\"" + next + "\"}").status());
        assertEquals(200, post("/v1/keys/use", "{\"key\":\"" + KEY + "\"}").status());
        assertEquals(200, post("/v1/keys/remove", "{\"key\":\"" + next + "\"}").status());
        Http.Response after = http.get("/v1/keys", "Authorization", "Bearer " + TOKEN);
        assertEquals(1, after.json().get("keys").size(), after.body());
        assertEquals(400, post("/v1/keys/install", "{\"key\":\"not base64!\"}").status());
        assertEquals(400, post("/v1/keys/install", "{}").status());
    }

    @Test
    void joinStatsAndReachability() throws Exception {
        Http.Response j = post("/v1/join", "{\"addresses\":[\"" + hostPort(nodes.get(2)) + "\"]}");
        assertEquals(200, j.status(), j.body());
        assertEquals(1, j.json().get("joined").asInt());
        Http.Response bad = post("/v1/join", "{\"addresses\":[\"127.0.26.251:17946\"]}");
        assertEquals(502, bad.status(), bad.body());
        assertEquals(400, post("/v1/join", "{\"addresses\":[]}").status());

        JsonNode stats = http.get("/v1/stats").json();
        assertEquals("c0", stats.get("agent").get("name").asText());
        assertEquals(dev.grapevine.wire.Codec.VERSION, stats.get("agent").get("protocol").asInt());
        assertTrue(stats.get("agent").has("version"), stats.toString());
        assertTrue(stats.get("serf").get("members").asInt() >= 3, stats.toString());
        assertTrue(stats.get("serf").get("encrypted").asBoolean());
        assertTrue(stats.get("serf").get("member_time").asLong() > 0);
        assertTrue(stats.get("counters").get("packets_received").asLong() > 0);
        assertEquals("app", stats.get("tags").get("role").asText());

        JsonNode reach = http.get("/v1/reachability?timeout=1s", "Authorization", "Bearer " + TOKEN).json();
        assertEquals(0, reach.get("silent").size(), reach.toString());
        assertTrue(reach.get("answered").size() >= 3, reach.toString());
    }

    private static String hostPort(GossipNode n) {
        return n.advertiseAddress().getAddress().getHostAddress() + ":" + n.advertiseAddress().getPort();
    }

    @Test
    void monitorStreamsLogLinesAndEvents() throws Exception {
        HttpClient c = HttpClient.newHttpClient();
        HttpResponse<Stream<String>> r = c.send(HttpRequest.newBuilder(
                        guarded.uri().resolve("/v1/monitor?log-level=info")).header("Authorization", "Bearer " + TOKEN)
                        .GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, r.statusCode());
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> r.body().forEach(lines::add), "monitor-reader");
        reader.setDaemon(true);
        reader.start();
        Cluster.awaitTrue(() -> !lines.isEmpty(), "the start line");
        assertTrue(lines.get(0).contains("\"type\":\"start\""), lines.get(0));
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger("dev.grapevine.test.monitor");
        jul.info("hello from the monitor test");
        jul.fine("too fine to be shown");
        nodes.get(1).updateTags(Map.of("role", "app", "zone", "z1", "mood", "monitored")).get();
        Cluster.awaitTrue(() -> lines.stream().anyMatch(l -> l.contains("hello from the monitor test")),
                "the log line: " + lines);
        Cluster.awaitTrue(() -> lines.stream().anyMatch(l -> l.contains("member-update") && l.contains("c1")),
                "the member-update event: " + lines);
        assertTrue(lines.stream().noneMatch(l -> l.contains("too fine")), lines.toString());
        assertEquals(400, http.get("/v1/monitor?log-level=loud", "Authorization", "Bearer " + TOKEN).status());
    }

    @Test
    void forceLeaveMakesAFailedMemberLeftEverywhereAndPruneRemovesIt() throws Exception {
        GossipNode victim = cluster.start("victim", Map.of("role", "app"), b -> b.keyring(Keyring.ofBase64(KEY)));
        GossipNode victim2 = cluster.start("victim2", Map.of("role", "app"), b -> b.keyring(Keyring.ofBase64(KEY)));
        Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> n.member("victim2").isPresent()
                && n.member("victim").isPresent()), "victims known");
        assertEquals(409, post("/v1/force-leave/victim", "").status(), "alive: refused");
        assertEquals(404, post("/v1/force-leave/nobody", "").status());
        victim.close();
        victim2.close();
        Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> Cluster.status(n, "victim") == MemberStatus.FAILED
                && Cluster.status(n, "victim2") == MemberStatus.FAILED), Duration.ofSeconds(30), "victims failed");
        Http.Response r = post("/v1/force-leave/victim", "");
        assertEquals(200, r.status(), r.body());
        Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> Cluster.status(n, "victim") == MemberStatus.LEFT),
                "victim left everywhere");
        r = post("/v1/force-leave/victim2?prune=true", "");
        assertEquals(200, r.status(), r.body());
        Cluster.awaitTrue(() -> nodes.stream().allMatch(n -> n.member("victim2").isEmpty()),
                "victim2 gone everywhere");
    }

    @Test
    void leaveLeavesThenRunsTheAfterLeaveAction() throws Exception {
        GossipNode leaver = cluster.start("leaver", Map.of("role", "app"), b -> b.keyring(Keyring.ofBase64(KEY)));
        AtomicInteger after = new AtomicInteger();
        AdminServer admin = cluster.own(AdminServer.builder(leaver).bind(cluster.adminAddress())
                .afterLeave(after::incrementAndGet).start());
        Cluster.awaitTrue(() -> nodes.get(1).member("leaver").isPresent(), "leaver known");
        Http.Response r = new Http(admin.uri()).post("/v1/leave", new byte[0]);
        assertEquals(200, r.status(), r.body());
        Cluster.awaitTrue(() -> Cluster.status(nodes.get(1), "leaver") == MemberStatus.LEFT, "leaver left");
        Cluster.awaitTrue(() -> after.get() == 1, "the after-leave action ran");
    }
}
