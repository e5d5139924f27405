package dev.grapevine.roles.admin;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import dev.grapevine.HostPort;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.roles.Roles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The admin HTTP API and live UI page of one node, on the JDK's built-in HTTP server. All answers are JSON
 * (errors too: {@code {"error": "...", "status": 404}}).
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
 * </table>
 * A known path with another method answers 405 with an {@code Allow} header; any other path, 404.
 *
 * <p>Threads: HTTP requests run on a bounded pool ({@code httpThreads}, with a queue of {@code httpQueue}; when
 * both are full the connection is closed and counted in {@link #rejectedRequests()}); each open event stream holds
 * one thread of a second pool (at most {@code maxStreams}; one more is refused with 503); one thread feeds the
 * streams. Idle pool threads end after 30 s. The JDK adds its own dispatcher thread ({@code HTTP-Dispatcher},
 * a name the JDK sets). {@link #close()} ends them all. Every thread of ours is named
 * {@code grapevine-admin-<node>-...}.
 *
 * <p>The server adds a listener to the node (for member changes and, unless a {@link UserEventLog} is given, for
 * user events) and removes it on {@link #close()}.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final String EVENT_PREFIX = "/v1/event/";
    private static final String JSON = "application/json";
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
    private final Semaphore streamSlots;
    private final ThreadPoolExecutor httpPool;
    private final ThreadPoolExecutor streamPool;
    private final StreamHub hub;
    private final HttpServer server;
    private final dev.grapevine.ClusterListener nodeListener;
    private final InetSocketAddress address;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong badRequests = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong framesSent = new AtomicLong();
    private final Consumer<ReceivedEvent> eventForwarder;

    private AdminServer(Builder b) throws IOException {
        this.node = b.node;
        this.healthChecks = b.healthChecks;
        this.maxStreams = b.maxStreams;
        this.streamQueue = b.streamQueue;
        this.streamKeepAlive = b.streamKeepAlive;
        this.streamSlots = new Semaphore(b.maxStreams);
        this.pages = Map.of(
                "/ui", resource("ui.html"),
                "/ui/app.js", resource("app.js"),
                "/ui/app.css", resource("app.css"));
        String prefix = "grapevine-admin-" + node.name() + "-";
        this.httpPool = new ThreadPoolExecutor(b.httpThreads, b.httpThreads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(b.httpQueue), threads(prefix + "http-"), (task, pool) -> {
                    rejected.incrementAndGet();
                    throw new RejectedExecutionException("admin HTTP queue full");
                });
        this.httpPool.allowCoreThreadTimeOut(true);
        this.streamPool = streamPool(b.maxStreams, threads(prefix + "stream-"));

        route("/v1/members", "GET", this::members);
        route("/v1/self", "GET", this::self);
        route("/v1/events", "GET", this::events);
        route("/v1/health", "GET", this::health);
        route("/v1/stream", "GET", this::stream);
        route(EVENT_PREFIX, "POST", this::sendEvent);
        route("/", "GET", ex -> redirect(ex, "/ui"));
        for (String page : pages.keySet()) {
            route(page, "GET", this::page);
        }

        try {
            this.server = HttpServer.create(b.bind, 0);
        } catch (IOException e) {
            httpPool.shutdownNow();
            streamPool.shutdownNow();
            throw new IOException("admin server cannot listen on " + b.bind + ": " + e.getMessage(), e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(httpPool);

        this.hub = new StreamHub(node, json, b.streamRefresh, prefix + "events");
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
        server.start();
        this.address = server.getAddress();
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
        return badRequests.get();
    }

    /** Connections closed unanswered because every HTTP thread was busy and the queue full. */
    public long rejectedRequests() {
        return rejected.get();
    }

    /** Event streams open now. */
    public int openStreams() {
        return maxStreams - streamSlots.availablePermits();
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
     * stops listening, closes every connection and ends all its threads (waiting up to five seconds for each
     * pool). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        eventLog.removeListener(eventForwarder);
        node.removeListener(nodeListener);
        hub.close();
        streamPool.shutdown();
        try {
            // Streams first write what they hold (a client that takes longer is cut off below).
            streamPool.awaitTermination(STREAM_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
            server.stop(0);
            httpPool.shutdownNow();
            streamPool.shutdownNow();
            if (!httpPool.awaitTermination(5, TimeUnit.SECONDS) || !streamPool.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("{}: admin server threads did not stop in time", node.name());
            }
        } catch (InterruptedException e) {
            server.stop(0);
            httpPool.shutdownNow();
            streamPool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.info("{}: admin server on {} stopped", node.name(), address);
    }

    // ------------------------------------------------------------------------------------------------
    // Routing

    /** A handler of one path; throws {@link HttpError} for error answers. */
    @FunctionalInterface
    private interface Handler {
        /** Answers; returns true when the exchange now belongs to someone else (an event stream). */
        boolean handle(HttpExchange ex) throws IOException;
    }

    private record Route(String method, Handler handler) {
    }

    private void route(String path, String method, Handler handler) {
        routes.put(path, new Route(method, handler));
    }

    private void handle(HttpExchange ex) {
        requests.incrementAndGet();
        boolean handedOff = false;
        try {
            String path = ex.getRequestURI().getRawPath();
            Route route = routes.get(path.startsWith(EVENT_PREFIX) ? EVENT_PREFIX : path);
            if (route == null) {
                throw new HttpError(404, "no such path: " + path);
            }
            if (!route.method().equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", route.method());
                throw new HttpError(405, "method " + ex.getRequestMethod() + " not allowed on " + path
                        + " (allowed: " + route.method() + ")");
            }
            handedOff = route.handler().handle(ex);
        } catch (HttpError e) {
            if (e.status < 500) {
                badRequests.incrementAndGet();
            }
            LOG.debug("{} {} -> {} {}", ex.getRequestMethod(), ex.getRequestURI(), e.status, e.getMessage());
            sendError(ex, e.status, e.getMessage());
        } catch (IOException e) {
            LOG.debug("{} {}: client went away: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        } catch (RuntimeException e) {
            LOG.warn("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            sendError(ex, 500, "internal error: " + e);
        } finally {
            if (!handedOff) {
                ex.close();
            }
        }
    }

    /** An error answer: a status and a message for the JSON body. */
    private static final class HttpError extends RuntimeException {
        private final int status;

        HttpError(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Endpoints

    private boolean members(HttpExchange ex) throws IOException {
        Map<String, String> q = query(ex, Set.of("role", "status"));
        String role = q.get("role");
        MemberStatus status = null;
        if (q.containsKey("status")) {
            status = AdminJson.parseStatus(q.get("status"));
            if (status == null) {
                throw new HttpError(400, "status '" + q.get("status") + "' must be one of alive, suspect, failed, left");
            }
        }
        MemberStatus wanted = status;
        List<Member> selected = node.members().stream()
                .filter(m -> role == null || role.equals(m.tag(Roles.ROLE)))
                .filter(m -> wanted == null || m.status() == wanted)
                .sorted(Comparator.comparing(Member::name))
                .toList();
        sendJson(ex, 200, json.bytes(g -> AdminJson.members(g, selected)));
        return false;
    }

    private boolean self(HttpExchange ex) throws IOException {
        Member self = node.localMember();
        sendJson(ex, 200, json.bytes(g -> AdminJson.member(g, self)));
        return false;
    }

    private boolean events(HttpExchange ex) throws IOException {
        List<ReceivedEvent> events = eventLog.events();
        sendJson(ex, 200, json.bytes(g -> AdminJson.events(g, events)));
        return false;
    }

    private boolean health(HttpExchange ex) throws IOException {
        NodeHealth h = NodeHealth.of(node, healthChecks);
        sendJson(ex, h.healthy() ? 200 : 503, json.bytes(g -> AdminJson.health(g, h)));
        return false;
    }

    private boolean sendEvent(HttpExchange ex) throws IOException {
        refuseCrossOrigin(ex);
        String name = ex.getRequestURI().getPath().substring(EVENT_PREFIX.length());
        Map<String, String> q = query(ex, Set.of("coalesce"));
        boolean coalesce = true;
        if (q.containsKey("coalesce")) {
            String c = q.get("coalesce");
            if (c.equals("true") || c.equals("1") || c.isEmpty()) {
                coalesce = true;
            } else if (c.equals("false") || c.equals("0")) {
                coalesce = false;
            } else {
                throw new HttpError(400, "coalesce '" + c + "' must be true or false");
            }
        }
        if (name.isEmpty()) {
            throw new HttpError(400, "event name is empty: POST " + EVENT_PREFIX + "{name}");
        }
        int limit = node.config().userEventSizeLimit();
        int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        byte[] payload = readBody(ex, limit - nameBytes, name, limit);
        try {
            node.sendEvent(name, payload, coalesce);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
        } catch (IllegalStateException e) {
            throw new HttpError(503, e.getMessage());
        }
        boolean c = coalesce;
        sendJson(ex, 200, json.bytes(g -> {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeNumberField("size", payload.length);
            g.writeBooleanField("coalesce", c);
            g.writeEndObject();
        }));
        return false;
    }

    /**
     * 403 for a request a browser sent from another site's page: a cross-origin form or fetch can POST without
     * asking first, and must not fire cluster events. Browsers always send {@code Origin} with such a request;
     * command-line clients send none.
     */
    private static void refuseCrossOrigin(HttpExchange ex) {
        String origin = ex.getRequestHeaders().getFirst("Origin");
        String host = ex.getRequestHeaders().getFirst("Host");
        if (origin != null && (host == null || !origin.equalsIgnoreCase("http://" + host))) {
            throw new HttpError(403, "cross-origin request from " + origin + " refused");
        }
    }

    /** Reads the body, at most {@code room} bytes; 413 beyond, naming the limit. */
    private static byte[] readBody(HttpExchange ex, int room, String name, int limit) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        long length = -1;
        if (declared != null) {
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "Content-Length '" + declared + "' is not a number");
            }
        }
        if (room < 0 || length > room) {
            throw tooLarge(name, length, limit);
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(room + 1);
            if (body.length > room) {
                throw tooLarge(name, -1, limit);
            }
            return body;
        }
    }

    private static HttpError tooLarge(String name, long payload, int limit) {
        int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
        String size = payload >= 0 ? (nameBytes + payload) + " bytes" : "over " + limit + " bytes";
        return new HttpError(413, "user event '" + name + "' is " + size
                + " (name plus payload), over userEventSizeLimit " + limit);
    }

    /**
     * The pool of event stream threads. A stream holds a slot (of {@code maxStreams}) from before it is handed to
     * the pool until the very end of its task, when its thread is not yet back waiting for work; a new stream may
     * take that slot at once. A direct hand-off would then find no idle thread and no room for one more, and
     * refuse the stream; a queue of {@code maxStreams} holds it until the thread is back. It never fills, as there
     * are never more tasks than slots, so the pool refuses a task only once shut down.
     */
    static ThreadPoolExecutor streamPool(int maxStreams, ThreadFactory threads) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(maxStreams, maxStreams, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(maxStreams), threads);
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Hands the exchange to a stream thread, which sends the 200 headers once it runs (see {@link Subscriber}). */
    private boolean stream(HttpExchange ex) {
        if (!streamSlots.tryAcquire()) {
            throw new HttpError(503, "too many event streams open (maxStreams " + maxStreams + ")");
        }
        Headers h = ex.getResponseHeaders();
        h.set("Content-Type", "text/event-stream; charset=utf-8");
        h.set("Cache-Control", "no-store");
        h.set("X-Accel-Buffering", "no");
        Subscriber s = new Subscriber(ex, streamQueue, streamKeepAlive, streamSlots::release, framesSent);
        try {
            streamPool.execute(s);
        } catch (RejectedExecutionException e) {
            // Only once the pool is shut down: nothing is sent yet, so the client gets a proper error.
            streamSlots.release();
            throw new HttpError(503, "admin server is closing");
        }
        hub.subscribe(s);
        return true;
    }

    private boolean page(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String type = path.endsWith(".js") ? "text/javascript; charset=utf-8"
                : path.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
        Headers h = ex.getResponseHeaders();
        h.set("Content-Security-Policy", "default-src 'self'");
        send(ex, 200, type, pages.get(path));
        return false;
    }

    private boolean redirect(HttpExchange ex, String to) throws IOException {
        ex.getResponseHeaders().set("Location", to);
        send(ex, 302, JSON, json.bytes(g -> {
            g.writeStartObject();
            g.writeStringField("location", to);
            g.writeEndObject();
        }));
        return false;
    }

    // ------------------------------------------------------------------------------------------------
    // Helpers

    /** The query parameters; 400 for one not in {@code allowed}, or one given twice. */
    private static Map<String, String> query(HttpExchange ex, Set<String> allowed) {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key;
            String value;
            try {
                key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new HttpError(400, "malformed query parameter '" + pair + "'");
            }
            if (!allowed.contains(key)) {
                throw new HttpError(400, "unknown query parameter '" + key + "' (allowed: "
                        + String.join(", ", new TreeSet<>(allowed)) + ")");
            }
            if (out.put(key, value) != null) {
                throw new HttpError(400, "query parameter '" + key + "' given more than once");
            }
        }
        return out;
    }

    private void sendJson(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, status, JSON, body);
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            ex.getResponseBody().write(body);
        }
    }

    private void sendError(HttpExchange ex, int status, String message) {
        try {
            sendJson(ex, status, json.bytes(g -> AdminJson.error(g, status, message)));
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not send error {} to {}: {}", status, ex.getRemoteAddress(), e.toString());
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

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return task -> {
            Thread t = new Thread(task, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    // ------------------------------------------------------------------------------------------------

    /**
     * Options of an {@link AdminServer}; {@link #start()} checks them and fails with a message naming the field.
     */
    public static final class Builder {
        private final GossipNode node;
        private InetSocketAddress bind = new InetSocketAddress("127.0.0.1", 0);
        private HealthChecks healthChecks = HealthChecks.NONE;
        private UserEventLog eventLog;
        private int eventHistory = UserEventLog.DEFAULT_CAPACITY;
        private boolean eventHistorySet;
        private int httpThreads = 2;
        private int httpQueue = 64;
        private int maxStreams = 16;
        private int streamQueue = 1024;
        private Duration streamRefresh = Duration.ofSeconds(1);
        private Duration streamKeepAlive = Duration.ofSeconds(15);

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

        /** Threads answering requests; default 2. */
        public Builder httpThreads(int threads) {
            this.httpThreads = threads;
            return this;
        }

        /** Requests waiting for a thread before connections are refused; default 64. */
        public Builder httpQueue(int requests) {
            this.httpQueue = requests;
            return this;
        }

        /** Event streams open at once (one thread each); default 16. */
        public Builder maxStreams(int streams) {
            this.maxStreams = streams;
            return this;
        }

        /** Frames queued per event stream before its client counts as too slow and is cut off; default 1024. */
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

        /**
         * Checks the options, listens and starts the threads.
         *
         * @throws IllegalArgumentException naming the field at fault
         * @throws IllegalStateException    when the node is already closed
         * @throws IOException              when it cannot listen on the address (named in the message)
         */
        public AdminServer start() throws IOException {
            atLeast("eventHistory", eventHistory, 1);
            atLeast("httpThreads", httpThreads, 1);
            atLeast("httpQueue", httpQueue, 1);
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
