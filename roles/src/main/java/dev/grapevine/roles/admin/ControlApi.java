package dev.grapevine.roles.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.grapevine.GossipNode;
import dev.grapevine.JoinException;
import dev.grapevine.KeyListing;
import dev.grapevine.KeyResult;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.QueryHandle;
import dev.grapevine.QueryOptions;
import dev.grapevine.QueryResponse;
import dev.grapevine.roles.http.Request;
import dev.grapevine.roles.http.Responder;
import dev.grapevine.roles.http.ResponseStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The operator's endpoints of the admin API (what {@code serf} does over its RPC port): queries, tags, keys,
 * force-leave, join, leave, reachability and stats. Each answers JSON; a query streams its acks and answers as
 * newline-delimited JSON while they arrive. Registered on an {@link AdminServer}, which routes, checks the token
 * and turns {@link AdminError}s into error answers.
 */
final class ControlApi {

    private static final Logger LOG = LoggerFactory.getLogger(ControlApi.class);
    static final String QUERY_PREFIX = "/v1/query/";
    static final String FORCE_LEAVE_PREFIX = "/v1/force-leave/";
    static final String NDJSON = "application/x-ndjson; charset=utf-8";
    /** How long a call that waits on the cluster (keys, join, leave) may take before it answers 504. */
    private static final Duration CLUSTER_WAIT = Duration.ofSeconds(30);

    private final GossipNode node;
    private final AdminJson json;
    private final Runnable afterLeave;
    private final Instant started = Instant.now();

    ControlApi(GossipNode node, AdminJson json, Runnable afterLeave) {
        this.node = node;
        this.json = json;
        this.afterLeave = afterLeave;
    }

    /** Adds this API's routes to {@code server}. */
    void register(AdminServer server) {
        server.route(QUERY_PREFIX, "POST", AdminServer.Access.TOKEN, this::query);
        server.route("/v1/tags", "POST", AdminServer.Access.TOKEN, this::tags);
        server.route("/v1/keys", "GET", AdminServer.Access.TOKEN, this::listKeys);
        server.route("/v1/keys/install", "POST", AdminServer.Access.TOKEN, (r, o) -> keyOp(r, o, node::installKey));
        server.route("/v1/keys/use", "POST", AdminServer.Access.TOKEN, (r, o) -> keyOp(r, o, node::useKey));
        server.route("/v1/keys/remove", "POST", AdminServer.Access.TOKEN, (r, o) -> keyOp(r, o, node::removeKey));
        server.route(FORCE_LEAVE_PREFIX, "POST", AdminServer.Access.TOKEN, this::forceLeave);
        server.route("/v1/join", "POST", AdminServer.Access.TOKEN, this::join);
        server.route("/v1/leave", "POST", AdminServer.Access.TOKEN, this::leave);
        server.route("/v1/reachability", "GET", AdminServer.Access.TOKEN, this::reachability);
        server.route("/v1/stats", "GET", AdminServer.Access.OPEN, this::stats);
    }

    // ------------------------------------------------------------------------------------------------
    // Query

    /**
     * {@code POST /v1/query/{name}?node=N&tag=K=REGEX&timeout=D&ack=B&relay-factor=R} with the payload as body:
     * a stream of {@code {"type":"ack","from"}} and {@code {"type":"response","from","payload","encoding"}}
     * lines as they arrive, then {@code {"type":"done","acks","responses"}}.
     */
    private void query(Request req, Responder out) {
        String name = AdminParams.pathPart(req, QUERY_PREFIX, "query name");
        AdminParams q = AdminParams.of(req, Set.of("node", "tag", "timeout", "ack", "relay-factor"),
                Set.of("node", "tag"));
        QueryOptions options = QueryOptions.defaults()
                .requestAck(q.bool("ack", true))
                .relayFactor(q.integer("relay-factor", 0, 255, 0));
        if (q.has("node")) {
            List<String> nodes = new ArrayList<>();
            for (String n : q.all("node")) {
                for (String one : n.split(",")) {
                    if (!one.isBlank()) {
                        nodes.add(one.strip());
                    }
                }
            }
            options = options.filterNodes(nodes);
        }
        for (String t : q.all("tag")) {
            int eq = t.indexOf('=');
            if (eq <= 0) {
                throw new AdminError(400, "tag filter '" + t + "' must be key=regex");
            }
            try {
                Pattern.compile(t.substring(eq + 1));
            } catch (PatternSyntaxException e) {
                throw new AdminError(400, "tag filter '" + t + "': bad regular expression: " + e.getDescription());
            }
            options = options.filterTag(t.substring(0, eq), t.substring(eq + 1));
        }
        if (q.has("timeout")) {
            Duration timeout = q.duration("timeout", null);
            if (!timeout.isZero()) {
                options = options.timeout(timeout);
            }
        }
        byte[] payload = req.body();
        ResponseStream[] stream = new ResponseStream[1];
        AtomicInteger acks = new AtomicInteger();
        AtomicInteger responses = new AtomicInteger();
        Object lock = new Object();
        // Acks and answers may come before the stream is open (the local node answers at once): hold them.
        List<String> early = new ArrayList<>();
        java.util.function.Consumer<String> emit = line -> {
            synchronized (lock) {
                if (stream[0] == null) {
                    early.add(line);
                } else {
                    stream[0].write(line);
                }
            }
        };
        options = options
                .onAck(from -> {
                    acks.incrementAndGet();
                    emit.accept(json.string(g -> {
                        g.writeStartObject();
                        g.writeStringField("type", "ack");
                        g.writeStringField("from", from);
                        g.writeEndObject();
                    }) + "\n");
                })
                .onResponse(r -> {
                    responses.incrementAndGet();
                    emit.accept(json.string(g -> response(g, r)) + "\n");
                });
        QueryHandle handle;
        try {
            handle = node.query(name, payload, options);
        } catch (IllegalArgumentException e) {
            throw new AdminError(e.getMessage().contains("over querySizeLimit") ? 413 : 400, e.getMessage());
        } catch (IllegalStateException e) {
            throw new AdminError(503, e.getMessage());
        }
        synchronized (lock) {
            stream[0] = out.stream(200, Map.of("Content-Type", NDJSON, "Cache-Control", "no-store",
                    "X-Content-Type-Options", "nosniff"));
            for (String line : early) {
                stream[0].write(line);
            }
            early.clear();
        }
        handle.result().whenComplete((r, e) -> {
            synchronized (lock) {
                if (e != null) {
                    stream[0].write(json.string(g -> {
                        g.writeStartObject();
                        g.writeStringField("type", "error");
                        g.writeStringField("error", String.valueOf(unwrap(e).getMessage()));
                        g.writeEndObject();
                    }) + "\n");
                } else {
                    stream[0].write(json.string(g -> {
                        g.writeStartObject();
                        g.writeStringField("type", "done");
                        g.writeStringField("name", name);
                        g.writeNumberField("acks", acks.get());
                        g.writeNumberField("responses", responses.get());
                        g.writeEndObject();
                    }) + "\n");
                }
                stream[0].end();
            }
        });
    }

    private static void response(JsonGenerator g, QueryResponse r) throws IOException {
        ReceivedEvent asText = new ReceivedEvent("response", 0, r.payload(), Instant.EPOCH);
        g.writeStartObject();
        g.writeStringField("type", "response");
        g.writeStringField("from", r.from());
        g.writeStringField("payload", asText.payloadText());
        g.writeStringField("encoding", asText.encoding());
        g.writeEndObject();
    }

    // ------------------------------------------------------------------------------------------------
    // Tags

    /**
     * {@code POST /v1/tags} with {@code {"set": {"k": "v"}, "delete": ["k"]}}: changes this node's tags (the rest
     * stay) and answers the new tags once the change is made; gossip spreads it.
     */
    private void tags(Request req, Responder out) {
        Map<String, Object> body = body(req, Set.of("set", "delete"));
        Map<String, String> set = new TreeMap<>();
        Object setField = body.get("set");
        if (setField != null) {
            if (!(setField instanceof Map<?, ?> m)) {
                throw new AdminError(400, "\"set\" must be an object of tag names to string values");
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getValue() instanceof String v)) {
                    throw new AdminError(400, "tag '" + e.getKey() + "': the value must be a string");
                }
                if (((String) e.getKey()).isEmpty()) {
                    throw new AdminError(400, "a tag name must not be empty");
                }
                set.put((String) e.getKey(), v);
            }
        }
        Object delete = body.get("delete");
        List<String> remove = delete == null ? List.of()
                : strings(delete, "\"delete\" must be an array of tag names");
        if (setField == null && delete == null) {
            throw new AdminError(400, "nothing to change: give \"set\" and/or \"delete\"");
        }
        // Applied on the node's protocol thread against its tags of that moment: concurrent changes of other
        // keys (the health checker's, another operator's) are kept.
        CompletableFuture<Map<String, String>> done;
        try {
            done = node.changeTags(set, remove);
        } catch (IllegalStateException e) {
            throw new AdminError(503, e.getMessage());
        }
        answerWhenDone(out, done, tags -> json.bytes(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("tags");
            for (Map.Entry<String, String> t : new TreeMap<>(tags).entrySet()) {
                g.writeStringField(t.getKey(), t.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }));
    }

    // ------------------------------------------------------------------------------------------------
    // Keys

    /**
     * {@code GET /v1/keys}: every key installed in the cluster (by fingerprint) with how many members hold it,
     * the primary keys with how many encrypt with them, and who answered.
     */
    private void listKeys(Request req, Responder out) {
        AdminParams.of(req, Set.of());
        requireKeyring();
        CompletableFuture<KeyListing> listing;
        try {
            listing = node.listKeys();
        } catch (IllegalStateException e) {
            throw new AdminError(503, e.getMessage());
        }
        answerWhenDone(out, listing, l -> json.bytes(g -> {
            g.writeStartObject();
            counts(g, "keys", l.installed());
            counts(g, "primary", l.primary());
            g.writeNumberField("members", l.members().size() + l.silent().size());
            names(g, "responded", l.members());
            names(g, "silent", l.silent());
            g.writeEndObject();
        }));
    }

    /** {@code POST /v1/keys/install|use|remove} with {@code {"key": "base64"}}: per-member results. */
    private void keyOp(Request req, Responder out, Function<String, CompletableFuture<KeyResult>> op) {
        Object key = body(req, Set.of("key")).get("key");
        requireKeyring();
        if (!(key instanceof String k) || k.isEmpty()) {
            throw new AdminError(400, "give the key as {\"key\": \"<base64>\"}");
        }
        try {
            java.util.Base64.getDecoder().decode(k);
        } catch (IllegalArgumentException e) {
            throw new AdminError(400, "the key is not base64: " + e.getMessage());
        }
        CompletableFuture<KeyResult> result;
        try {
            result = op.apply(k);
        } catch (IllegalArgumentException e) {
            throw new AdminError(400, e.getMessage());
        } catch (IllegalStateException e) {
            throw new AdminError(503, e.getMessage());
        }
        answerWhenDone(out, result, r -> json.bytes(g -> {
            g.writeStartObject();
            g.writeStringField("operation", r.operation());
            g.writeBooleanField("complete", r.complete());
            names(g, "succeeded", r.succeeded());
            g.writeObjectFieldStart("failed");
            for (Map.Entry<String, String> f : new TreeMap<>(r.failed()).entrySet()) {
                g.writeStringField(f.getKey(), f.getValue());
            }
            g.writeEndObject();
            names(g, "silent", r.silent());
            g.writeEndObject();
        }));
    }

    private void requireKeyring() {
        if (!node.isEncrypted()) {
            throw new AdminError(409, "node " + node.name() + " runs without encryption: it has no keyring (start it"
                    + " with --key or --key-file)");
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Membership

    /**
     * {@code POST /v1/force-leave/{name}[?prune=true]}: a failed member becomes left everywhere (with prune,
     * it is removed at once); 409 for a member that is not failed, 404 for one nobody knows.
     */
    private void forceLeave(Request req, Responder out) {
        String name = AdminParams.pathPart(req, FORCE_LEAVE_PREFIX, "member name");
        boolean prune = AdminParams.of(req, Set.of("prune")).bool("prune", false);
        if (node.member(name).isEmpty()) {
            throw new AdminError(404, "no member named '" + name + "'");
        }
        CompletableFuture<Void> done;
        try {
            done = node.forceLeave(name, prune);
        } catch (IllegalArgumentException e) {
            throw new AdminError(409, e.getMessage());
        } catch (IllegalStateException e) {
            throw new AdminError(503, e.getMessage());
        }
        answerWhenDone(out, done, v -> json.bytes(g -> {
            g.writeStartObject();
            g.writeStringField("member", name);
            g.writeBooleanField("prune", prune);
            g.writeEndObject();
        }));
    }

    /** {@code POST /v1/join} with {@code {"addresses": ["host:port", ...]}}: how many were joined. */
    private void join(Request req, Responder out) {
        Object a = body(req, Set.of("addresses")).get("addresses");
        String shape = "give the addresses as {\"addresses\": [\"host:port\", ...]}";
        if (a == null) {
            throw new AdminError(400, shape);
        }
        List<String> addresses = new ArrayList<>();
        for (String n : strings(a, shape)) {
            if (n.isBlank()) {
                throw new AdminError(400, "every address must be a non-empty string");
            }
            addresses.add(n.strip());
        }
        if (addresses.isEmpty()) {
            throw new AdminError(400, shape);
        }
        CompletableFuture<Integer> joined;
        try {
            joined = node.join(addresses.toArray(String[]::new));
        } catch (IllegalStateException e) {
            throw new AdminError(503, e.getMessage());
        }
        answerWhenDone(out, joined, n -> json.bytes(g -> {
            g.writeStartObject();
            g.writeNumberField("joined", n);
            g.writeEndObject();
        }));
    }

    /**
     * {@code POST /v1/leave}: leaves the cluster gracefully and answers once the leave went out; then, in a
     * launched process, the process stops (as {@code serf leave} stops the agent).
     */
    private void leave(Request req, Responder out) {
        AdminParams.of(req, Set.of());
        body(req, Set.of());
        CompletableFuture<Void> left = node.leave();
        left.orTimeout(CLUSTER_WAIT.toSeconds(), TimeUnit.SECONDS).whenComplete((v, e) -> {
            if (e != null) {
                sendError(out, 500, "the leave did not complete: " + unwrap(e).getMessage());
                return;
            }
            AdminServer.sendJson(out, 200, json.bytes(g -> {
                g.writeStartObject();
                g.writeBooleanField("left", true);
                g.writeEndObject();
            }));
            if (afterLeave != null) {
                // Not on the HTTP loop: stopping the process closes that loop.
                Thread t = new Thread(() -> {
                    try {
                        Thread.sleep(200); // lets the answer reach the client before the server closes
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                    afterLeave.run();
                }, "grapevine-admin-" + node.name() + "-leave");
                t.start();
            }
        });
    }

    /**
     * {@code GET /v1/reachability[?timeout=D]}: every live member is asked to ack an internal ping query;
     * answers who did and who stayed silent.
     */
    private void reachability(Request req, Responder out) {
        AdminParams q = AdminParams.of(req, Set.of("timeout"));
        Duration timeout = q.duration("timeout", Duration.ofSeconds(5));
        if (timeout.isZero()) {
            throw new AdminError(400, "timeout must be positive");
        }
        List<Member> members = node.members();
        long live = members.stream().filter(m -> m.status() == MemberStatus.ALIVE).count();
        long t0 = System.nanoTime();
        CompletableFuture<GossipNode.Reachability> r;
        try {
            r = node.checkReachability(timeout);
        } catch (IllegalStateException e) {
            throw new AdminError(503, e.getMessage());
        }
        answerWhenDone(out, r, res -> json.bytes(g -> {
            g.writeStartObject();
            g.writeNumberField("members", members.size());
            g.writeNumberField("live", live);
            names(g, "answered", res.answered());
            names(g, "silent", res.silent());
            g.writeNumberField("seconds", (System.nanoTime() - t0) / 1e9);
            g.writeEndObject();
        }));
    }

    /**
     * {@code GET /v1/stats}: {@code serf info}'s sections: agent, runtime, serf (member counts, clocks, health
     * score), tags, and the node's traffic and drop counters.
     */
    private void stats(Request req, Responder out) {
        AdminParams.of(req, Set.of());
        answerWhenDone(out, node.clocks(), clocks -> json.bytes(g -> {
            Map<MemberStatus, Integer> counts = new EnumMap<>(MemberStatus.class);
            for (MemberStatus s : MemberStatus.values()) {
                counts.put(s, 0);
            }
            List<Member> members = node.members();
            for (Member m : members) {
                counts.merge(m.status(), 1, Integer::sum);
            }
            Member self = node.localMember();
            dev.grapevine.Stats st = node.stats();
            g.writeStartObject();
            g.writeObjectFieldStart("agent");
            g.writeStringField("name", node.name());
            g.writeStringField("address", self.address().getAddress().getHostAddress() + ":"
                    + self.address().getPort());
            g.writeStringField("version", version());
            g.writeNumberField("protocol", dev.grapevine.wire.Codec.VERSION);
            g.writeNumberField("uptime_seconds", Duration.between(started, Instant.now()).toSeconds());
            g.writeEndObject();
            g.writeObjectFieldStart("runtime");
            g.writeStringField("java", System.getProperty("java.version"));
            g.writeStringField("vm", System.getProperty("java.vm.name"));
            g.writeStringField("os", System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT));
            g.writeStringField("arch", System.getProperty("os.arch"));
            g.writeNumberField("cpu_count", Runtime.getRuntime().availableProcessors());
            g.writeNumberField("threads", Thread.activeCount());
            g.writeNumberField("heap_used_bytes", Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
            g.writeEndObject();
            g.writeObjectFieldStart("serf");
            g.writeNumberField("members", members.size());
            g.writeNumberField("alive", counts.get(MemberStatus.ALIVE));
            g.writeNumberField("suspect", counts.get(MemberStatus.SUSPECT));
            g.writeNumberField("failed", counts.get(MemberStatus.FAILED));
            g.writeNumberField("left", counts.get(MemberStatus.LEFT));
            g.writeNumberField("health_score", node.healthScore());
            g.writeNumberField("member_time", clocks.memberTime());
            g.writeNumberField("event_time", clocks.eventTime());
            g.writeNumberField("query_time", clocks.queryTime());
            g.writeBooleanField("encrypted", node.isEncrypted());
            g.writeEndObject();
            g.writeObjectFieldStart("tags");
            for (Map.Entry<String, String> t : new TreeMap<>(self.tags()).entrySet()) {
                g.writeStringField(t.getKey(), t.getValue());
            }
            g.writeEndObject();
            g.writeObjectFieldStart("counters");
            g.writeNumberField("packets_sent", st.packetsSent());
            g.writeNumberField("bytes_sent", st.bytesSent());
            g.writeNumberField("packets_received", st.packetsReceived());
            g.writeNumberField("bytes_received", st.bytesReceived());
            g.writeNumberField("streams_opened", st.streamsOpened());
            g.writeNumberField("streams_accepted", st.streamsAccepted());
            g.writeNumberField("dropped", st.droppedTotal());
            g.writeEndObject();
            g.writeObjectFieldStart("drops");
            for (Map.Entry<dev.grapevine.DropReason, Long> d : st.drops().entrySet()) {
                g.writeNumberField(d.getKey().name().toLowerCase(java.util.Locale.ROOT), d.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }));
    }

    /** This library's version, from the jar's manifest ("dev" when run from classes). */
    static String version() {
        String v = ControlApi.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    // ------------------------------------------------------------------------------------------------
    // Helpers

    /** A JSON object body with only {@code allowed} fields; an empty body is an empty object. */
    private static Map<String, Object> body(Request req, Set<String> allowed) {
        byte[] raw = req.body();
        if (raw.length == 0) {
            return Map.of();
        }
        Map<String, Object> n;
        try {
            n = dev.grapevine.roles.JsonTree.parseObject(raw);
        } catch (IOException e) {
            throw new AdminError(400, "the body is not a JSON object: " + e.getMessage());
        }
        for (String f : n.keySet()) {
            if (!allowed.contains(f)) {
                throw new AdminError(400, "unknown field \"" + f + "\" (allowed: "
                        + (allowed.isEmpty() ? "none" : String.join(", ", new TreeSet<>(allowed))) + ")");
            }
        }
        return n;
    }

    /** {@code value} as a list of strings; 400 with {@code problem} when it is anything else. */
    private static List<String> strings(Object value, String problem) {
        if (!(value instanceof List<?> list)) {
            throw new AdminError(400, problem);
        }
        List<String> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof String str)) {
                throw new AdminError(400, problem);
            }
            out.add(str);
        }
        return out;
    }

    /** Answers 200 with {@code body(value)} when {@code f} completes; 504 after {@link #CLUSTER_WAIT}; errors mapped. */
    private <T> void answerWhenDone(Responder out, CompletableFuture<T> f, Function<T, byte[]> body) {
        f.orTimeout(CLUSTER_WAIT.toSeconds(), TimeUnit.SECONDS).whenComplete((v, e) -> {
            if (e == null) {
                try {
                    AdminServer.sendJson(out, 200, body.apply(v));
                } catch (RuntimeException x) {
                    LOG.warn("{}: admin answer failed", node.name(), x);
                    sendError(out, 500, "internal error: " + x);
                }
                return;
            }
            Throwable cause = unwrap(e);
            if (cause instanceof TimeoutException) {
                sendError(out, 504, "no answer within " + CLUSTER_WAIT.toSeconds() + " s");
            } else if (cause instanceof JoinException) {
                sendError(out, 502, cause.getMessage());
            } else if (cause instanceof IllegalArgumentException) {
                String m = String.valueOf(cause.getMessage());
                sendError(out, m.contains("maxTagsBytes") ? 413 : 409, m);
            } else if (cause instanceof IllegalStateException) {
                sendError(out, 503, cause.getMessage());
            } else {
                sendError(out, 500, String.valueOf(cause.getMessage()));
            }
        });
    }

    private void sendError(Responder out, int status, String message) {
        AdminServer.send(out, status, AdminServer.JSON, json.bytes(g -> AdminJson.error(g, status, message)),
                Map.of("Cache-Control", "no-store"));
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static void counts(JsonGenerator g, String field, Map<String, Integer> counts) throws IOException {
        g.writeObjectFieldStart(field);
        for (Map.Entry<String, Integer> c : new TreeMap<>(counts).entrySet()) {
            g.writeNumberField(c.getKey(), c.getValue());
        }
        g.writeEndObject();
    }

    private static void names(JsonGenerator g, String field, Collection<String> names) throws IOException {
        g.writeArrayFieldStart(field);
        for (String n : new TreeSet<>(names)) {
            g.writeString(n);
        }
        g.writeEndArray();
    }
}
