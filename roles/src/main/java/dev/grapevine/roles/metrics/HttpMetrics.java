package dev.grapevine.roles.metrics;

import dev.grapevine.roles.http.HttpService;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The request counters of one HTTP server of the process, labelled {@code server} with a name from a small fixed
 * set (the server's role: {@code admin}, {@code app}, {@code front}, {@code proxy}...; never a member's name):
 * {@code grapevine_http_requests_total}, {@code grapevine_http_rejected_total} (503: too many in progress),
 * {@code grapevine_http_bad_requests_total} (4xx: unparsable, too large, or refused by the handler where the
 * server counts those) and, where the server reports them, the gauges {@code grapevine_http_in_flight} and
 * {@code grapevine_http_connections}.
 */
public final class HttpMetrics implements MetricsSource {

    private final String server;
    private final LongSupplier requests;
    private final LongSupplier rejected;
    private final LongSupplier badRequests;
    private final HttpService service;

    private HttpMetrics(String server, LongSupplier requests, LongSupplier rejected, LongSupplier badRequests,
                        HttpService service) {
        this.server = Objects.requireNonNull(server, "server");
        this.requests = requests;
        this.rejected = rejected;
        this.badRequests = badRequests;
        this.service = service;
    }

    /** The counters of {@code service}, labelled {@code server=<server>}. */
    public static HttpMetrics of(String server, HttpService service) {
        Objects.requireNonNull(service, "service");
        return new HttpMetrics(server, service::requests, service::rejected,
                () -> service.malformed() + service.tooLarge(), service);
    }

    /**
     * Counters read from elsewhere (a server that keeps its own, such as the admin server), labelled
     * {@code server=<server>}; no in-flight or connection gauges.
     */
    public static HttpMetrics of(String server, LongSupplier requests, LongSupplier rejected,
                                 LongSupplier badRequests) {
        return new HttpMetrics(server, Objects.requireNonNull(requests, "requests"),
                Objects.requireNonNull(rejected, "rejected"), Objects.requireNonNull(badRequests, "badRequests"),
                null);
    }

    @Override
    public void write(MetricsWriter w) {
        w.counter("http_requests_total", "HTTP requests received, by server", requests.getAsLong(),
                "server", server);
        w.counter("http_rejected_total", "HTTP requests answered 503 because too many were in progress",
                rejected.getAsLong(), "server", server);
        w.counter("http_bad_requests_total", "HTTP requests answered 4xx (malformed, too large, refused)",
                badRequests.getAsLong(), "server", server);
        if (service != null) {
            w.gauge("http_in_flight", "HTTP requests being handled now", service.inFlight(), "server", server);
            w.gauge("http_connections", "HTTP connections open now", service.connections(), "server", server);
        }
    }

    @Override
    public String toString() {
        return "HttpMetrics[" + server + "]";
    }
}
