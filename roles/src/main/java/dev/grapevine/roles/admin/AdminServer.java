package dev.grapevine.roles.admin;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import dev.grapevine.HostPort;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.roles.Roles;
import dev.grapevine.roles.http.HttpLoop;
import dev.grapevine.roles.http.HttpService;
import dev.grapevine.roles.http.Request;
import dev.grapevine.roles.http.Responder;
import dev.grapevine.roles.http.ResponseStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The admin HTTP API and live UI page of one node, on an {@link HttpService}. All answers are JSON (errors too:
 * {@code {"error": "...", "status": 404}}).
 *
 * <table>
 *   <caption>Endpoints</caption>
 *   <tr><th>request</th><th>answer</th></tr>
 *   <tr><td>{@code GET /v1/members[?role=R][&status=S]}</td><td>array of {@code {name, address, port, status,
 *       tags}}, sorted by name; status is alive, suspect, failed or left; the filters keep members whose
 *       {@code role} tag equals R, whose status is S</td></tr>
 *   <tr><td>{@code GET /v1/self}</td><td>this node's own member object</td></tr>
 *   <tr><td>{@code POST /v1/event/{name}[?coalesce=false]}</td><td>sends a user event with the request body as
 *       payload ({@link GossipNode#sendEvent}; coalesce defaults to true, as in Serf); 413 when name plus payload
 *       exceed {@code userEventSizeLimit}, 400 for a bad name, 403 when a browser sends it from another
 *       origin</td></tr>
 *   <tr><td>{@code GET /v1/events}</td><td>the user events this node received, oldest first, newest last (the last
 *       {@code eventHistory}); each {@code {name, ltime, payload, encoding, size, received}}</td></tr>
 *   <tr><td>{@code GET /v1/health}</td><td>200 when healthy, 503 when not; see {@link NodeHealth}</td></tr>
 *   <tr><td>{@code GET /v1/stream}</td><td>Server-Sent Events: {@code snapshot}, then {@code member},
 *       {@code removed} and {@code user-event} frames; see {@link StreamHub}</td></tr>
 *   <tr><td>{@code GET /ui}</td><td>the live page (members, roles, status; updated from the stream)</td></tr>
 *   <tr><td>{@code GET /v1/monitor[?log-level=L]}</td><td>the log and events as they happen, one JSON object a
 *       line</td></tr>
 *   <tr><td>{@code POST /v1/query/{name}}, {@code POST /v1/tags}, {@code GET /v1/keys},
 *       {@code POST /v1/keys/install|use|remove}, {@code POST /v1/force-leave/{name}}, {@code POST /v1/join},
 *       {@code POST /v1/leave}, {@code GET /v1/reachability}, {@code GET /v1/stats}</td><td>the operator's
 *       calls (what Serf's RPC offers); see the roles README for each one's parameters and answer</td></tr>
 * </table>
 * With a {@linkplain Builder#token token}, every call that changes anything ({@code POST}s) and key listing
 * answer 401 unless the request carries it ({@code Authorization: Bearer}); every {@code POST} from a browser
 * page of another origin answers 403. Without a token, {@link Builder#start()} refuses a non-loopback address
 * unless {@linkplain Builder#insecure told otherwise}.
 * A known path with another method answers 405 with an {@code Allow} header; any other path, 404.
 *
 * <p>Threads: none of its own. Requests are answered on the {@link HttpLoop} it is given (the launcher shares
 * one loop thread among all the HTTP servers and clients of a process) or, without one, on a loop of one thread
 * of its own, {@code grapevine-admin-<node>-http-1}. Event streams are fed on the same loop. At most
 * {@code maxInFlight} requests are in progress (more get 503) and {@code maxStreams} streams open (more get 503).
 * {@link #close()} ends the streams (each first writes what it holds, for up to two seconds) and stops.
 *
 * <p>The server adds a listener to the node (for member changes and, unless a {@link UserEventLog} is given, for
 * user events) and removes it on {@link #close()}.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final String EVENT_PREFIX = "/v1/event/";
    static final String JSON = "application/json";
    /** How long {@link #close()} lets event streams write their queued frames. */
    private static final Duration STREAM_DRAIN = Duration.ofSeconds(2);

    private final GossipNode node;
    private final HealthChecks healthChecks;
    private final UserEventLog eventLog;
    private final AdminJson json = new AdminJson();
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private final Map<String, byte[]> pages;
    private final int maxStreams;
    private final int streamQueue;
    private final Duration streamKeepAlive;
    private final AtomicInteger openStreams = new AtomicInteger();
    private final StreamHub hub;
    private final HttpService server;
    private final dev.grapevine.ClusterListener nodeListener;
    private final InetSocketAddress address;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong badRequests = new AtomicLong();
    private final AtomicLong framesSent = new AtomicLong();
    private final Consumer<ReceivedEvent> eventForwarder;
    private final AdminToken token;
    private final Set<String> allowedHosts;
    private static final java.util.regex.Pattern IP_LITERAL = java.util.regex.Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private final Monitor monitor;

    private AdminServer(Builder b) throws IOException {
        this.node = b.node;
        this.healthChecks = b.healthChecks;
        this.maxStreams = b.maxStreams;
        this.streamQueue = b.streamQueue;
        this.streamKeepAlive = b.streamKeepAlive;
        this.token = b.token;
        this.allowedHosts = Set.copyOf(b.allowedHosts);
        this.monitor = new Monitor(node, json, b.streamQueue);
        this.pages = Map.of(
                "/ui", resource("ui.html"),
                "/ui/app.js", resource("app.js"),
                "/ui/app.css", resource("app.css"));

        route("/v1/members", "GET", this::members);
        route("/v1/self", "GET", this::self);
        route("/v1/events", "GET", this::events);
        route("/v1/health", "GET", this::health);
        route("/v1/stream", "GET", this::stream);
        route(EVENT_PREFIX, "POST", Access.TOKEN, this::sendEvent);
        route("/v1/monitor", "GET", Access.TOKEN, this::monitor);
        new ControlApi(node, json, b.afterLeave).register(this);
        route("/", "GET", (req, out) -> redirect(out, "/ui"));
        for (String page : pages.keySet()) {
            route(page, "GET", this::page);
        }

        // Prometheus text; see dev.grapevine.roles.metrics.Metrics. Without a registry, the node's own figures.
        dev.grapevine.roles.metrics.Metrics metrics = b.metrics;
        if (metrics == null) {
            metrics = new dev.grapevine.roles.metrics.Metrics();
            metrics.register(new dev.grapevine.roles.metrics.NodeMetrics(node));
        }
        dev.grapevine.roles.metrics.Metrics served = metrics;
        route("/v1/metrics", "GET", (req, out) -> send(out, 200, dev.grapevine.roles.metrics.Metrics.CONTENT_TYPE,
                served.renderUtf8(), Map.of("Cache-Control", "no-store")));

        HttpService.Builder sb = HttpService.builder("admin-" + node.name(), new HostPort(
                        b.bind.getAddress().getHostAddress(), b.bind.getPort()))
                .maxInFlight(b.maxInFlight)
                // Room for a user event (checked below, naming the limit) and a little more; beyond, a plain 413.
                .maxBody(Math.max(0, node.config().userEventSizeLimit()) + 64 * 1024)
                .drain(Duration.ZERO)
                .handler(this::handle);
        if (b.loop != null) {
            sb.loop(b.loop);
        }
        try {
            this.server = sb.start();
        } catch (IOException e) {
            throw new IOException("admin server cannot listen on " + b.bind + ": " + e.getMessage(), e);
        }
        this.hub = new StreamHub(node, json, b.streamRefresh, server.loop().next());
        if (b.eventLog != null) {
            this.eventLog = b.eventLog;
        } else {
            this.eventLog = new UserEventLog(b.eventHistory, Clock.systemUTC());
        }
        this.eventForwarder = hub::userEvent;
        eventLog.addListener(eventForwarder);
        boolean ownLog = b.eventLog == null;
        this.nodeListener = event -> {
            if (closed.get()) {
                return;
            }
            if (event instanceof ClusterEvent.MemberEvent) {
                hub.membersChanged();
            } else if (ownLog && event instanceof ClusterEvent.UserEvent) {
                eventLog.onEvent(event);
            }
        };
        node.addListener(nodeListener);
        this.address = server.address();
        LOG.info("{}: admin API and UI at {}/ui", node.name(), uri());
    }

    /** A builder for the admin server of {@code node}. */
    public static Builder builder(GossipNode node) {
        return new Builder(node);
    }

    /**
     * Starts an admin server for {@code node} on {@code bind} with the defaults, for a launcher's
     * {@code --admin host:port} flag.
     *
     * @throws IOException when it cannot listen there, naming the address
     */
    public static AdminServer start(GossipNode node, HostPort bind) throws IOException {
        return builder(node).bind(bind).start();
    }

    /** The address the server listens on (with the real port when bound to port 0). */
    public InetSocketAddress address() {
        return address;
    }

    /** The base URI, {@code http://host:port}. */
    public URI uri() {
        return URI.create("http://" + new HostPort(AdminJson.host(address), address.getPort()));
    }

    /** Grapevine's version, from the jar's manifest ({@code dev} when run from classes). */
    public static String version() {
        return ControlApi.version();
    }

    /** The event log behind {@code /v1/events}. */
    public UserEventLog eventLog() {
        return eventLog;
    }

    /** Requests received (all paths, all answers). */
    public long requests() {
        return requests.get();
    }

    /** Requests answered with a 4xx status: unknown paths, wrong methods, malformed parameters or bodies. */
    public long badRequests() {
        return badRequests.get() + server.malformed() + server.tooLarge();
    }

    /** Requests answered 503 because {@code maxInFlight} were already in progress. */
    public long rejectedRequests() {
        return server.rejected();
    }

    /** Event streams open now. */
    public int openStreams() {
        return openStreams.get();
    }

    /** Event frames written to stream clients in all (snapshots, changes, user events; not keep-alives). */
    public long streamFramesSent() {
        return framesSent.get();
    }

    /** Event streams closed because their client read too slowly (the browser reconnects). */
    public long slowStreams() {
        return hub.slowSubscribers();
    }

    /**
     * Stops the server: ends the event streams (each first writes the frames it holds, for up to two seconds),
     * stops listening and closes every connection (and its own loop, when it was given none). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        eventLog.removeListener(eventForwarder);
        node.removeListener(nodeListener);
        hub.close(STREAM_DRAIN);
        monitor.close();
        server.close();
        LOG.info("{}: admin server on {} stopped", node.name(), address);
    }

    // ------------------------------------------------------------------------------------------------
    // Routing

    /** A handler of one path; throws {@link AdminError} for error answers. */
    @FunctionalInterface
    interface Handler {
        void handle(Request req, Responder out) throws IOException;
    }

    /** How a route is guarded: open to all, or needing the admin token when one is set. */
    enum Access { OPEN, TOKEN }

    private record Route(String method, Access access, Handler handler) {
    }

    /** Adds a route; a path ending in '/' matches every path under it (the longest such prefix wins). */
    void route(String path, String method, Access access, Handler handler) {
        routes.put(path, new Route(method, access, handler));
    }

    private void route(String path, String method, Handler handler) {
        route(path, method, Access.OPEN, handler);
    }

    private Route find(String path) {
        Route exact = routes.get(path);
        if (exact != null) {
            return exact;
        }
        for (int i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
            Route r = routes.get(path.substring(0, i + 1));
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    private void handle(Request req, Responder out) {
        requests.incrementAndGet();
        try {
            String path = req.rawPath();
            Route route = find(path);
            if (route == null) {
                throw new AdminError(404, "no such path: " + path);
            }
            if (!route.method().equals(req.method())) {
                throw new AdminError(405, "method " + req.method() + " not allowed on " + path
                        + " (allowed: " + route.method() + ")", Map.of("Allow", route.method()));
            }
            checkHost(req);
            if (!"GET".equals(route.method())) {
                refuseCrossOrigin(req);
            }
            if (route.access() == Access.TOKEN && token != null) {
                token.check(req);
            }
            route.handler().handle(req, out);
        } catch (AdminError e) {
            if (e.status() < 500) {
                badRequests.incrementAndGet();
            }
            LOG.debug("{} {} -> {} {}", req.method(), req.rawPath(), e.status(), e.getMessage());
            sendError(out, e.status(), e.getMessage(), e.headers());
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} {} failed", req.method(), req.rawPath(), e);
            sendError(out, 500, "internal error: " + e, Map.of());
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Endpoints

    private void members(Request req, Responder out) throws IOException {
        AdminParams q = AdminParams.of(req, Set.of("role", "status"));
        String role = q.get("role");
        MemberStatus status = null;
        if (q.has("status")) {
            status = AdminJson.parseStatus(q.get("status"));
            if (status == null) {
                throw new AdminError(400, "status '" + q.get("status") + "' must be one of alive, suspect, failed, left");
            }
        }
        MemberStatus wanted = status;
        List<Member> selected = node.members().stream()
                .filter(m -> role == null || role.equals(m.tag(Roles.ROLE)))
                .filter(m -> wanted == null || m.status() == wanted)
                .sorted(Comparator.comparing(Member::name))
                .toList();
        sendJson(out, 200, json.bytes(g -> AdminJson.members(g, selected)));
    }

    private void self(Request req, Responder out) throws IOException {
        Member self = node.localMember();
        sendJson(out, 200, json.bytes(g -> AdminJson.member(g, self)));
    }

    private void events(Request req, Responder out) throws IOException {
        List<ReceivedEvent> events = eventLog.events();
        sendJson(out, 200, json.bytes(g -> AdminJson.events(g, events)));
    }

    private void health(Request req, Responder out) throws IOException {
        NodeHealth h = NodeHealth.of(node, healthChecks);
        sendJson(out, h.healthy() ? 200 : 503, json.bytes(g -> AdminJson.health(g, h)));
    }

    private void sendEvent(Request req, Responder out) throws IOException {
        String name = AdminParams.pathPart(req, EVENT_PREFIX, "event name");
        boolean coalesce = AdminParams.of(req, Set.of("coalesce")).bool("coalesce", true);
        int limit = node.config().userEventSizeLimit();
        int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        byte[] payload = req.body();
        if (nameBytes + payload.length > limit) {
            throw new AdminError(413, "user event '" + name + "' is " + (nameBytes + payload.length)
                    + " bytes (name plus payload), over userEventSizeLimit " + limit);
        }
        try {
            node.sendEvent(name, payload, coalesce);
        } catch (IllegalArgumentException e) {
            throw new AdminError(400, e.getMessage());
        } catch (IllegalStateException e) {
            throw new AdminError(503, e.getMessage());
        }
        boolean c = coalesce;
        sendJson(out, 200, json.bytes(g -> {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeNumberField("size", payload.length);
            g.writeBooleanField("coalesce", c);
            g.writeEndObject();
        }));
    }

    /**
     * 403 for a request a browser sent from another site's page: a cross-origin form or fetch can POST without
     * asking first, and must not fire cluster events. Browsers always send {@code Origin} with such a request;
     * command-line clients send none.
     */
    /**
     * 403 unless the request's {@code Host} is an IP address, {@code localhost} or a name given to
     * {@link Builder#allowHost}: the guard against DNS rebinding, where a page of {@code evil.example} has its
     * name re-pointed at this machine, so that its requests are same-origin to the browser and carry a matching
     * {@code Origin}. Such a request names the attacker's host, which is refused here. A request with no
     * {@code Host} (HTTP/1.0, some scripts) comes from no browser and passes.
     */
    private void checkHost(Request req) {
        String host = req.header("Host");
        if (host == null) {
            return;
        }
        String name = hostName(host);
        if (name.equalsIgnoreCase("localhost") || IP_LITERAL.matcher(name).matches() || name.startsWith("[")
                || allowedHosts.contains(name.toLowerCase(java.util.Locale.ROOT))) {
            return;
        }
        throw new AdminError(403, "Host '" + host + "' refused: this admin API answers to IP addresses, localhost"
                + " and the names given to --admin-host (a guard against DNS rebinding)");
    }

    /** The host part of a {@code Host} header (without the port; an IPv6 literal keeps its brackets). */
    private static String hostName(String host) {
        String h = host.strip();
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            return close < 0 ? h : h.substring(0, close + 1);
        }
        int colon = h.lastIndexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    private static void refuseCrossOrigin(Request req) {
        String origin = req.header("Origin");
        String host = req.header("Host");
        if (origin != null && (host == null || !origin.equalsIgnoreCase("http://" + host))) {
            throw new AdminError(403, "cross-origin request from " + origin + " refused");
        }
    }

    /** Opens an event stream, fed by the hub; 503 beyond {@code maxStreams}. */
    private void stream(Request req, Responder out) {
        while (true) {
            int n = openStreams.get();
            if (n >= maxStreams) {
                throw new AdminError(503, "too many event streams open (maxStreams " + maxStreams + ")");
            }
            if (openStreams.compareAndSet(n, n + 1)) {
                break;
            }
        }
        if (closed.get()) {
            openStreams.decrementAndGet();
            throw new AdminError(503, "admin server is closing");
        }
        Map<String, String> h = new HashMap<>();
        h.put("Content-Type", "text/event-stream; charset=utf-8");
        h.put("Cache-Control", "no-store");
        h.put("X-Accel-Buffering", "no");
        ResponseStream stream = out.stream(200, h);
        stream.onClose(openStreams::decrementAndGet);
        hub.subscribe(new Subscriber(stream, streamQueue, streamKeepAlive, framesSent));
    }

    /** Opens a monitor stream (log lines and events, one JSON object per line); 503 beyond {@code maxStreams}. */
    private void monitor(Request req, Responder out) {
        String level = AdminParams.of(req, Set.of("log-level")).get("log-level");
        dev.grapevine.roles.LogLevel l;
        try {
            l = level == null ? dev.grapevine.roles.LogLevel.INFO : dev.grapevine.roles.LogLevel.parse(level);
        } catch (IllegalArgumentException e) {
            throw new AdminError(400, "log-level " + e.getMessage());
        }
        monitor.open(() -> out.stream(200, Map.of("Content-Type", ControlApi.NDJSON, "Cache-Control", "no-store",
                "X-Content-Type-Options", "nosniff")), l, maxStreams);
    }

    /** Monitors open now ({@code GET /v1/monitor}). */
    public int openMonitors() {
        return monitor.open();
    }

    private void page(Request req, Responder out) {
        String path = req.rawPath();
        String type = path.endsWith(".js") ? "text/javascript; charset=utf-8"
                : path.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
        send(out, 200, type, pages.get(path), Map.of("Content-Security-Policy", "default-src 'self'"));
    }

    private void redirect(Responder out, String to) throws IOException {
        send(out, 302, JSON, json.bytes(g -> {
            g.writeStartObject();
            g.writeStringField("location", to);
            g.writeEndObject();
        }), Map.of("Location", to));
    }

    // ------------------------------------------------------------------------------------------------
    // Helpers

    static void sendJson(Responder out, int status, byte[] body) {
        send(out, status, JSON, body, Map.of("Cache-Control", "no-store"));
    }

    static void send(Responder out, int status, String type, byte[] body, Map<String, String> extra) {
        Map<String, String> h = new HashMap<>(extra);
        h.put("Content-Type", type);
        h.put("X-Content-Type-Options", "nosniff");
        out.respond(status, h, body);
    }

    private void sendError(Responder out, int status, String message, Map<String, String> headers) {
        try {
            Map<String, String> h = new HashMap<>(headers);
            h.put("Cache-Control", "no-store");
            send(out, status, JSON, json.bytes(g -> AdminJson.error(g, status, message)), h);
        } catch (RuntimeException e) {
            LOG.debug("could not send error {}: {}", status, e.toString());
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = AdminServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("UI resource " + name + " missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("UI resource " + name + " unreadable", e);
        }
    }

    // ------------------------------------------------------------------------------------------------

    /**
     * Options of an {@link AdminServer}; {@link #start()} checks them and fails with a message naming the field.
     */
    public static final class Builder {
        private final GossipNode node;
        private InetSocketAddress bind = new InetSocketAddress("127.0.0.1", 0);
        private HttpLoop loop;
        private HealthChecks healthChecks = HealthChecks.NONE;
        private UserEventLog eventLog;
        private int eventHistory = UserEventLog.DEFAULT_CAPACITY;
        private boolean eventHistorySet;
        private int maxInFlight = 64;
        private int maxStreams = 16;
        private int streamQueue = 1024;
        private Duration streamRefresh = Duration.ofSeconds(1);
        private Duration streamKeepAlive = Duration.ofSeconds(15);
        private AdminToken token;
        private boolean insecure;
        private Runnable afterLeave;
        private final Set<String> allowedHosts = new java.util.HashSet<>();

        private Builder(GossipNode node) {
            this.node = Objects.requireNonNull(node, "node");
        }

        /** Where to listen; default 127.0.0.1 on a free port. Port 0 picks a free port. */
        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, "bind");
            return this;
        }

        /** Where to listen, as {@code host:port}; the host is resolved now. */
        public Builder bind(HostPort address) {
            Objects.requireNonNull(address, "bind");
            return bind(new InetSocketAddress(address.host(), address.port()));
        }

        /** The loop to answer on, shared with the process's other HTTP servers (default: one of its own). */
        public Builder loop(HttpLoop loop) {
            this.loop = Objects.requireNonNull(loop, "loop");
            return this;
        }

        /** The source of health-check states for {@code /v1/health}; default none. */
        public Builder healthChecks(HealthChecks checks) {
            this.healthChecks = Objects.requireNonNull(checks, "healthChecks");
            return this;
        }

        /**
         * A log the caller already registered as a listener of the node (through
         * {@code GossipNode.Builder.listener}, so that it holds events from the node's start). Without one, the
         * server makes a log of {@code eventHistory} events and attaches it when it starts.
         */
        public Builder eventLog(UserEventLog log) {
            this.eventLog = Objects.requireNonNull(log, "eventLog");
            return this;
        }

        /** How many received user events {@code /v1/events} keeps; default 256. Not with {@link #eventLog}. */
        public Builder eventHistory(int events) {
            this.eventHistory = events;
            this.eventHistorySet = true;
            return this;
        }

        /** Requests in progress at most before new ones are answered 503; default 64. */
        public Builder maxInFlight(int requests) {
            this.maxInFlight = requests;
            return this;
        }

        /** Event streams open at once; default 16. */
        public Builder maxStreams(int streams) {
            this.maxStreams = streams;
            return this;
        }

        /** Frames not yet taken by a stream's socket before its client counts as too slow and is cut off; default 1024. */
        public Builder streamQueue(int frames) {
            this.streamQueue = frames;
            return this;
        }

        /** How often open streams compare the member list (catches suspect members); default 1 s. */
        public Builder streamRefresh(Duration interval) {
            this.streamRefresh = Objects.requireNonNull(interval, "streamRefresh");
            return this;
        }

        /** The longest silence on a stream before a keep-alive comment; default 15 s. */
        public Builder streamKeepAlive(Duration interval) {
            this.streamKeepAlive = Objects.requireNonNull(interval, "streamKeepAlive");
            return this;
        }

        private dev.grapevine.roles.metrics.Metrics metrics;

        /**
         * Serves {@code metrics} on {@code GET /v1/metrics} in the Prometheus text format; default: a registry of
         * the node's own figures ({@code NodeMetrics}).
         */
        public Builder metrics(dev.grapevine.roles.metrics.Metrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * The token that calls changing anything (events, queries, tags, keys, joins, leaves, force-leaves) and
         * key listing must carry; default none (every call is open, which {@link #start()} allows on loopback
         * only, or with {@link #insecure}).
         */
        public Builder token(AdminToken token) {
            this.token = Objects.requireNonNull(token, "token");
            return this;
        }

        /**
         * Allows listening on a non-loopback address without a token (launcher flag {@code --admin-insecure}):
         * anyone who can reach the port can then change the cluster. Default false.
         */
        public Builder insecure(boolean insecure) {
            this.insecure = insecure;
            return this;
        }

        /**
         * A host name browsers may use to reach the API (launcher flag {@code --admin-host}), besides IP addresses
         * and {@code localhost}, which are always accepted. A request naming any other host in its {@code Host}
         * header is refused (403), which defeats DNS rebinding.
         *
         * @throws IllegalArgumentException when {@code name} is empty or holds a port, a slash or a space
         */
        public Builder allowHost(String name) {
            Objects.requireNonNull(name, "allowHost");
            if (name.isBlank() || !name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("allowHost: '" + name + "' is not a host name (no port, no"
                        + " scheme)");
            }
            allowedHosts.add(name.toLowerCase(java.util.Locale.ROOT));
            return this;
        }

        /**
         * What to run after {@code POST /v1/leave} completed the node's leave and answered (a launched process
         * stops); default nothing (the node has left and stays open).
         */
        public Builder afterLeave(Runnable action) {
            this.afterLeave = Objects.requireNonNull(action, "afterLeave");
            return this;
        }

        /**
         * Checks the options and listens.
         *
         * @throws IllegalArgumentException naming the field at fault
         * @throws IllegalStateException    when the node is already closed
         * @throws IOException              when it cannot listen on the address (named in the message)
         */
        public AdminServer start() throws IOException {
            atLeast("eventHistory", eventHistory, 1);
            atLeast("maxInFlight", maxInFlight, 1);
            atLeast("maxStreams", maxStreams, 1);
            atLeast("streamQueue", streamQueue, 2);
            positive("streamRefresh", streamRefresh);
            positive("streamKeepAlive", streamKeepAlive);
            if (eventLog != null && eventHistorySet) {
                throw new IllegalArgumentException("eventHistory and eventLog are exclusive: the log has its own "
                        + "capacity (" + eventLog.capacity() + ")");
            }
            if (bind.isUnresolved()) {
                throw new IllegalArgumentException("bind: cannot resolve host '" + bind.getHostString() + "'");
            }
            if (token == null && !insecure && !bind.getAddress().isLoopbackAddress()) {
                throw new IllegalArgumentException("bind " + bind.getAddress().getHostAddress() + ":" + bind.getPort()
                        + " is not a loopback address and no admin token is set: anyone reaching it could change the"
                        + " cluster. Set a token (--admin-token-file, --admin-token or GRAPEVINE_ADMIN_TOKEN), bind"
                        + " to 127.0.0.1, or pass --admin-insecure to serve it open anyway");
            }
            if (node.isClosed()) {
                throw new IllegalStateException("node " + node.name() + " is closed");
            }
            return new AdminServer(this);
        }

        private static void atLeast(String field, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(field + " must be at least " + min + ", was " + value);
            }
        }

        private static void positive(String field, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(field + " must be positive, was " + d);
            }
        }
    }
}
