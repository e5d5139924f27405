package dev.grapevine.roles;

import dev.grapevine.roles.http.HttpConnector;
import dev.grapevine.roles.http.HttpLoop;
import dev.grapevine.roles.http.HttpReply;
import dev.grapevine.roles.http.Upstream;
import dev.grapevine.roles.http.UpstreamException;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Calls the members of one role over HTTP through a pooled {@link HttpConnector} (keep-alive connections per
 * member, closed when the member leaves the role's view), picking each target through {@link RoleUpstreams}
 * and retrying on another member when one fails, so that a member that stops or crashes between two membership
 * updates costs the caller a retry, not an error.
 *
 * <p>When a call fails:
 * <ul>
 *   <li>a connection that could not be made (refused, connect timeout, pool full) is always retried elsewhere:
 *       the request never left this process; the member is ejected for a while;</li>
 *   <li>any other failure, and a 502, 503 or 504 answer, is retried elsewhere only for idempotent methods (GET,
 *       HEAD, PUT, DELETE, OPTIONS, TRACE), since the first member may have acted on it.</li>
 * </ul>
 * Each attempt goes to a member not yet tried for this request, up to {@code maxAttempts}.
 *
 * <p>{@link #sendAsync} never blocks: on an event loop (a handler of an {@code HttpService} on the same
 * {@link HttpLoop}) the whole call runs on that loop. {@link #send} waits, and must not be called on a loop.
 * Thread-safe.
 */
public final class RoleClient {

    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE");

    private final RoleUpstreams upstreams;
    private final HttpConnector connector;
    private final int maxAttempts;
    private final Duration requestTimeout;

    private RoleClient(Builder b, HttpConnector connector) {
        this.upstreams = b.upstreams != null ? b.upstreams : b.upstreamsBuilder.build();
        this.connector = connector;
        this.maxAttempts = b.maxAttempts;
        this.requestTimeout = b.requestTimeout;
        upstreams.onRemoved(connector::retire);
    }

    /** A builder for a client of the members in {@code view}. */
    public static Builder builder(RoleView view) {
        return new Builder(view);
    }

    /** The role this client calls. */
    public String role() {
        return upstreams.role();
    }

    /** The members it picks from, with their ejections. */
    public RoleUpstreams upstreams() {
        return upstreams;
    }

    /** The pooled HTTP client it calls through. */
    public HttpConnector connector() {
        return connector;
    }

    /**
     * Sends {@code method pathAndQuery} to a member of the role, retrying elsewhere as described above.
     *
     * @param method       the HTTP method, upper case
     * @param pathAndQuery the path and query, starting with {@code /}
     * @param headers      request headers to pass on ({@code Host} defaults to the member, {@code Content-Length}
     *                     is set by the client)
     * @param body         the request body, empty for none
     * @return the answer and the member that gave it; or, failed, a {@link NoMemberException} when the role has
     *         no member to call or every attempt failed (the last failure is its cause)
     */
    public CompletableFuture<Reply> sendAsync(String method, String pathAndQuery,
                                              Map<String, ? extends Iterable<String>> headers, byte[] body) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        if (!pathAndQuery.startsWith("/")) {
            throw new IllegalArgumentException("pathAndQuery must start with '/': " + pathAndQuery);
        }
        Attempts a = new Attempts(method, pathAndQuery, headers, body);
        a.next();
        return a.result;
    }

    /** {@link #sendAsync} of a GET with no headers. */
    public CompletableFuture<Reply> getAsync(String pathAndQuery) {
        return sendAsync("GET", pathAndQuery, Map.of(), new byte[0]);
    }

    /**
     * As {@link #sendAsync}, waiting for the answer.
     *
     * @throws NoMemberException    when the role has no member to call, or every attempt failed
     * @throws InterruptedException when interrupted while waiting
     * @throws IllegalStateException when called on an event loop of the client's {@link HttpLoop}
     */
    public Reply send(String method, String pathAndQuery, Map<String, ? extends Iterable<String>> headers,
                      byte[] body) throws NoMemberException, InterruptedException {
        if (connector.loop().inLoop()) {
            throw new IllegalStateException("RoleClient.send blocks: on an HTTP loop, use sendAsync");
        }
        try {
            return sendAsync(method, pathAndQuery, headers, body).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NoMemberException n) {
                throw n;
            }
            throw new NoMemberException(method + " " + pathAndQuery + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** {@link #send} of a GET with no headers. */
    public Reply get(String pathAndQuery) throws NoMemberException, InterruptedException {
        return send("GET", pathAndQuery, Map.of(), new byte[0]);
    }

    /** True while {@code member} is kept out of rotation on this node after a failed connection. */
    public boolean isEjected(String member) {
        return upstreams.isEjected(member);
    }

    /** The attempts of one call. */
    private final class Attempts {
        final CompletableFuture<Reply> result = new CompletableFuture<>();
        private final String method;
        private final String target;
        private final Map<String, ? extends Iterable<String>> headers;
        private final byte[] body;
        private final boolean idempotent;
        private final Set<String> tried = new HashSet<>();
        private Throwable last;
        private Reply lastAnswer;

        Attempts(String method, String target, Map<String, ? extends Iterable<String>> headers, byte[] body) {
            this.method = method;
            this.target = target;
            this.headers = headers;
            this.body = body;
            this.idempotent = IDEMPOTENT.contains(method);
        }

        void next() {
            Optional<Upstream> pick = tried.size() < maxAttempts ? upstreams.pick(tried) : Optional.empty();
            if (pick.isEmpty()) {
                if (lastAnswer != null) {
                    result.complete(lastAnswer);
                } else if (tried.isEmpty()) {
                    result.completeExceptionally(new NoMemberException("no healthy member of role '" + role()
                            + "' to call", null));
                } else {
                    result.completeExceptionally(new NoMemberException(method + " " + target + " failed on " + tried
                            + ": " + last, last));
                }
                return;
            }
            Upstream u = pick.get();
            tried.add(u.name());
            int attempt = tried.size();
            connector.call(u.endpoint(), method, target, headers, body, requestTimeout).whenComplete((reply, err) -> {
                if (err != null) {
                    Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                    last = cause;
                    boolean nothingSent = cause instanceof UpstreamException ue && ue.nothingSent();
                    if (nothingSent) {
                        upstreams.unreachable(u);
                    } else if (!idempotent) {
                        result.completeExceptionally(new NoMemberException(method + " " + target + " to " + u.name()
                                + " failed and is not idempotent, so it is not retried: " + cause, cause));
                        return;
                    }
                    next();
                    return;
                }
                upstreams.answered(u);
                Reply r = new Reply(u.name(), reply, attempt);
                int code = reply.status();
                if (idempotent && (code == 502 || code == 503 || code == 504) && attempt < maxAttempts) {
                    lastAnswer = r;
                    next();
                    return;
                }
                result.complete(r);
            });
        }
    }

    /**
     * An answer from a member.
     *
     * @param member   the name of the member that answered
     * @param response the whole answer
     * @param attempts how many members were tried, this one included
     */
    public record Reply(String member, HttpReply response, int attempts) {

        /** The answer's status code. */
        public int status() {
            return response.status();
        }

        /** The answer's body as UTF-8 text. */
        public String body() {
            return response.bodyText();
        }
    }

    /** No member of the role could serve the request. */
    public static final class NoMemberException extends Exception {
        private static final long serialVersionUID = 1L;

        NoMemberException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Settings of a {@link RoleClient}; each is checked when set, naming the field. */
    public static final class Builder {
        private final RoleUpstreams.Builder upstreamsBuilder;
        private RoleUpstreams upstreams;
        private HttpConnector connector;
        private HttpLoop loop;
        private int maxAttempts = 3;
        private Duration connectTimeout = Duration.ofSeconds(1);
        private Duration requestTimeout = Duration.ofSeconds(10);

        private Builder(RoleView view) {
            this.upstreamsBuilder = RoleUpstreams.builder(view);
        }

        /** The service whose {@code <service>.port} tag gives the port to call (default {@code http}). */
        public Builder service(String service) {
            upstreamsBuilder.service(service);
            return this;
        }

        /** How members are chosen (default round robin over the view). */
        public Builder balancer(Balancer balancer) {
            upstreamsBuilder.balancer(balancer);
            return this;
        }

        /** How long a member that refused a connection stays out of rotation here (default 5 s; zero: never). */
        public Builder ejectFor(Duration ejectFor) {
            upstreamsBuilder.ejectFor(ejectFor);
            return this;
        }

        /** The clock for ejections (tests). */
        public Builder nanoClock(java.util.function.LongSupplier nanoClock) {
            upstreamsBuilder.nanoClock(nanoClock);
            return this;
        }

        /** Upstreams already built (instead of the settings above), shared with a proxy for example. */
        public Builder upstreams(RoleUpstreams upstreams) {
            this.upstreams = Objects.requireNonNull(upstreams, "upstreams");
            return this;
        }

        /** The pooled client to call through, shared with other callers of the process. */
        public Builder connector(HttpConnector connector) {
            this.connector = Objects.requireNonNull(connector, "connector");
            return this;
        }

        /** Without a {@link #connector}, the loop a connector of this client's own runs on. */
        public Builder loop(HttpLoop loop) {
            this.loop = Objects.requireNonNull(loop, "loop");
            return this;
        }

        /** Members tried per request at most (default 3). */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Connect timeout of a connector made from {@link #loop} (default 1 s). */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive("connectTimeout", connectTimeout);
            return this;
        }

        /** Timeout of one attempt, connecting and the whole answer included (default 10 s). */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = positive("requestTimeout", requestTimeout);
            return this;
        }

        /**
         * The client.
         *
         * @throws IllegalArgumentException when neither a connector nor a loop was given
         */
        public RoleClient build() {
            if (connector == null && loop == null) {
                throw new IllegalArgumentException("connector: give a connector (or a loop to make one on)");
            }
            HttpConnector c = connector != null ? connector
                    : HttpConnector.builder(loop).connectTimeout(connectTimeout).build();
            return new RoleClient(this, c);
        }

        private static Duration positive(String field, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(field + " must be positive, was " + d);
            }
            return d;
        }
    }
}
