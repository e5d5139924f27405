package dev.grapevine.roles.http;

import dev.grapevine.HostPort;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.roles.Poll;
import dev.grapevine.roles.RoleUpstreams;
import dev.grapevine.roles.RoleView;
import dev.grapevine.roles.Roles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ReverseProxy} on real sockets in 127.0.13.0/24: headers, streaming both ways, the retry rules, timeouts,
 * limits, and the pooled connections of an upstream that leaves.
 */
class ReverseProxyTest {

    private final HttpLoop loop = HttpLoop.create("proxy-test", 1);
    private final HttpLoop backendLoop = HttpLoop.create("proxy-test-backends", 1);
    private final HttpConnector connector = HttpConnector.builder(loop).connectTimeout(Duration.ofSeconds(2)).build();
    private final Closer open = new Closer();

    @AfterEach
    void close() throws Exception {
        open.close();
        connector.close();
        loop.close();
        backendLoop.close();
    }

    private static InetSocketAddress at(int host) {
        return Closer.loopback(13, host);
    }

    private static HostPort hostPort(int host) {
        return new HostPort("127.0.13." + host, 0);
    }

    /** A well-behaved upstream on 127.0.13.{host}. */
    private HttpService backend(int host, HttpHandler handler) throws IOException {
        HttpService s = HttpService.builder("backend-" + host, hostPort(host)).loop(backendLoop)
                .maxBody(16 * 1024 * 1024).drain(Duration.ZERO).handler(handler).start();
        open.add(s);
        return s;
    }

    private RawHttp.Server raw(int host, RawHttp.Connection c) throws IOException {
        RawHttp.Server s = new RawHttp.Server(at(host), c);
        open.add(s);
        return s;
    }

    private HttpService proxy(int host, ReverseProxy proxy) throws IOException {
        HttpService s = HttpService.builder("proxy-" + host, hostPort(host)).loop(loop).drain(Duration.ZERO)
                .proxy(proxy).start();
        open.add(s);
        return s;
    }

    private ReverseProxy.Builder proxyOf(Upstreams upstreams) {
        return ReverseProxy.builder(upstreams, connector);
    }

    /** Upstreams tried in the given order, the first untried first: makes retries deterministic. */
    private static final class Ordered implements Upstreams {
        final List<Upstream> order;
        final List<String> unreachable = new CopyOnWriteArrayList<>();

        Ordered(Upstream... order) {
            this.order = List.of(order);
        }

        @Override
        public Optional<Upstream> pick(Set<String> tried) {
            return order.stream().filter(u -> !tried.contains(u.name())).findFirst();
        }

        @Override
        public void unreachable(Upstream u) {
            unreachable.add(u.name());
        }

        @Override
        public void onRemoved(Consumer<InetSocketAddress> listener) {
        }
    }

    private static Upstream up(String name, HttpService s) {
        return new Upstream(name, s.address());
    }

    private static Upstream up(String name, RawHttp.Server s) {
        return new Upstream(name, s.address());
    }

    private static String get(String path, String... headers) {
        return "GET " + path + " HTTP/1.1\r\nHost: shop.example\r\n" + String.join("", Arrays.stream(headers)
                .map(h -> h + "\r\n").toList()) + "\r\n";
    }

    private static String post(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: shop.example\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
    }

    /** Answers 200 with its name, counting hits. */
    private HttpService named(int host, String name, AtomicInteger hits) throws IOException {
        return backend(host, (req, out) -> {
            hits.incrementAndGet();
            out.text(200, req.method() + " " + name);
        });
    }

    /** Reads a request head and its declared body, then resets the connection without answering. */
    private static RawHttp.Connection resetAfterRequest(AtomicInteger hits, List<String> bodies) {
        return s -> {
            InputStream in = s.getInputStream();
            List<String> head = RawHttp.readHead(in);
            if (head == null) {
                return;
            }
            hits.incrementAndGet();
            int length = head.stream().filter(h -> h.toLowerCase().startsWith("content-length:"))
                    .map(h -> Integer.parseInt(h.substring(15).trim())).findFirst().orElse(0);
            bodies.add(new String(in.readNBytes(length), StandardCharsets.UTF_8));
            s.setSoLinger(true, 0);
            s.close();
        };
    }

    @Test
    void passesTheRequestOnWithForwardingHeadersAndWithoutHopByHopOnes() throws Exception {
        Map<String, List<String>> seen = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        HttpService b = backend(1, (req, out) -> {
            for (String n : req.headerNames()) {
                seen.put(n, req.headers(n));
            }
            Map<String, String> h = new HashMap<>();
            h.put("Connection", "X-Hop");
            h.put("X-Hop", "1");
            h.put("Keep-Alive", "timeout=5");
            h.put("X-End", "kept");
            out.respond(200, h, "hello".getBytes(StandardCharsets.UTF_8));
        });
        HttpService p = proxy(2, proxyOf(new Ordered(up("b", b))).build());
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            RawHttp.Response r = c.exchange(get("/x?y=1", "Connection: keep-alive, X-Client-Hop",
                    "X-Client-Hop: 1", "Proxy-Authorization: Basic c2VjcmV0", "TE: trailers",
                    "X-Forwarded-For: 10.9.9.9", "X-Forwarded-For: 10.8.8.8", "X-Custom: passed"));
            assertEquals(200, r.status());
            assertEquals("hello", r.text());
            assertEquals("kept", r.header("X-End"));
            assertNull(r.header("X-Hop"), "a header the upstream's Connection named is hop-by-hop");
            assertNull(r.header("Keep-Alive"));
        }
        assertEquals(List.of("passed"), seen.get("X-Custom"));
        assertEquals(List.of("shop.example"), seen.get("Host"), "Host is passed on as the client sent it");
        assertEquals(List.of("10.9.9.9, 10.8.8.8, 127.0.0.1"), seen.get("X-Forwarded-For"),
                "every X-Forwarded-For line is kept, in order, then the client's address");
        assertEquals(List.of("http"), seen.get("X-Forwarded-Proto"));
        assertEquals(List.of("shop.example"), seen.get("X-Forwarded-Host"));
        for (String hop : List.of("X-Client-Hop", "Proxy-Authorization", "TE")) {
            assertNull(seen.get(hop), hop + " must not reach the upstream");
        }
    }

    @Test
    void streamsLargeBodiesBothWays() throws Exception {
        HttpService echo = backend(3, (req, out) -> out.respond(200, Map.of(), req.body()));
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(big);
        HttpService gen = backend(4, (req, out) -> out.respond(200, Map.of(), big));
        HttpService p = proxy(5, proxyOf(new Ordered(up("echo", echo))).build());
        HttpService p2 = proxy(6, proxyOf(new Ordered(up("gen", gen))).build());
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            c.send(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + big.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            c.send(big);
            RawHttp.Response r = c.read(false);
            assertEquals(200, r.status());
            assertArrayEquals(sha(big), sha(r.body()), "the streamed request body came back whole");
            // a chunked request body, also over the retry buffer
            StringBuilder chunked = new StringBuilder("PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] part = "0123456789abcdef".repeat(8192).getBytes(StandardCharsets.ISO_8859_1); // 128 KiB
            c.send(chunked.toString());
            for (int i = 0; i < 3; i++) {
                c.send(Integer.toHexString(part.length) + "\r\n");
                c.send(part);
                c.send("\r\n");
            }
            c.send("0\r\n\r\n");
            RawHttp.Response r2 = c.read(false);
            assertEquals(200, r2.status());
            assertEquals(3 * part.length, r2.body().length);
        }
        try (RawHttp.Client c = new RawHttp.Client(p2.address())) {
            RawHttp.Response r = c.exchange(get("/big"));
            assertEquals(200, r.status());
            assertArrayEquals(sha(big), sha(r.body()));
        }
    }

    private static byte[] sha(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    @Test
    void aGetIsSentAgainElsewhereWhenTheConnectionIsResetBeforeTheAnswer() throws Exception {
        AtomicInteger resets = new AtomicInteger();
        RawHttp.Server resetter = raw(7, resetAfterRequest(resets, new CopyOnWriteArrayList<>()));
        AtomicInteger hits = new AtomicInteger();
        HttpService good = named(8, "good", hits);
        ReverseProxy rp = proxyOf(new Ordered(up("resetter", resetter), up("good", good))).build();
        HttpService p = proxy(9, rp);
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            for (int i = 0; i < 3; i++) {
                RawHttp.Response r = c.exchange(get("/hello"));
                assertEquals(200, r.status(), r.text());
                assertEquals("GET good", r.text());
            }
        }
        assertEquals(3, resets.get(), "each GET reached the resetting upstream first");
        assertEquals(3, rp.retried());
        assertEquals(0, rp.badGateway());
    }

    @Test
    void aPostIsNeverSentTwiceOnceWritten() throws Exception {
        AtomicInteger resets = new AtomicInteger();
        List<String> bodies = new CopyOnWriteArrayList<>();
        RawHttp.Server resetter = raw(10, resetAfterRequest(resets, bodies));
        AtomicInteger hits = new AtomicInteger();
        HttpService good = named(11, "good", hits);
        ReverseProxy rp = proxyOf(new Ordered(up("resetter", resetter), up("good", good))).build();
        HttpService p = proxy(12, rp);
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            RawHttp.Response r = c.exchange(post("/order", "one book"));
            assertEquals(502, r.status(), r.text());
            assertTrue(r.text().contains("not idempotent"), r.text());
        }
        assertEquals(List.of("one book"), bodies, "the resetting upstream got the body");
        assertEquals(0, hits.get(), "and it was not sent to another upstream");
        assertEquals(0, rp.retried());
        assertEquals(1, rp.badGateway());
    }

    @Test
    void aPostIsSentElsewhereWhenNoConnectionCouldBeMade() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, at(13).getAddress())) {
            deadPort = s.getLocalPort();
        }
        AtomicInteger hits = new AtomicInteger();
        HttpService good = named(14, "good", hits);
        Ordered order = new Ordered(new Upstream("dead", new InetSocketAddress(at(13).getAddress(), deadPort)),
                up("good", good));
        HttpService p = proxy(15, proxyOf(order).build());
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            RawHttp.Response r = c.exchange(post("/order", "two books"));
            assertEquals(200, r.status(), r.text());
            assertEquals("POST good", r.text());
        }
        assertEquals(List.of("dead"), order.unreachable, "the refusing upstream is reported, for ejection");
    }

    @Test
    void anUnavailableAnswerIsRetriedForAGetAndPassedOnForAPost() throws Exception {
        AtomicInteger busyHits = new AtomicInteger();
        HttpService busy = backend(16, (req, out) -> {
            busyHits.incrementAndGet();
            out.text(503, "busy");
        });
        AtomicInteger hits = new AtomicInteger();
        HttpService good = named(17, "good", hits);
        HttpService p = proxy(18, proxyOf(new Ordered(up("busy", busy), up("good", good))).build());
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            assertEquals("GET good", c.exchange(get("/x")).text());
            RawHttp.Response r = c.exchange(post("/x", "b"));
            assertEquals(503, r.status());
            assertEquals("busy", r.text());
        }
        assertEquals(2, busyHits.get());
        assertEquals(1, hits.get());
    }

    @Test
    void anAnswerThatDoesNotStartInTimeIs504() throws Exception {
        HttpService silent = backend(19, (req, out) -> { }); // never answers
        ReverseProxy rp = proxyOf(new Ordered(up("silent", silent))).responseTimeout(Duration.ofMillis(300)).build();
        HttpService p = proxy(20, rp);
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            RawHttp.Response r = c.exchange(get("/slow"));
            assertEquals(504, r.status(), r.text());
            // The client connection stays usable.
            assertEquals(504, c.exchange(get("/slow")).status());
        }
        assertEquals(2, rp.gatewayTimeouts());
    }

    @Test
    void aResponseTimeoutNotShorterThanTheConnectorsIdleTimeoutIsRefusedNamingBoth() {
        try (HttpConnector c = HttpConnector.builder(loop).idleTimeout(Duration.ofSeconds(5)).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    ReverseProxy.builder(new Ordered(), c).responseTimeout(Duration.ofSeconds(5)).build());
            assertTrue(e.getMessage().contains("responseTimeout") && e.getMessage().contains("idleTimeout"),
                    e.getMessage());
            ReverseProxy.builder(new Ordered(), c).responseTimeout(Duration.ofSeconds(4)).build();
        }
    }

    @Test
    void withNoUpstreamTheAnswerIs503() throws Exception {
        ReverseProxy rp = proxyOf(new Ordered()).build();
        HttpService p = proxy(21, rp);
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            assertEquals(503, c.exchange(get("/")).status());
        }
        assertEquals(1, rp.unavailable());
    }

    @Test
    void bodiesOverTheLimitAre413AndHeadersOverTheLimit431() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        HttpService good = named(22, "good", hits);
        ReverseProxy rp = proxyOf(new Ordered(up("good", good))).maxBody(1000).build();
        HttpService p = proxy(23, rp);
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            RawHttp.Response r = c.exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
            assertEquals(413, r.status());
            assertTrue(c.closedByServer(), "the unread body ends the connection");
        }
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = "x".repeat(600);
            c.send(Integer.toHexString(600) + "\r\n" + chunk + "\r\n" + Integer.toHexString(600) + "\r\n" + chunk
                    + "\r\n");
            assertEquals(413, c.read(false).status(), "a chunked body is counted as it comes");
        }
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            RawHttp.Response r = c.exchange(get("/", "X-Big: " + "y".repeat(20_000)));
            assertEquals(431, r.status());
        }
        assertEquals(0, hits.get(), "nothing over the limits reached the upstream");
        assertEquals(2, rp.tooLarge());
        assertEquals(1, p.malformed());
    }

    @Test
    void aMalformedRequestIs400AndCounted() throws Exception {
        HttpService p = proxy(24, proxyOf(new Ordered()).build());
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            RawHttp.Response r = c.exchange("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
            assertEquals(400, r.status());
            assertTrue(c.closedByServer());
        }
        assertEquals(1, p.malformed());
    }

    @Test
    void clientConnectionsStayOpenAndUpstreamConnectionsAreReused() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        HttpService good = named(25, "good", hits);
        HttpService p = proxy(26, proxyOf(new Ordered(up("good", good))).build());
        long openedBefore = connector.connectionsOpened();
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            for (int i = 0; i < 20; i++) {
                assertEquals(200, c.exchange(get("/hello")).status());
            }
            assertEquals(1, p.connections());
        }
        assertEquals(20, hits.get());
        assertEquals(1, connector.connectionsOpened() - openedBefore, "one upstream connection served all twenty");
    }

    @Test
    void anAnswerCutOffMidBodyCutsTheClientOffAndIsNotRetried() throws Exception {
        AtomicInteger cutHits = new AtomicInteger();
        RawHttp.Server cut = raw(27, s -> {
            if (RawHttp.readHead(s.getInputStream()) == null) {
                return;
            }
            cutHits.incrementAndGet();
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly ten b".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            s.setSoLinger(true, 0);
            s.close();
        });
        AtomicInteger hits = new AtomicInteger();
        HttpService good = named(28, "good", hits);
        ReverseProxy rp = proxyOf(new Ordered(up("cut", cut), up("good", good))).build();
        HttpService p = proxy(29, rp);
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            c.send(get("/file"));
            IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> c.read(false));
            assertTrue(e.getMessage().contains("cut") || e.getMessage().contains("reset")
                    || e.getMessage().contains("closed"), e.toString());
        }
        assertEquals(1, cutHits.get());
        assertEquals(0, hits.get(), "an answer that had started is never retried");
        Poll.until(() -> rp.aborted() == 1, Duration.ofSeconds(10));
        assertEquals(1, rp.aborted());
    }

    @Test
    void theConnectionsOfAnUpstreamThatLeavesAreClosed() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        HttpService f1 = named(30, "f1", hits);
        HttpService f2 = named(31, "f2", hits);
        RoleView view = new RoleView(Roles.FRONT);
        Member m1 = member("f1", f1);
        Member m2 = member("f2", f2);
        view.reset(List.of(m1, m2));
        HttpService p = proxy(32, proxyOf(RoleUpstreams.of(view)).build());
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            for (int i = 0; i < 4; i++) {
                assertEquals(200, c.exchange(get("/hello")).status());
            }
        }
        assertTrue(Poll.until(() -> connector.connectedEndpoints().containsAll(Set.of(f1.address(), f2.address())),
                Duration.ofSeconds(10)), "both fronts have a kept connection: " + connector.connectedEndpoints());
        view.reset(List.of(m1)); // f2 left the role's view
        assertTrue(Poll.until(() -> !connector.connectedEndpoints().contains(f2.address()), Duration.ofSeconds(10)),
                "the connection to the front that left is closed: " + connector.connectedEndpoints());
        assertTrue(connector.connectedEndpoints().contains(f1.address()), "the other front's connection stays");
        assertEquals(0, f2.connections(), "f2 sees its connection closed too");
    }

    private static Member member(String name, HttpService s) {
        return new Member(name, new InetSocketAddress(s.address().getAddress(), 7946),
                Map.of(Roles.ROLE, Roles.FRONT, Roles.portTag(Roles.HTTP), Integer.toString(s.address().getPort())),
                MemberStatus.ALIVE, 1);
    }

    @Test
    void anInterimAnswerFromTheUpstreamIsNotTakenForTheAnswer() throws Exception {
        RawHttp.Server hints = raw(34, s -> {
            if (RawHttp.readHead(s.getInputStream()) == null) {
                return;
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            while (s.getInputStream().read() >= 0) {
                // hold the connection until the proxy closes it
            }
        });
        HttpService p = proxy(35, proxyOf(new Ordered(up("hints", hints))).build());
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            RawHttp.Response r = c.exchange(get("/"));
            assertEquals(200, r.status());
            assertEquals("ok", r.text());
        }
    }

    @Test
    void pipelinedRequestsThroughTheProxyAreAnsweredInOrder() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        HttpService slowFirst = backend(36, (req, out) -> {
            hits.incrementAndGet();
            if (req.rawPath().equals("/1")) {
                // answered later, from another thread: the second request has arrived meanwhile
                new Thread(() -> {
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.text(200, "one");
                }).start();
            } else {
                out.text(200, "two");
            }
        });
        HttpService p = proxy(37, proxyOf(new Ordered(up("slow", slowFirst))).build());
        try (RawHttp.Client c = new RawHttp.Client(p.address())) {
            c.send(get("/1") + get("/2") + get("/3"));
            assertEquals("one", c.read(false).text());
            assertEquals("two", c.read(false).text());
            assertEquals("two", c.read(false).text());
        }
        assertEquals(3, hits.get());
    }

    @Test
    void aProxyMustRunOnItsConnectorsLoop() {
        ReverseProxy rp = proxyOf(new Ordered()).build();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> HttpService.builder("wrong", hostPort(33)).loop(backendLoop).proxy(rp).start());
        assertTrue(e.getMessage().contains("loop"), e.getMessage());
    }
}
