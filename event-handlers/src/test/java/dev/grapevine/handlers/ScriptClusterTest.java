package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.QueryOptions;
import dev.grapevine.QueryResponse;
import dev.grapevine.QueryResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.grapevine.handlers.Dump.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bash event script, written as for Serf, on a real cluster over UDP and TCP on 127.0.8.10-12: every
 * event type reaches it with Serf's environment and stdin, byte for byte; queries are answered with its
 * output; a sleeping handler does not hold membership up.
 */
class ScriptClusterTest {

    private static final Duration WAIT = Duration.ofSeconds(40);
    /** The local profile, with failed and left members reaped after a few seconds so member-reap is seen. */
    private static final GossipConfig CONFIG = GossipConfig.local().toBuilder()
            .reconnectTimeout(Duration.ofSeconds(4))
            .tombstoneTimeout(Duration.ofSeconds(4))
            .reapInterval(Duration.ofSeconds(1))
            .build();

    private final List<AutoCloseable> open = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private GossipNode node(String name, String ip, Map<String, String> tags, GossipConfig config,
                            EventDispatcher handlers, List<ClusterEvent> seen) throws IOException {
        return seen == null ? Nodes.start(name, ip, tags, config, handlers, open)
                : Nodes.start(name, ip, tags, config, handlers, open, seen::add);
    }

    private static String join(GossipNode joiner, GossipNode to) throws Exception {
        joiner.join(List.of(to.advertiseAddress())).get(20, TimeUnit.SECONDS);
        return joiner.name();
    }

    private static Map<String, String> env(String event, Map<String, String> more) {
        Map<String, String> env = new TreeMap<>(Map.of("SERF_EVENT", event, "SERF_SELF_NAME", "alpha",
                "SERF_SELF_ROLE", "web", "SERF_TAG_ROLE", "web", "SERF_TAG_DC", "east", "SERF_TAG_X_Y_Z", "1"));
        env.putAll(more);
        return env;
    }

    /** Every stdin line of every run of {@code event}. */
    private static Set<String> lines(Dump dump, String event) {
        return dump.runs(event).stream().flatMap(r -> r.stdin().lines()).collect(Collectors.toSet());
    }

    @Test
    void everyEventTypeReachesABashScriptAsSerfPassesIt() throws Exception {
        Dump dump = Dump.create(dir);
        List<ClusterEvent> seen = new CopyOnWriteArrayList<>();
        EventDispatcher handlers = EventDispatcher.builder().script(dump.script().toString()).build();
        GossipNode alpha = node("alpha", "127.0.8.10", Map.of("role", "web", "dc", "east", "x-y.z", "1"), CONFIG,
                handlers, seen);
        GossipNode beta = node("beta", "127.0.8.11", Map.of("role", "db"), CONFIG, null, null);
        String alphaLine = "alpha\t127.0.8.10\tweb\tdc=east,role=web,x-y.z=1";
        String betaLine = "beta\t127.0.8.11\tdb\trole=db";

        // member-join: alpha's own join as it starts, then beta's.
        join(beta, alpha);
        assertTrue(await(() -> lines(dump, "member-join").equals(Set.of(alphaLine, betaLine)), WAIT),
                () -> "member-join runs: " + dump.runs());
        Dump.Run first = dump.runs().get(0);
        assertEquals(env("member-join", Map.of()), new TreeMap<>(first.env()));
        assertEquals(alphaLine + "\n", first.stdin());

        // member-update
        beta.updateTags(Map.of("role", "db", "a", "b")).get(10, TimeUnit.SECONDS);
        String betaUpdated = "beta\t127.0.8.11\tdb\ta=b,role=db";
        assertTrue(await(() -> lines(dump, "member-update").contains(betaUpdated), WAIT), () -> "" + dump.runs());
        assertEquals(env("member-update", Map.of()), new TreeMap<>(dump.runs("member-update").get(0).env()));

        // user events: the payload gets a final newline; an empty one stays empty.
        beta.sendEvent("deploy", "v1.2".getBytes(StandardCharsets.UTF_8), false);
        assertTrue(await(() -> dump.runs("user").size() == 1, WAIT), () -> "" + dump.runs());
        beta.sendEvent("empty", new byte[0], false);
        assertTrue(await(() -> dump.runs("user").size() == 2, WAIT), () -> "" + dump.runs());
        List<ClusterEvent.UserEvent> userEvents = seen.stream().filter(e -> e instanceof ClusterEvent.UserEvent)
                .map(e -> (ClusterEvent.UserEvent) e).toList();
        Dump.Run deploy = dump.runs("user").get(0);
        assertEquals(env("user", Map.of("SERF_USER_EVENT", "deploy",
                "SERF_USER_LTIME", Long.toString(userEvents.get(0).ltime()))), new TreeMap<>(deploy.env()));
        assertEquals("v1.2\n", deploy.stdin());
        Dump.Run empty = dump.runs("user").get(1);
        assertEquals(env("user", Map.of("SERF_USER_EVENT", "empty",
                "SERF_USER_LTIME", Long.toString(userEvents.get(1).ltime()))), new TreeMap<>(empty.env()));
        assertEquals("", empty.stdin());

        // query: answered with stdout and stderr, as Serf does.
        QueryResult answers = beta.query("load", "qp".getBytes(StandardCharsets.UTF_8),
                QueryOptions.defaults().timeout(Duration.ofSeconds(5))).result().get(20, TimeUnit.SECONDS);
        assertEquals(List.of("alpha: answer from alpha to load\nto stderr\n"), responses(answers));
        ClusterEvent.Query asked = seen.stream().filter(e -> e instanceof ClusterEvent.Query)
                .map(e -> (ClusterEvent.Query) e).findFirst().orElseThrow();
        Dump.Run query = dump.runs("query").get(0);
        assertEquals(env("query", Map.of("SERF_QUERY_NAME", "load", "SERF_QUERY_LTIME",
                Long.toString(asked.ltime()))), new TreeMap<>(query.env()));
        assertEquals("qp\n", query.stdin());

        // member-failed: gamma stops without leaving.
        GossipNode gamma = node("gamma", "127.0.8.12", Map.of(), CONFIG, null, null);
        join(gamma, alpha);
        String gammaLine = "gamma\t127.0.8.12\t\t";
        assertTrue(await(() -> lines(dump, "member-join").contains(gammaLine), WAIT), () -> "" + dump.runs());
        gamma.close();
        assertTrue(await(() -> lines(dump, "member-failed").equals(Set.of(gammaLine)), WAIT), () -> "" + dump.runs());
        assertEquals(env("member-failed", Map.of()), new TreeMap<>(dump.runs("member-failed").get(0).env()));

        // member-leave: beta leaves gracefully.
        beta.leave().get(20, TimeUnit.SECONDS);
        beta.close();
        assertTrue(await(() -> lines(dump, "member-leave").equals(Set.of(betaUpdated)), WAIT), () -> "" + dump.runs());
        assertEquals(env("member-leave", Map.of()), new TreeMap<>(dump.runs("member-leave").get(0).env()));

        // member-reap: both are forgotten after their timeouts.
        assertTrue(await(() -> lines(dump, "member-reap").equals(Set.of(gammaLine, betaUpdated)), WAIT),
                () -> "" + dump.runs());
        assertEquals(env("member-reap", Map.of()), new TreeMap<>(dump.runs("member-reap").get(0).env()));

        assertTrue(handlers.stats().get(0).failures() == 0, () -> "" + handlers.stats());
    }

    private static List<String> responses(QueryResult r) {
        return r.responses().stream()
                .map(x -> x.from() + ": " + new String(x.payload(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void queryAnswersAreTruncatedToTheLimitAndOnlySentOnSuccessWithOutput() throws Exception {
        GossipConfig small = CONFIG.toBuilder().queryResponseSizeLimit(64).build();
        EventDispatcher handlers = EventDispatcher.builder()
                .script("query:big=head -c 1000 /dev/zero | tr '\\0' x")
                .script("query:fails=echo not an answer; exit 1")
                .script("query:silent=true")
                .script("query:echo=cat")
                .build();
        GossipNode alpha = node("alpha", "127.0.8.10", Map.of(), small, handlers, null);
        GossipNode beta = node("beta", "127.0.8.11", Map.of(), small, null, null);
        join(beta, alpha);
        QueryOptions onlyAlpha = QueryOptions.defaults().filterNodes(List.of("alpha")).requestAck(true)
                .timeout(Duration.ofSeconds(3));

        QueryResult big = beta.query("big", new byte[0], onlyAlpha).result().get(20, TimeUnit.SECONDS);
        assertEquals(List.of("alpha: " + "x".repeat(64)), responses(big));

        QueryResult fails = beta.query("fails", new byte[0], onlyAlpha).result().get(20, TimeUnit.SECONDS);
        assertEquals(List.of(), responses(fails));
        assertEquals(Set.of("alpha"), fails.acks(), "alpha got the query and chose not to answer");

        QueryResult silent = beta.query("silent", new byte[0], onlyAlpha).result().get(20, TimeUnit.SECONDS);
        assertEquals(List.of(), responses(silent));

        QueryResult echo = beta.query("echo", "ping".getBytes(StandardCharsets.UTF_8), onlyAlpha).result()
                .get(20, TimeUnit.SECONDS);
        assertEquals(List.of("alpha: ping\n"), responses(echo));

        assertTrue(await(() -> handlers.stats().stream().allMatch(x -> x.invocations() == 1), WAIT),
                () -> "" + handlers.stats());
        List<HandlerStats> stats = handlers.stats();
        assertEquals(List.of(0L, 1L, 0L, 0L), stats.stream().map(HandlerStats::failures).toList(), stats::toString);
    }

    @Test
    void membershipCarriesOnWhileAHandlerSleeps() throws Exception {
        EventDispatcher handlers = EventDispatcher.builder().script("sleep 120").timeout(Duration.ofMinutes(5))
                .build();
        GossipNode alpha = node("alpha", "127.0.8.10", Map.of(), CONFIG, handlers, null);
        GossipNode beta = node("beta", "127.0.8.11", Map.of(), CONFIG, null, null);
        GossipNode gamma = node("gamma", "127.0.8.12", Map.of(), CONFIG, null, null);
        join(beta, alpha);
        join(gamma, beta);
        assertTrue(await(() -> status(alpha, "gamma") == MemberStatus.ALIVE, WAIT), "alpha learns of gamma");
        gamma.close();
        assertTrue(await(() -> status(alpha, "gamma") == MemberStatus.FAILED, WAIT), "alpha detects the failure");
        beta.sendEvent("e", new byte[0], false);
        assertTrue(await(() -> handlers.stats().get(0).queued() >= 3, WAIT), () -> "" + handlers.stats());
        HandlerStats s = handlers.stats().get(0);
        assertEquals(0, s.invocations(), "the handler is still in its first run: " + s);
        assertEquals(0, s.dropped());
    }

    private static MemberStatus status(GossipNode n, String name) {
        return n.member(name).map(Member::status).orElse(null);
    }
}
