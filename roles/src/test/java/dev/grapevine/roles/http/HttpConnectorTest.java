package dev.grapevine.roles.http;

import dev.grapevine.HostPort;
import dev.grapevine.roles.Poll;
import io.netty.channel.socket.SocketChannelConfig;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link HttpConnector} against servers in 127.0.15.0/24 (hosts 50-99, each test its own): well-behaved ones are
 * {@link HttpService}s on a loop of their own, misbehaving ones raw sockets. Pooling and reuse, the pool's
 * bounds, retiring an endpoint, the stage each failure is reported at, the limits, TLS and URIs.
 */
class HttpConnectorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration CALL = Duration.ofSeconds(10);

    private final HttpLoop loop = HttpLoop.create("connector-test", 1);
    private final HttpLoop serverLoop = HttpLoop.create("connector-test-servers", 1);
    private final Closer open = new Closer();

    @AfterEach
    void close() throws Exception {
        open.close();
        loop.close();
        serverLoop.close();
    }

    private static InetSocketAddress at(int host) {
        return Closer.loopback(15, host);
    }

    private HttpConnector connector(HttpConnector.Builder b) {
        HttpConnector c = b.build();
        open.add(c);
        return c;
    }

    private HttpConnector.Builder connectorOn() {
        return HttpConnector.builder(loop).connectTimeout(Duration.ofSeconds(5));
    }

    private HttpService server(int host, HttpHandler handler) throws IOException {
        HttpService s = HttpService.builder("server-" + host, new HostPort("127.0.15." + host, 0)).loop(serverLoop)
                .drain(Duration.ZERO).handler(handler).start();
        open.add(s);
        return s;
    }

    private RawHttp.Server raw(int host, RawHttp.Connection c) throws IOException {
        RawHttp.Server s = new RawHttp.Server(at(host), c);
        open.add(s);
        return s;
    }

    private static CompletableFuture<HttpReply> get(HttpConnector c, InetSocketAddress to, String target) {
        return c.call(to, "GET", target, Map.of(), new byte[0], CALL);
    }

    private static HttpReply answer(CompletableFuture<HttpReply> f) throws Exception {
        return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** The failure of a call that must fail. */
    private static UpstreamException failure(CompletableFuture<HttpReply> f) throws Exception {
        try {
            HttpReply r = f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return fail("the call was expected to fail, but got " + r.status() + " " + r.bodyText());
        } catch (ExecutionException e) {
            return assertInstanceOf(UpstreamException.class, e.getCause());
        } catch (TimeoutException e) {
            return fail("the call neither failed nor completed within " + WAIT);
        }
    }

    /** Answers {@code method target}. */
    private static final HttpHandler ECHO = (req, out) -> out.text(200, req.method() + " " + req.uri());

    /** Reads a request head, then does nothing more until the client goes away: the socket stays open. */
    private static final RawHttp.Connection SILENT = s -> {
        InputStream in = s.getInputStream();
        if (RawHttp.readHead(in) != null) {
            while (in.read() >= 0) {
                // wait for the client to close
            }
        }
    };

    @Test
    void twoSequentialCallsReuseOneConnection() throws Exception {
        HttpService s = server(50, ECHO);
        HttpConnector c = connector(connectorOn());
        HttpReply first = answer(get(c, s.address(), "/one"));
        HttpReply second = answer(get(c, s.address(), "/two"));
        assertEquals(200, first.status());
        assertEquals("GET /one", first.bodyText());
        assertEquals("GET /two", second.bodyText());
        assertEquals(1, c.connectionsOpened());
        assertEquals(1, c.connectionsReused());
        assertEquals(1, c.openConnections(), "the connection is kept");
        assertEquals(1, s.connections());
    }

    @Test
    void upstreamConnectionsHaveTcpNoDelay() throws Exception {
        HttpService s = server(51, ECHO);
        HttpConnector c = connector(connectorOn());
        CompletableFuture<Lease> leased = new CompletableFuture<>();
        var l = loop.next();
        l.execute(() -> {
            Promise<Lease> p = l.newPromise();
            p.addListener(f -> {
                if (f.isSuccess()) {
                    leased.complete((Lease) f.getNow());
                } else {
                    leased.completeExceptionally(f.cause());
                }
            });
            c.lease(l, s.address(), p);
        });
        Lease lease = leased.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        try {
            SocketChannelConfig config = (SocketChannelConfig) lease.channel().config();
            assertTrue(config.isTcpNoDelay(), "TCP_NODELAY on " + lease.channel());
            assertTrue(config.isKeepAlive(), "SO_KEEPALIVE on " + lease.channel());
        } finally {
            l.execute(() -> lease.release(true));
        }
        assertEquals(200, answer(get(c, s.address(), "/")).status(), "the lease went back to the pool");
        assertEquals(1, c.connectionsOpened());
    }

    @Test
    void aFullPoolRefusesTheCallerBeyondItsQueueAtOnce() throws Exception {
        BlockingQueue<Responder> held = new LinkedBlockingQueue<>();
        HttpService s = server(52, (req, out) -> held.add(out));
        HttpConnector c = connector(connectorOn().connectTimeout(Duration.ofSeconds(10)).maxConnections(1)
                .maxPending(1));
        CompletableFuture<HttpReply> first = get(c, s.address(), "/1");
        CompletableFuture<HttpReply> second = get(c, s.address(), "/2");
        CompletableFuture<HttpReply> third = get(c, s.address(), "/3");
        UpstreamException e = failure(third);
        assertEquals(UpstreamException.Stage.CONNECT, e.stage());
        assertTrue(e.nothingSent());
        assertFalse(e.isTimeout());
        assertTrue(e.getMessage().contains("full"), e.getMessage());
        assertEquals(1, c.refused());
        assertFalse(first.isDone(), "the first holds the one connection");
        assertFalse(second.isDone(), "the second waits for it");
        Responder r1 = held.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(r1);
        r1.text(200, "one");
        assertEquals("one", answer(first).bodyText());
        Responder r2 = held.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(r2, "the waiting call got the released connection");
        r2.text(200, "two");
        assertEquals("two", answer(second).bodyText());
        assertEquals(1, c.connectionsOpened());
        assertEquals(1, c.connectionsReused());
    }

    @Test
    void retireClosesTheIdleConnectionsOfAnEndpoint() throws Exception {
        HttpService s = server(53, ECHO);
        HttpService other = server(54, ECHO);
        HttpConnector c = connector(connectorOn());
        answer(get(c, s.address(), "/"));
        answer(get(c, other.address(), "/"));
        assertEquals(2, c.openConnections());
        c.retire(s.address());
        assertTrue(Poll.until(() -> c.openConnections() == 1, WAIT), "open: " + c.connectedEndpoints());
        assertFalse(c.connectedEndpoints().contains(s.address()));
        assertTrue(c.connectedEndpoints().contains(other.address()), "another endpoint's connection stays");
        assertTrue(Poll.until(() -> s.connections() == 0, WAIT), "the server sees it closed");
        assertEquals(200, answer(get(c, s.address(), "/")).status(), "a later call connects anew");
        assertEquals(3, c.connectionsOpened());
    }

    @Test
    void aRefusedConnectionFailsWithNothingSent() throws Exception {
        InetSocketAddress dead;
        try (ServerSocket ss = new ServerSocket(0, 1, at(55).getAddress())) {
            dead = new InetSocketAddress(ss.getInetAddress(), ss.getLocalPort());
        }
        HttpConnector c = connector(connectorOn());
        UpstreamException e = failure(c.call(dead, "POST", "/", Map.of(), "x".getBytes(StandardCharsets.UTF_8),
                CALL));
        assertEquals(UpstreamException.Stage.CONNECT, e.stage());
        assertTrue(e.nothingSent(), "a POST may go elsewhere: " + e);
        assertFalse(e.isTimeout());
        assertEquals(1, c.connectFailures());
        assertTrue(Poll.until(() -> c.openConnections() == 0, WAIT));
    }

    @Test
    void aServerThatClosesAfterReadingTheRequestFailsTheCallAtStageSend() throws Exception {
        RawHttp.Server s = raw(56, sock -> RawHttp.readHead(sock.getInputStream())); // then closes
        HttpConnector c = connector(connectorOn());
        UpstreamException e = failure(get(c, s.address(), "/"));
        assertEquals(UpstreamException.Stage.SEND, e.stage(), e.toString());
        assertFalse(e.nothingSent(), "the server may have seen the request");
        assertFalse(e.isTimeout());
        assertTrue(Poll.until(() -> c.openConnections() == 0, WAIT), "the connection is not kept");
    }

    @Test
    void aServerThatClosesMidBodyFailsTheCallAtStageResponse() throws Exception {
        RawHttp.Server s = raw(57, sock -> {
            if (RawHttp.readHead(sock.getInputStream()) == null) {
                return;
            }
            OutputStream out = sock.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        });
        HttpConnector c = connector(connectorOn());
        UpstreamException e = failure(get(c, s.address(), "/"));
        assertEquals(UpstreamException.Stage.RESPONSE, e.stage(), e.toString());
        assertFalse(e.isTimeout());
        assertTrue(Poll.until(() -> c.openConnections() == 0, WAIT));
    }

    @Test
    void aCallThatIsNotAnsweredInTimeFailsAsATimeout() throws Exception {
        RawHttp.Server s = raw(58, SILENT);
        HttpConnector c = connector(connectorOn());
        UpstreamException e = failure(c.call(s.address(), "GET", "/", Map.of(), new byte[0], Duration.ofMillis(300)));
        assertTrue(e.isTimeout(), e.toString());
        assertEquals(UpstreamException.Stage.SEND, e.stage(), "sent, and no answer began");
        assertTrue(Poll.until(() -> c.openConnections() == 0, WAIT), "a timed-out exchange's connection is closed");
    }

    @Test
    void anAnswerOverMaxResponseBodyFails() throws Exception {
        HttpService s = server(59, (req, out) -> out.text(200, "z".repeat(1000)));
        HttpConnector c = connector(connectorOn().maxResponseBody(100));
        UpstreamException e = failure(get(c, s.address(), "/"));
        assertEquals(UpstreamException.Stage.RESPONSE, e.stage());
        assertTrue(e.getMessage().contains("over 100 bytes"), e.getMessage());
        assertTrue(Poll.until(() -> c.openConnections() == 0, WAIT), "the rest of the answer is not read");
    }

    @Test
    void anAnswerSayingConnectionCloseIsNotKept() throws Exception {
        HttpService s = server(60, (req, out) -> out.respond(200, Map.of("Connection", "close"), new byte[]{'k'}));
        HttpConnector c = connector(connectorOn());
        assertEquals("k", answer(get(c, s.address(), "/")).bodyText());
        assertTrue(Poll.until(() -> c.openConnections() == 0, WAIT));
        assertEquals("k", answer(get(c, s.address(), "/")).bodyText());
        assertEquals(2, c.connectionsOpened());
        assertEquals(0, c.connectionsReused());
    }

    @Test
    void anHttpsUriToAServerWithAnUntrustedCertificateFailsTheCertificateCheck() throws Exception {
        List<Throwable> serverSide = new CopyOnWriteArrayList<>();
        TlsServer tls = new TlsServer(at(61), serverSide);
        open.add(tls);
        HttpConnector c = connector(connectorOn());
        URI uri = URI.create("https://127.0.15.61:" + tls.port() + "/health");
        UpstreamException e = failure(c.call(uri, "GET", Map.of(), new byte[0], CALL));
        assertTrue(causes(e).stream().anyMatch(t -> t instanceof SSLHandshakeException), "a handshake failure: "
                + causes(e));
        assertTrue(Poll.until(() -> c.openConnections() == 0, WAIT));
        assertTrue(tls.requestsRead == 0, "no request was read over the untrusted connection");
    }

    /*
     * Fails on 38bbaf9 (bug report 7): an https connection is leased once TCP connects, before the TLS handshake,
     * so a failed handshake is reported at stage SEND (the request "may have reached the server") although no
     * byte of it could have been sent; callers then may not retry a POST elsewhere.
     */
    @Test
    void aFailedTlsHandshakeSentNothing() throws Exception {
        TlsServer tls = new TlsServer(at(62), new CopyOnWriteArrayList<>());
        open.add(tls);
        HttpConnector c = connector(connectorOn());
        URI uri = URI.create("https://127.0.15.62:" + tls.port() + "/orders");
        UpstreamException e = failure(c.call(uri, "POST", Map.of(), "x".getBytes(StandardCharsets.UTF_8), CALL));
        assertTrue(e.nothingSent(), "nothing is sent before the handshake succeeds: " + e.stage() + " " + e);
    }

    @Test
    void callingAPlainHttpUriWorks() throws Exception {
        List<String> hosts = new CopyOnWriteArrayList<>();
        HttpService s = server(63, (req, out) -> {
            hosts.add(req.header("Host"));
            out.text(200, req.method() + " " + req.uri() + " " + req.header("X-Test"));
        });
        HttpConnector c = connector(connectorOn());
        URI uri = URI.create("http://127.0.15.63:" + s.address().getPort() + "/path/x?q=1&r=a%20b");
        HttpReply r = answer(c.call(uri, "GET", Map.of("X-Test", List.of("yes")), new byte[0], CALL));
        assertEquals(200, r.status());
        assertEquals("GET /path/x?q=1&r=a%20b yes", r.bodyText());
        assertEquals(List.of("127.0.15.63:" + s.address().getPort()), hosts, "Host is the URI's authority");
        assertEquals("text/plain; charset=utf-8", r.header("Content-Type").orElseThrow());
        HttpReply root = answer(c.call(URI.create("http://127.0.15.63:" + s.address().getPort()), "GET", Map.of(),
                new byte[0], CALL));
        assertEquals("GET / null", root.bodyText(), "an empty path is /");
    }

    /*
     * Fails on 38bbaf9 (bug report 6): the idle timeout of a leased connection ends its exchange as stage RESPONSE
     * ("the answer had begun") although not a byte of the answer arrived; it is stage SEND, as the call timeout
     * says for the same situation.
     */
    @Test
    void aSilentServerEndsTheCallAtStageSendWhenTheIdleTimeoutPasses() throws Exception {
        RawHttp.Server s = raw(64, SILENT);
        HttpConnector c = connector(connectorOn().idleTimeout(Duration.ofMillis(300)));
        UpstreamException e = failure(get(c, s.address(), "/"));
        assertTrue(e.isTimeout(), e.toString());
        assertEquals(UpstreamException.Stage.SEND, e.stage(), "no answer had begun: " + e);
    }

    /*
     * Fails on 38bbaf9 (bug report 6): the reader-idle timer of a pooled connection is not reset when it is leased,
     * so an exchange on a connection that sat idle in the pool gets only what is left of the idle timeout for its
     * answer, and fails as a timeout though the server answers well within it. The sleeps age the connection and
     * slow the answer; the margins either way are 600 ms or more.
     */
    @Test
    void aReusedConnectionGetsTheWholeIdleTimeoutForItsAnswer() throws Exception {
        HttpService s = server(65, (req, out) -> {
            if (req.uri().equals("/slow")) {
                new Thread(() -> {
                    sleep(2500);
                    out.text(200, "slow");
                }).start();
            } else {
                out.text(200, "fast");
            }
        });
        // Wide margins (1.5 s either way) so that a loaded machine cannot decide the outcome: without the reset,
        // 3 s in the pool plus 2.5 s of waiting is 5.5 s of silence, over the 4 s idle timeout.
        HttpConnector c = connector(connectorOn().idleTimeout(Duration.ofMillis(4000)));
        assertEquals("fast", answer(get(c, s.address(), "/fast")).bodyText());
        sleep(3000); // the connection sits idle in the pool, within the idle timeout
        HttpReply r = answer(get(c, s.address(), "/slow"));
        assertEquals("slow", r.bodyText(), "answered 2.5 s after it was sent, within the 4 s idle timeout");
        assertEquals(1, c.connectionsReused());
    }

    @Test
    void badBuilderSettingsFailNamingTheField() {
        Map<String, Runnable> cases = Map.of(
                "connectTimeout", () -> HttpConnector.builder(loop).connectTimeout(Duration.ZERO),
                "idleTimeout", () -> HttpConnector.builder(loop).idleTimeout(Duration.ofMillis(-1)),
                "maxConnections", () -> HttpConnector.builder(loop).maxConnections(0),
                "maxIdle", () -> HttpConnector.builder(loop).maxIdle(-1),
                "maxPending", () -> HttpConnector.builder(loop).maxPending(-1),
                "maxResponseBody", () -> HttpConnector.builder(loop).maxResponseBody(-1),
                "maxHeaderSize", () -> HttpConnector.builder(loop).maxHeaderSize(10));
        cases.forEach((field, bad) -> {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    bad::run, field);
            assertTrue(e.getMessage().startsWith(field), field + ": " + e.getMessage());
        });
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> out = new ArrayList<>();
        for (Throwable x = t; x != null && !out.contains(x); x = x.getCause()) {
            out.add(x);
        }
        return out;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A TLS server (JDK sockets) with a self-signed certificate for "localhost", which no trust store holds. */
    private static final class TlsServer implements AutoCloseable {
        private final SSLServerSocket socket;
        private final List<SSLSocket> accepted = new CopyOnWriteArrayList<>();
        private final SelfSignedCertificate cert;
        volatile int requestsRead;

        TlsServer(InetSocketAddress bind, List<Throwable> failures) throws Exception {
            cert = new SelfSignedCertificate("localhost");
            char[] pw = "test".toCharArray();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", cert.key(), pw, new Certificate[]{cert.cert()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            socket = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
            socket.bind(bind, 10);
            Thread t = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        SSLSocket s = (SSLSocket) socket.accept();
                        accepted.add(s);
                        try (s) {
                            s.startHandshake();
                            if (RawHttp.readHead(s.getInputStream()) != null) {
                                requestsRead++;
                            }
                        } catch (IOException e) {
                            failures.add(e); // the client refused the certificate
                        }
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "tls-accept");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (SSLSocket s : accepted) {
                s.close();
            }
            cert.delete();
        }
    }
}
