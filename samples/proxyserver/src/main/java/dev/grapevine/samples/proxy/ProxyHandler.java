package dev.grapevine.samples.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.grapevine.roles.RoleClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A reverse proxy over the live front servers: every request is passed to a front server picked by the
 * balancer, with hop-by-hop headers removed and {@code X-Forwarded-For} added. Request bodies are buffered
 * (so that a retry can send them again) up to {@link #MAX_BODY} (413 beyond); answers are streamed through. The set of front servers
 * follows membership events (no reload); idempotent requests are retried on another front server when one
 * fails (see {@link RoleClient}); with no front server alive the answer is 503.
 */
final class ProxyHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);

    /** Hop-by-hop headers (RFC 9110 section 7.6.1) and those the HTTP client sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
            "content-length", "expect", "date");

    /** The largest request body passed on; a larger one is answered 413. */
    static final int MAX_BODY = 8 * 1024 * 1024;

    private final RoleClient fronts;

    ProxyHandler(RoleClient fronts) {
        this.fronts = fronts;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                reply(ex, 413, "request body over " + MAX_BODY + " bytes");
                return;
            }
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            ex.getRequestHeaders().forEach((k, v) -> {
                if (!NOT_FORWARDED.contains(k.toLowerCase(Locale.ROOT))) {
                    headers.put(k, v);
                }
            });
            String client = ex.getRemoteAddress().getAddress().getHostAddress();
            List<String> xff = headers.get("X-Forwarded-For");
            headers.put("X-Forwarded-For", List.of(xff == null ? client : String.join(", ", xff) + ", " + client));
            String target = ex.getRequestURI().getRawPath()
                    + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
            HttpResponse<java.io.InputStream> answer;
            try {
                RoleClient.Reply<java.io.InputStream> r = fronts.send(ex.getRequestMethod(), target, headers, body,
                        HttpResponse.BodyHandlers.ofInputStream());
                answer = r.response();
                if (r.attempts() > 1) {
                    LOG.info("{} {} answered by {} after {} attempts", ex.getRequestMethod(), target,
                            r.member().name(), r.attempts());
                }
            } catch (RoleClient.NoMemberException e) {
                LOG.warn("{} {}: {}", ex.getRequestMethod(), target, e.getMessage());
                reply(ex, e.getCause() == null ? 503 : 502, "no front server available: " + e.getMessage());
                return;
            } catch (IllegalArgumentException e) {
                // a method or header the HTTP client refuses to send
                reply(ex, 400, "cannot forward this request: " + e.getMessage());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ex.sendResponseHeaders(503, -1);
                return;
            }
            answer.headers().map().forEach((k, v) -> {
                if (!NOT_FORWARDED.contains(k.toLowerCase(Locale.ROOT)) && !k.startsWith(":")) {
                    ex.getResponseHeaders().put(k, v);
                }
            });
            boolean noBody = ex.getRequestMethod().equals("HEAD") || answer.statusCode() == 204
                    || answer.statusCode() == 304;
            try (java.io.InputStream in = answer.body()) {
                if (noBody) {
                    ex.sendResponseHeaders(answer.statusCode(), -1);
                    return;
                }
                long length = answer.headers().firstValueAsLong("Content-Length").orElse(0);
                // Streamed, not buffered: a known length is passed on, an unknown one is sent chunked (0).
                ex.sendResponseHeaders(answer.statusCode(), length > 0 ? length : 0);
                in.transferTo(ex.getResponseBody());
            }
        }
    }

    private static void reply(HttpExchange ex, int status, String text) throws IOException {
        byte[] msg = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, msg.length);
        ex.getResponseBody().write(msg);
    }
}
