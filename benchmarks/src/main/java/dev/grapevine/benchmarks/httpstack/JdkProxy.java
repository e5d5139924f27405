package dev.grapevine.benchmarks.httpstack;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JDK-only reverse proxy: {@code com.sun.net.httpserver.HttpServer} in front, {@code java.net.http.HttpClient}
 * (HTTP/1.1) behind, one blocking handler thread per request in flight.
 *
 * <p>Options beyond the shared ones: {@code --threads N} (the server's fixed pool, default 16) and
 * {@code --client-threads N} (the client's fixed executor, default 2).
 *
 * <p>Sockets: the JDK 17 server sets TCP_NODELAY on accepted sockets only when started with
 * {@code -Dsun.net.httpserver.nodelay=true}; the client's HTTP/1.1 connections always have it (the JDK's
 * PlainHttpConnection sets it). Keep-alive: the server keeps client connections open by default; the client
 * pools its HTTP/1.1 connections per host (unbounded, {@code jdk.httpclient.keepalive.timeout} = 1200 s).
 * Bodies stream both ways through InputStreams; nothing is buffered whole.
 */
public final class JdkProxy {

    /** Request headers the JDK client refuses to set (it derives them itself) or that we must not forward. */
    private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "expect", "date");

    private JdkProxy() {
    }

    public static void main(String[] args) throws IOException {
        ProxyOptions options = ProxyOptions.parse(args);
        int threads = options.intOption("threads", 16);
        int clientThreads = options.intOption("client-threads", 2);
        if (!Boolean.getBoolean("sun.net.httpserver.nodelay")) {
            System.err.println("warning: without -Dsun.net.httpserver.nodelay=true client sockets lack TCP_NODELAY");
        }
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .proxy(HttpClient.Builder.NO_PROXY)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newFixedThreadPool(clientThreads, named("client")))
                .build();
        HttpServer server = HttpServer.create(options.listen(), 1024);
        server.createContext("/", new Forwarder(client, options.upstreams()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, named("handler"));
        server.setExecutor(pool);
        server.start();
        System.out.printf("jdk proxy on %s -> %s, %d handler threads, %d client threads, nodelay=%s%n",
                ProxyOptions.hostPort(options.listen()), options.upstreams(), threads, clientThreads,
                Boolean.getBoolean("sun.net.httpserver.nodelay"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Forwards each exchange to the next upstream (round robin) and streams the answer back. */
    static final class Forwarder implements HttpHandler {
        private final HttpClient client;
        private final List<String> upstreams;
        private final AtomicInteger next = new AtomicInteger();

        Forwarder(HttpClient client, List<InetSocketAddress> upstreams) {
            this.client = client;
            this.upstreams = upstreams.stream().map(a -> "http://" + ProxyOptions.hostPort(a)).toList();
        }

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                HttpResponse<InputStream> response;
                try {
                    response = client.send(upstreamRequest(exchange), HttpResponse.BodyHandlers.ofInputStream());
                } catch (IOException | IllegalArgumentException e) {
                    exchange.sendResponseHeaders(502, -1);
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    exchange.sendResponseHeaders(502, -1);
                    return;
                }
                try (InputStream body = response.body()) {
                    copyResponseHeaders(response, exchange);
                    exchange.sendResponseHeaders(response.statusCode(), responseLength(exchange, response));
                    try (OutputStream out = exchange.getResponseBody()) {
                        body.transferTo(out);
                    }
                }
            }
        }

        private HttpRequest upstreamRequest(HttpExchange exchange) {
            String upstream = upstreams.get(Math.floorMod(next.getAndIncrement(), upstreams.size()));
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
                    .method(exchange.getRequestMethod(), requestBody(exchange));
            Set<String> listed = connectionTokens(exchange.getRequestHeaders().get("Connection"));
            for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
                String name = h.getKey().toLowerCase(Locale.ROOT);
                if (!ProxyOptions.isHopByHop(name) && !NOT_FORWARDED.contains(name) && !listed.contains(name)) {
                    h.getValue().forEach(v -> b.header(h.getKey(), v));
                }
            }
            return b.header("X-Forwarded-For", exchange.getRemoteAddress().getAddress().getHostAddress()).build();
        }

        /** Streams the client's body: fixed length when it gave one, chunked otherwise, none when it sent none. */
        private static HttpRequest.BodyPublisher requestBody(HttpExchange exchange) {
            String length = exchange.getRequestHeaders().getFirst("Content-Length");
            boolean chunked = exchange.getRequestHeaders().containsKey("Transfer-Encoding");
            if (length == null && !chunked) {
                return HttpRequest.BodyPublishers.noBody();
            }
            HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(exchange::getRequestBody);
            return chunked ? stream : HttpRequest.BodyPublishers.fromPublisher(stream, Long.parseLong(length));
        }

        private static void copyResponseHeaders(HttpResponse<?> response, HttpExchange exchange) {
            Set<String> listed = connectionTokens(response.headers().map().get("connection"));
            response.headers().map().forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                // Content-Length and Date are written by the server itself (sendResponseHeaders).
                if (!ProxyOptions.isHopByHop(lower) && !listed.contains(lower)
                        && !lower.equals("content-length") && !lower.equals("date") && !lower.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
        }

        /** sendResponseHeaders' length: -1 no body, 0 chunked (length unknown), n fixed. */
        private static long responseLength(HttpExchange exchange, HttpResponse<?> response) {
            int status = response.statusCode();
            if (exchange.getRequestMethod().equals("HEAD") || status == 204 || status == 304 || status < 200) {
                return -1;
            }
            long length = response.headers().firstValueAsLong("content-length").orElse(0);
            return length == 0 && response.headers().firstValue("content-length").isPresent() ? -1 : length;
        }

        private static Set<String> connectionTokens(List<String> connection) {
            if (connection == null) {
                return Set.of();
            }
            return Set.copyOf(connection.stream()
                    .flatMap(v -> Arrays.stream(v.split(",")))
                    .map(t -> t.trim().toLowerCase(Locale.ROOT))
                    .toList());
        }
    }
}
