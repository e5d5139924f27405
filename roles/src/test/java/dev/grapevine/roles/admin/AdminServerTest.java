package dev.grapevine.roles.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.grapevine.GossipNode;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.StreamSupport;

import static dev.grapevine.roles.admin.Cluster.awaitTrue;
import static dev.grapevine.roles.admin.Cluster.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin HTTP API over real HTTP, on nodes gossiping over real UDP and TCP, all on 127.0.7.x. */
class AdminServerTest {

    private static final Cluster.Addresses ADDRESSES = new Cluster.Addresses(1, 180);

    private final Cluster cluster = new Cluster(ADDRESSES);

    @AfterEach
    void stop() {
        cluster.close();
    }

    private AdminServer admin(GossipNode node) throws IOException {
        return cluster.own(AdminServer.builder(node).bind(cluster.adminAddress()).start());
    }

    private static Http http(AdminServer admin) {
        return new Http(admin.uri());
    }

    private static List<String> names(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(m -> m.get("name").asText()).toList();
    }

    private static Set<String> fieldNames(JsonNode object) {
        Set<String> out = new TreeSet<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void membersListEveryMemberWithItsStatusAndTags() throws Exception {
        List<GossipNode> n = cluster.startAll(4);
        Http api = http(admin(n.get(0)));
        n.get(3).leave().get(10, TimeUnit.SECONDS);
        n.get(3).close();
        n.get(2).close();
        awaitTrue(() -> status(n.get(0), "n3") == MemberStatus.LEFT, "n3 left");
        awaitTrue(() -> status(n.get(0), "n2") == MemberStatus.FAILED, "n2 failed");

        Http.Response r = api.get("/v1/members");
        assertEquals(200, r.status());
        assertTrue(r.contentType().startsWith("application/json"), r.contentType());
        JsonNode members = r.json();
        assertTrue(members.isArray());
        assertEquals(List.of("n0", "n1", "n2", "n3"), names(members));
        Map<String, String> statuses = new TreeMap<>();
        for (JsonNode m : members) {
            assertEquals(Set.of("name", "address", "port", "status", "tags"), fieldNames(m));
            GossipNode node = n.get(Integer.parseInt(m.get("name").asText().substring(1)));
            assertEquals(node.advertiseAddress().getAddress().getHostAddress(), m.get("address").asText());
            assertEquals(Cluster.PORT, m.get("port").asInt());
            assertTrue(m.get("tags").isObject());
            assertEquals(node.name().equals("n0") ? "front" : "app", m.get("tags").get("role").asText());
            statuses.put(m.get("name").asText(), m.get("status").asText());
        }
        assertEquals(Map.of("n0", "alive", "n1", "alive", "n2", "failed", "n3", "left"), statuses);

        assertEquals(List.of("n1", "n2", "n3"), names(api.get("/v1/members?role=app").json()));
        assertEquals(List.of("n3"), names(api.get("/v1/members?status=left").json()));
        assertEquals(List.of("n1"), names(api.get("/v1/members?role=app&status=alive").json()));
        assertEquals(List.of(), names(api.get("/v1/members?role=dns").json()));

        Http.Response bad = api.get("/v1/members?status=dead");
        assertEquals(400, bad.status());
        assertTrue(bad.json().get("error").asText().contains("alive, suspect, failed, left"), bad.body());
        Http.Response unknown = api.get("/v1/members?colour=red");
        assertEquals(400, unknown.status());
        assertTrue(unknown.json().get("error").asText().contains("colour"), unknown.body());

        JsonNode self = api.get("/v1/self").json();
        assertEquals("n0", self.get("name").asText());
        assertEquals("alive", self.get("status").asText());
        assertEquals("front", self.get("tags").get("role").asText());
    }

    @Test
    void aPostedEventReachesEveryNodeAndShowsInTheirEvents() throws Exception {
        List<GossipNode> n = cluster.startAll(3);
        Http sender = http(admin(n.get(0)));
        Http receiver = http(admin(n.get(2)));

        Http.Response sent = sender.post("/v1/event/deploy?coalesce=false", "v1.2".getBytes(StandardCharsets.UTF_8));
        assertEquals(200, sent.status(), sent.body());
        assertEquals("deploy", sent.json().get("name").asText());
        assertEquals(4, sent.json().get("size").asInt());
        assertFalse(sent.json().get("coalesce").asBoolean());
        byte[] binary = {(byte) 0xff, 0, (byte) 0xfe, 'x'};
        assertEquals(200, sender.post("/v1/event/build%20done", binary).status());

        AtomicReference<JsonNode> seen = new AtomicReference<>();
        awaitTrue(() -> {
            try {
                seen.set(receiver.get("/v1/events").json());
                return seen.get().size() == 2;
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, "both events at n2");
        Map<String, JsonNode> byName = new TreeMap<>();
        seen.get().forEach(e -> byName.put(e.get("name").asText(), e));
        JsonNode deploy = byName.get("deploy");
        assertEquals(Set.of("name", "ltime", "payload", "encoding", "size", "received"), fieldNames(deploy));
        assertEquals("v1.2", deploy.get("payload").asText());
        assertEquals("utf-8", deploy.get("encoding").asText());
        assertEquals(4, deploy.get("size").asInt());
        Instant received = Instant.parse(deploy.get("received").asText());
        assertFalse(received.isAfter(Instant.now()));
        JsonNode build = byName.get("build done");
        assertNotNull(build, seen.get().toString());
        assertEquals("base64", build.get("encoding").asText());
        assertEquals(List.of((byte) 0xff, (byte) 0, (byte) 0xfe, (byte) 'x'),
                bytes(Base64.getDecoder().decode(build.get("payload").asText())));
        assertTrue(build.get("ltime").asLong() > deploy.get("ltime").asLong(), seen.get().toString());
        assertEquals(2, sender.get("/v1/events").json().size(), "the sender delivers its own events too");
    }

    private static List<Byte> bytes(byte[] b) {
        List<Byte> out = new ArrayList<>();
        for (byte x : b) {
            out.add(x);
        }
        return out;
    }

    @Test
    void badEventsAreRefusedWithAClearMessage() throws Exception {
        GossipNode node = cluster.startAll(1).get(0);
        AdminServer admin = admin(node);
        Http api = http(admin);
        int limit = node.config().userEventSizeLimit();

        Http.Response big = api.post("/v1/event/big", new byte[limit]);
        assertEquals(413, big.status(), big.body());
        String message = big.json().get("error").asText();
        assertTrue(message.contains("userEventSizeLimit " + limit) && message.contains("'big'"), message);
        assertEquals(413, big.json().get("status").asInt());
        // Exactly at the limit (name plus payload) is fine.
        assertEquals(200, api.post("/v1/event/big", new byte[limit - 3]).status());

        Http.Response empty = api.post("/v1/event/", new byte[0]);
        assertEquals(400, empty.status());
        assertTrue(empty.json().get("error").asText().contains("empty"), empty.body());
        Http.Response reserved = api.post("/v1/event/_grapevine_x", new byte[0]);
        assertEquals(400, reserved.status());
        assertTrue(reserved.json().get("error").asText().contains("reserved"), reserved.body());
        Http.Response coalesce = api.post("/v1/event/x?coalesce=maybe", new byte[0]);
        assertEquals(400, coalesce.status());
        assertTrue(coalesce.json().get("error").asText().contains("coalesce"), coalesce.body());
        Http.Response foreign = api.post("/v1/event/x", new byte[0], "Origin", "http://evil.example");
        assertEquals(403, foreign.status());
        assertTrue(foreign.json().get("error").asText().contains("http://evil.example"), foreign.body());
        // The page itself (same origin) may post.
        String self = "http://" + admin.address().getAddress().getHostAddress() + ":" + admin.address().getPort();
        assertEquals(200, api.post("/v1/event/same", new byte[0], "Origin", self).status());
        Http.Response get = api.get("/v1/event/x");
        assertEquals(405, get.status());
        assertEquals("POST", get.raw().headers().firstValue("Allow").orElse(""));

        // A marker sent after every refused request: the node delivers its own events in the order it sends
        // them (coalesced ones, as these are, in one burst or a later one), so a refused event that had been
        // sent anyway would be in the log before the marker.
        assertEquals(200, api.post("/v1/event/marker", new byte[0]).status());
        awaitTrue(() -> admin.eventLog().events().stream().anyMatch(e -> e.name().equals("marker")),
                "the marker delivered");
        assertEquals(List.of("big", "same", "marker"),
                admin.eventLog().events().stream().map(ReceivedEvent::name).toList(), "no refused event was sent");
        assertEquals(6, admin.badRequests());
    }

    @Test
    void eventsAreNewestLastAndTheRingIsBounded() throws Exception {
        GossipNode node = cluster.startAll(1).get(0);
        AdminServer admin = cluster.own(AdminServer.builder(node).bind(cluster.adminAddress()).eventHistory(5).start());
        Http api = http(admin);
        for (int i = 0; i < 8; i++) {
            assertEquals(200, api.post("/v1/event/e" + i + "?coalesce=false", new byte[]{(byte) i}).status());
        }
        awaitTrue(() -> admin.eventLog().total() == 8, "8 events delivered");
        JsonNode events = api.get("/v1/events").json();
        assertEquals(List.of("e3", "e4", "e5", "e6", "e7"), names(events));
        long previous = -1;
        for (JsonNode e : events) {
            assertTrue(e.get("ltime").asLong() > previous, events.toString());
            previous = e.get("ltime").asLong();
        }
    }

    @Test
    void anEventLogRegisteredAtStartHoldsEventsFromBeforeTheServer() throws Exception {
        UserEventLog log = new UserEventLog(16, java.time.Clock.systemUTC());
        GossipNode node = cluster.start("early", Map.of(), b -> b.listener(log));
        node.sendEvent("boot", "1".getBytes(StandardCharsets.UTF_8), false);
        awaitTrue(() -> log.total() == 1, "boot event logged");
        AdminServer admin = cluster.own(AdminServer.builder(node).bind(cluster.adminAddress()).eventLog(log).start());
        node.sendEvent("later", new byte[0], false);
        awaitTrue(() -> log.total() == 2, "later event logged");
        assertEquals(List.of("boot", "later"), names(http(admin).get("/v1/events").json()));
        assertEquals(2, log.events().size(), "the server did not attach the given log a second time");
    }

    @Test
    void healthFollowsTheNodeItsHealthTagAndTheChecks() throws Exception {
        List<GossipNode> n = cluster.startAll(2);
        AtomicReference<List<HealthChecks.CheckState>> checks = new AtomicReference<>(
                List.of(new HealthChecks.CheckState("http", true, "200 OK")));
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        HealthChecks source = () -> {
            if (failure.get() != null) {
                throw failure.get();
            }
            return checks.get();
        };
        Http api = http(cluster.own(AdminServer.builder(n.get(0)).bind(cluster.adminAddress()).healthChecks(source)
                .start()));

        Http.Response ok = api.get("/v1/health");
        assertEquals(200, ok.status(), ok.body());
        JsonNode h = ok.json();
        assertTrue(h.get("healthy").asBoolean());
        assertEquals("n0", h.get("node").asText());
        assertEquals("alive", h.get("status").asText());
        assertEquals(2, h.get("members").get("alive").asInt());
        assertEquals(2, h.get("members").get("total").asInt());
        assertEquals(0, h.get("members").get("failed").asInt());
        assertTrue(h.get("healthScore").isInt());
        assertEquals("http", h.get("checks").get(0).get("name").asText());
        assertTrue(h.get("checks").get(0).get("passing").asBoolean());
        assertEquals(0, h.get("problems").size());

        checks.set(List.of(new HealthChecks.CheckState("http", false, "connection refused")));
        Http.Response failing = api.get("/v1/health");
        assertEquals(503, failing.status());
        assertFalse(failing.json().get("healthy").asBoolean());
        assertEquals("check 'http' is failing: connection refused", failing.json().get("problems").get(0).asText());

        checks.set(List.of());
        failure.set(new IllegalStateException("checker stopped"));
        Http.Response broken = api.get("/v1/health");
        assertEquals(503, broken.status());
        assertEquals(HealthChecks.SOURCE_CHECK, broken.json().get("checks").get(0).get("name").asText());
        assertTrue(broken.json().get("checks").get(0).get("output").asText().contains("checker stopped"));
        failure.set(null);
        assertEquals(200, api.get("/v1/health").status());

        n.get(0).updateTags(Map.of("role", "front", "health", "critical")).get(10, TimeUnit.SECONDS);
        Http.Response critical = api.get("/v1/health");
        assertEquals(503, critical.status());
        assertEquals("critical", critical.json().get("healthTag").asText());
        assertEquals("health tag is 'critical'", critical.json().get("problems").get(0).asText());
        n.get(0).updateTags(Map.of("role", "front", "health", "passing")).get(10, TimeUnit.SECONDS);
        assertEquals(200, api.get("/v1/health").status());

        n.get(1).close();
        awaitTrue(() -> status(n.get(0), "n1") == MemberStatus.FAILED, "n1 failed");
        Http.Response peerDown = api.get("/v1/health");
        assertEquals(200, peerDown.status(), "a failed peer does not make this node unhealthy");
        assertEquals(1, peerDown.json().get("members").get("failed").asInt());

        n.get(0).leave().get(10, TimeUnit.SECONDS);
        Http.Response left = api.get("/v1/health");
        assertEquals(503, left.status(), left.body());
        assertEquals("node is left", left.json().get("problems").get(0).asText());
    }

    @Test
    void unknownPathsAndWrongMethodsAnswerWithJsonErrors() throws Exception {
        AdminServer admin = admin(cluster.startAll(1).get(0));
        Http api = http(admin);
        for (String path : List.of("/v1/nope", "/v1/event", "/ui/nope", "/v1/members/x")) {
            Http.Response r = api.get(path);
            assertEquals(404, r.status(), path);
            assertTrue(r.contentType().startsWith("application/json"), path);
            assertEquals(404, r.json().get("status").asInt(), path);
            assertTrue(r.json().get("error").asText().contains(path), r.body());
        }
        for (String path : List.of("/v1/members", "/v1/events", "/v1/health", "/v1/self", "/v1/stream", "/ui")) {
            Http.Response r = api.post(path, new byte[0]);
            assertEquals(405, r.status(), path);
            assertEquals("GET", r.raw().headers().firstValue("Allow").orElse(""), path);
            assertTrue(r.json().get("error").asText().contains("POST"), r.body());
        }
        assertEquals(405, api.method("DELETE", "/v1/event/x").status());
        assertEquals(11, admin.badRequests());

        Http.Response root = api.get("/");
        assertEquals(302, root.status());
        assertEquals("/ui", root.raw().headers().firstValue("Location").orElse(""));
        Http.Response page = api.get("/ui");
        assertEquals(200, page.status());
        assertTrue(page.contentType().startsWith("text/html"), page.contentType());
        assertTrue(page.body().contains("id=\"members\""), page.body());
        assertTrue(api.get("/ui/app.js").contentType().startsWith("text/javascript"));
        assertTrue(api.get("/ui/app.css").contentType().startsWith("text/css"));
    }

    @Test
    void theStreamSendsASnapshotThenJoinsLeavesAndEvents() throws Exception {
        List<GossipNode> n = cluster.startAll(2);
        AdminServer admin = admin(n.get(0));
        Http api = http(admin);
        try (Http.EventStream stream = api.stream()) {
            assertEquals(200, stream.status);
            assertTrue(stream.contentType.startsWith("text/event-stream"), stream.contentType);
            Http.Event first = stream.next();
            assertEquals("snapshot", first.type());
            assertEquals(List.of("n0", "n1"), names(first.data().get("members")));

            GossipNode joiner = cluster.start("n2", Map.of("role", "app"));
            Http.Event joined = stream.until(e -> e.type().equals("member") && e.data().get("name").asText().equals("n2"));
            assertEquals("alive", joined.data().get("status").asText());
            assertEquals("app", joined.data().get("tags").get("role").asText());

            joiner.leave().get(10, TimeUnit.SECONDS);
            stream.until(e -> e.type().equals("member") && e.data().get("name").asText().equals("n2")
                    && e.data().get("status").asText().equals("left"));

            assertEquals(200, api.post("/v1/event/hello", "world".getBytes(StandardCharsets.UTF_8)).status());
            Http.Event user = stream.until(e -> e.type().equals("user-event"));
            assertEquals("hello", user.data().get("name").asText());
            assertEquals("world", user.data().get("payload").asText());
        }
    }

    @Test
    void streamsAreLimitedAndASlotFreesWhenAClientGoes() throws Exception {
        GossipNode node = cluster.startAll(1).get(0);
        AdminServer admin = cluster.own(AdminServer.builder(node).bind(cluster.adminAddress()).maxStreams(1)
                .streamKeepAlive(Duration.ofMillis(100)).start());
        Http api = http(admin);
        Http.EventStream first = api.stream();
        assertEquals("snapshot", first.next().type());
        assertEquals(1, admin.openStreams());
        Http.Response refused = api.get("/v1/stream");
        assertEquals(503, refused.status());
        assertTrue(refused.json().get("error").asText().contains("maxStreams 1"), refused.body());
        first.close();
        // The server finds the client gone at its next keep-alive.
        awaitTrue(() -> admin.openStreams() == 0, "slot freed");
        try (Http.EventStream second = api.stream()) {
            assertEquals(200, second.status);
            assertEquals("snapshot", second.next().type());
        }
    }

    @Test
    void closeEndsStreamsAndStopsEveryThread() throws Exception {
        GossipNode node = cluster.start("closing", Map.of());
        AdminServer admin = AdminServer.builder(node).bind(cluster.adminAddress()).start();
        Http api = http(admin);
        Http.EventStream stream = api.stream();
        assertEquals("snapshot", stream.next().type());
        assertEquals(200, api.get("/v1/members").status());
        String prefix = "grapevine-admin-closing-";
        // Requests and streams alike are served on one loop thread, its own since it was given none.
        assertEquals(1, threads(prefix), threadNames().toString());
        assertEquals(1, threads(prefix + "http-1"));

        admin.close();
        assertEquals("end", stream.next().type(), "the stream ends with the server");
        stream.close();
        awaitTrue(() -> threads(prefix) == 0, "admin threads gone: " + threadNames());
        IOException refused = assertThrows(IOException.class, () -> api.get("/v1/members"));
        assertTrue(refused instanceof ConnectException || refused.getCause() instanceof ConnectException,
                refused.toString());
        admin.close();
        assertFalse(node.isClosed(), "closing the admin server leaves the node running");
    }

    private static long threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }

    private static List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList();
    }

    @Test
    void badOptionsFailNamingTheField() throws Exception {
        GossipNode node = cluster.startAll(1).get(0);
        Map<String, java.util.function.UnaryOperator<AdminServer.Builder>> bad = Map.of(
                "eventHistory", b -> b.eventHistory(0),
                "maxInFlight", b -> b.maxInFlight(0),
                "maxStreams", b -> b.maxStreams(0),
                "streamQueue", b -> b.streamQueue(1),
                "streamRefresh", b -> b.streamRefresh(Duration.ZERO),
                "streamKeepAlive", b -> b.streamKeepAlive(Duration.ofSeconds(-1)),
                "eventLog", b -> b.eventHistory(10).eventLog(new UserEventLog()));
        for (Map.Entry<String, java.util.function.UnaryOperator<AdminServer.Builder>> c : bad.entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.getValue().apply(AdminServer.builder(node).bind(cluster.adminAddress())).start());
            assertTrue(e.getMessage().contains(c.getKey()), e.getMessage());
        }
        InetSocketAddress taken = cluster.adminAddress();
        try (ServerSocket occupied = new ServerSocket(0, 1, taken.getAddress())) {
            InetSocketAddress busy = new InetSocketAddress(taken.getAddress(), occupied.getLocalPort());
            IOException e = assertThrows(IOException.class, () -> AdminServer.builder(node).bind(busy).start());
            assertTrue(e.getMessage().contains(busy.toString()), e.getMessage());
        }
        assertEquals(0, threads("grapevine-admin-" + node.name()), "a failed start leaves no thread");
        node.close();
        assertThrows(IllegalStateException.class, () -> AdminServer.builder(node).start());
    }
}
