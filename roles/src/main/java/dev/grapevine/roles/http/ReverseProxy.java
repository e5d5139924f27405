package dev.grapevine.roles.http;

import io.netty.channel.ChannelHandler;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 reverse proxy over a changing set of {@link Upstreams}, served by an {@link HttpService}
 * ({@code HttpService.builder(...).proxy(proxy)}), on the same loop as the pooled {@link HttpConnector} it calls
 * the upstreams with: a request is read, passed on and answered on one thread.
 *
 * <p>What it does to each request:
 * <ul>
 *   <li><b>Headers</b>: hop-by-hop headers ({@code Connection} and those it names, {@code Keep-Alive},
 *       {@code Proxy-Connection}, {@code Proxy-Authorization}, {@code Proxy-Authenticate}, {@code TE},
 *       {@code Trailer}, {@code Transfer-Encoding}, {@code Upgrade}) are removed both ways; the client's address
 *       is appended to {@code X-Forwarded-For}; {@code X-Forwarded-Proto} ({@code http}) and
 *       {@code X-Forwarded-Host} (the {@code Host} asked for) are added when absent. {@code Host} is passed on as
 *       the client sent it.</li>
 *   <li><b>Bodies</b> are streamed both ways with back pressure (a slow reader pauses the other side). A request
 *       body of at most {@code retryBuffer} bytes is read whole before it is sent (as nginx buffers request
 *       bodies), so that the request can be sent again; a larger one is streamed as it arrives. Over
 *       {@code maxBody} (declared or counted): 413.</li>
 *   <li><b>Retries</b>: a request whose connection could not be made (nothing was sent) goes to another
 *       upstream, whatever its method; an idempotent one (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) whose body was
 *       buffered is also sent again when the connection fails or is reset before the answer starts, and when the
 *       answer is 502, 503 or 504. A non-idempotent request is never sent twice once any of it was written, and
 *       nothing is retried once the answer has started. At most {@code maxAttempts} upstreams per request.</li>
 *   <li><b>Timeouts</b>: connecting ({@link HttpConnector}'s), the answer's head ({@code responseTimeout} after
 *       the request was sent: 504, not retried), silence while streaming (the connector's idle timeout: the
 *       client's connection is cut).</li>
 *   <li>No upstream at all: 503. Every attempt failed: 502.</li>
 * </ul>
 * Counters for each outcome are below. Thread-safe; one proxy may serve several {@link HttpService}s.
 */
public final class ReverseProxy {

    private final Upstreams upstreams;
    private final HttpConnector connector;
    private final int maxAttempts;
    private final long responseTimeoutMillis;
    private final long maxBody;
    private final int retryBuffer;
    final AtomicLong forwarded = new AtomicLong();
    final AtomicLong retried = new AtomicLong();
    final AtomicLong badGateway = new AtomicLong();
    final AtomicLong gatewayTimeout = new AtomicLong();
    final AtomicLong unavailable = new AtomicLong();
    final AtomicLong tooLarge = new AtomicLong();
    final AtomicLong aborted = new AtomicLong();

    private ReverseProxy(Builder b) {
        this.upstreams = b.upstreams;
        this.connector = b.connector;
        this.maxAttempts = b.maxAttempts;
        this.responseTimeoutMillis = b.responseTimeout.toMillis();
        this.maxBody = b.maxBody;
        this.retryBuffer = b.retryBuffer;
        upstreams.onRemoved(connector::retire);
    }

    /** A builder of a proxy to {@code upstreams} through {@code connector}. */
    public static Builder builder(Upstreams upstreams, HttpConnector connector) {
        return new Builder(upstreams, connector);
    }

    ChannelHandler newExchangeHandler(HttpService service) {
        return new ProxyConnection(this, service);
    }

    Upstreams upstreams() {
        return upstreams;
    }

    HttpConnector connector() {
        return connector;
    }

    int maxAttempts() {
        return maxAttempts;
    }

    long responseTimeoutMillis() {
        return responseTimeoutMillis;
    }

    long maxBody() {
        return maxBody;
    }

    int retryBuffer() {
        return retryBuffer;
    }

    /** Requests answered by an upstream (whatever the status). */
    public long forwarded() {
        return forwarded.get();
    }

    /** Attempts made again on another upstream. */
    public long retried() {
        return retried.get();
    }

    /** Requests answered 502: every attempt failed, or one that could not be retried. */
    public long badGateway() {
        return badGateway.get();
    }

    /** Requests answered 504: the upstream did not start its answer within {@code responseTimeout}. */
    public long gatewayTimeouts() {
        return gatewayTimeout.get();
    }

    /** Requests answered 503: no upstream to send them to. */
    public long unavailable() {
        return unavailable.get();
    }

    /** Requests answered 413: a body over {@code maxBody}. */
    public long tooLarge() {
        return tooLarge.get();
    }

    /** Answers cut off after they had started (the upstream failed mid-body), and requests the client abandoned. */
    public long aborted() {
        return aborted.get();
    }

    /** Settings of a {@link ReverseProxy}; each is checked when set, naming the field. */
    public static final class Builder {
        private final Upstreams upstreams;
        private final HttpConnector connector;
        private int maxAttempts = 3;
        private Duration responseTimeout = Duration.ofSeconds(15);
        private long maxBody = 8L * 1024 * 1024;
        private int retryBuffer = 64 * 1024;

        private Builder(Upstreams upstreams, HttpConnector connector) {
            this.upstreams = Objects.requireNonNull(upstreams, "upstreams");
            this.connector = Objects.requireNonNull(connector, "connector");
        }

        /** Upstreams tried per request at most (default 3). */
        public Builder maxAttempts(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, was " + n);
            }
            this.maxAttempts = n;
            return this;
        }

        /**
         * How long the answer's head may take once the request was sent (default 15 s; then 504). It must be
         * shorter than the connector's {@link HttpConnector#idleTimeout()} (default 30 s), which would otherwise
         * end the wait first: {@link #build()} refuses it.
         */
        public Builder responseTimeout(Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("responseTimeout must be positive, was " + d);
            }
            this.responseTimeout = d;
            return this;
        }

        /** The largest request body passed on, in bytes (default 8 MiB; larger: 413). */
        public Builder maxBody(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxBody must be zero or positive, was " + bytes);
            }
            this.maxBody = bytes;
            return this;
        }

        /** Request bodies up to this size are read whole first, so the request can be retried (default 64 KiB). */
        public Builder retryBuffer(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("retryBuffer must be zero or positive, was " + bytes);
            }
            this.retryBuffer = bytes;
            return this;
        }

        /** The proxy; serve it with {@code HttpService.builder(...).loop(connector.loop()).proxy(proxy)}. */
        public ReverseProxy build() {
            if (responseTimeout.compareTo(connector.idleTimeout()) >= 0) {
                // The connection's read timeout would fire first, and the request would fail as a broken
                // connection (retried or 502) instead of 504.
                throw new IllegalArgumentException("responseTimeout (" + responseTimeout.toMillis()
                        + " ms) must be shorter than the connector's idleTimeout (" + connector.idleTimeout().toMillis()
                        + " ms)");
            }
            return new ReverseProxy(this);
        }
    }
}
