package dev.grapevine.roles;

import dev.grapevine.Member;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Calls the members of one role over HTTP, picking each target with a {@link Balancer} and retrying on
 * another member when one fails, so that a member that stops or crashes between two membership updates
 * costs the caller a retry, not an error.
 *
 * <p>When a call fails:
 * <ul>
 *   <li>a connection that could not be made (refused, connect timeout) is always retried elsewhere: the
 *       request never left this process;</li>
 *   <li>any other I/O failure, and a 502, 503 or 504 answer, is retried elsewhere only for idempotent
 *       methods (GET, HEAD, PUT, DELETE, OPTIONS, TRACE), since the first member may have acted on it;</li>
 *   <li>a member whose connection failed is kept out of rotation on this node for {@code ejectFor}
 *       (unless every member is), until gossip declares it failed or it answers again.</li>
 * </ul>
 * Each attempt goes to a member not yet tried for this request, up to {@code maxAttempts}.
 * Thread-safe.
 */
public final class RoleClient {

    /** Ejection entries kept before expired ones are swept. */
    private static final int PRUNE_AT = 64;
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE");

    private final RoleView view;
    private final String service;
    private final Balancer balancer;
    private final HttpClient http;
    private final int maxAttempts;
    private final Duration requestTimeout;
    private final long ejectNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Long> ejectedUntil = new ConcurrentHashMap<>();

    private RoleClient(Builder b) {
        this.view = b.view;
        this.service = b.service;
        this.balancer = b.balancer != null ? b.balancer : new RoundRobinBalancer(b.view);
        this.http = b.http != null ? b.http
                : HttpClient.newBuilder().connectTimeout(b.connectTimeout).version(HttpClient.Version.HTTP_1_1).build();
        this.maxAttempts = b.maxAttempts;
        this.requestTimeout = b.requestTimeout;
        this.ejectNanos = b.ejectFor.toNanos();
        this.nanoClock = b.nanoClock;
    }

    /** A builder for a client of the members in {@code view}. */
    public static Builder builder(RoleView view) {
        return new Builder(view);
    }

    /** The role this client calls. */
    public String role() {
        return view.role();
    }

    /**
     * Sends {@code method pathAndQuery} to a member of the role, retrying elsewhere as described above.
     *
     * @param method       the HTTP method, upper case
     * @param pathAndQuery the path and query, starting with {@code /}
     * @param headers      request headers to pass on (headers the HTTP client manages itself, such as
     *                     {@code Host} and {@code Content-Length}, must not be included)
     * @param body         the request body, empty for none
     * @param handler      how to read the response body
     * @return the answer and the member that gave it
     * @throws NoMemberException when the role has no member to call, or every attempt failed
     *                           (the last failure is the cause)
     * @throws InterruptedException when interrupted while waiting
     */
    public <T> Reply<T> send(String method, String pathAndQuery, Map<String, ? extends Iterable<String>> headers,
                             byte[] body, HttpResponse.BodyHandler<T> handler)
            throws NoMemberException, InterruptedException {
        Objects.requireNonNull(method, "method");
        if (!pathAndQuery.startsWith("/")) {
            throw new IllegalArgumentException("pathAndQuery must start with '/': " + pathAndQuery);
        }
        boolean idempotent = IDEMPOTENT.contains(method);
        Set<String> tried = new HashSet<>();
        Exception last = null;
        HttpResponse<T> lastAnswer = null;
        Member lastMember = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            Optional<Member> target = pickUntried(tried);
            if (target.isEmpty()) {
                break;
            }
            Member m = target.get();
            tried.add(m.name());
            Optional<InetSocketAddress> endpoint = Roles.endpoint(m, service);
            if (endpoint.isEmpty()) {
                last = new IOException(m.name() + " has no valid " + Roles.portTag(service) + " tag");
                continue;
            }
            HttpRequest.Builder rb = HttpRequest.newBuilder(uri(endpoint.get(), pathAndQuery))
                    .timeout(requestTimeout)
                    .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach((name, values) -> values.forEach(v -> rb.header(name, v)));
            try {
                HttpResponse<T> answer = http.send(rb.build(), handler);
                ejectedUntil.remove(m.name());
                int code = answer.statusCode();
                if (idempotent && (code == 502 || code == 503 || code == 504) && attempt < maxAttempts) {
                    discard(lastAnswer);
                    lastAnswer = answer;
                    lastMember = m;
                    continue;
                }
                discard(lastAnswer);
                return new Reply<>(m, answer, attempt);
            } catch (ConnectException | HttpConnectTimeoutException e) {
                eject(m);
                last = e;
            } catch (IOException e) {
                last = e;
                if (!idempotent) {
                    throw new NoMemberException(method + " " + pathAndQuery + " to " + m.name()
                            + " failed and is not idempotent, so it is not retried: " + e, e);
                }
            }
        }
        if (lastAnswer != null) {
            return new Reply<>(lastMember, lastAnswer, tried.size());
        }
        if (tried.isEmpty()) {
            throw new NoMemberException("no healthy member of role '" + view.role() + "' to call", null);
        }
        throw new NoMemberException(method + " " + pathAndQuery + " failed on " + tried + ": " + last, last);
    }

    /** Sends a GET with no headers and reads the body as a string. */
    public Reply<String> get(String pathAndQuery) throws NoMemberException, InterruptedException {
        return send("GET", pathAndQuery, Map.of(), new byte[0], HttpResponse.BodyHandlers.ofString());
    }

    /** True while {@code member} is kept out of rotation on this node after a failed connection. */
    public boolean isEjected(String member) {
        Long until = ejectedUntil.get(member);
        if (until == null) {
            return false;
        }
        if (nanoClock.getAsLong() - until >= 0) {
            ejectedUntil.remove(member, until);
            return false;
        }
        return true;
    }

    private void eject(Member m) {
        if (ejectNanos > 0) {
            long now = nanoClock.getAsLong();
            if (ejectedUntil.size() >= PRUNE_AT) {
                // Members that crashed or left are never picked again: drop their expired entries here.
                ejectedUntil.values().removeIf(until -> now - until >= 0);
            }
            ejectedUntil.put(m.name(), now + ejectNanos);
        }
    }

    /** Releases a streamed body that will not be read (a retried 5xx answer). */
    private static void discard(HttpResponse<?> answer) {
        if (answer != null && answer.body() instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // nothing more to release
            }
        }
    }

    /**
     * A member not yet tried, preferring ones not ejected. Asks the balancer at most twice the view's size,
     * so its own order (round robin, least outstanding...) decides among the candidates.
     */
    private Optional<Member> pickUntried(Set<String> tried) {
        Member fallback = null;
        int rounds = Math.max(1, 2 * view.size());
        for (int i = 0; i < rounds; i++) {
            Optional<Member> m = balancer.pick();
            if (m.isEmpty()) {
                return Optional.empty();
            }
            String name = m.get().name();
            if (tried.contains(name)) {
                continue;
            }
            if (!isEjected(name)) {
                return m;
            }
            if (fallback == null) {
                fallback = m.get();
            }
        }
        return Optional.ofNullable(fallback);
    }

    private static URI uri(InetSocketAddress endpoint, String pathAndQuery) {
        String host = endpoint.getHostString();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + endpoint.getPort() + pathAndQuery);
    }

    /**
     * An answer from a member.
     *
     * @param member   the member that answered
     * @param response the HTTP response
     * @param attempts how many members were tried, this one included
     */
    public record Reply<T>(Member member, HttpResponse<T> response, int attempts) {
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
        private final RoleView view;
        private String service = Roles.HTTP;
        private Balancer balancer;
        private HttpClient http;
        private int maxAttempts = 3;
        private Duration connectTimeout = Duration.ofSeconds(1);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration ejectFor = Duration.ofSeconds(5);
        private LongSupplier nanoClock = System::nanoTime;

        private Builder(RoleView view) {
            this.view = Objects.requireNonNull(view, "view");
        }

        /** The service whose {@code <service>.port} tag gives the port to call (default {@code http}). */
        public Builder service(String service) {
            if (service == null || service.isBlank()) {
                throw new IllegalArgumentException("service must not be blank");
            }
            this.service = service;
            return this;
        }

        /** How members are chosen (default round robin over the view). */
        public Builder balancer(Balancer balancer) {
            this.balancer = Objects.requireNonNull(balancer, "balancer");
            return this;
        }

        /** The HTTP client to use (default: HTTP/1.1, the connect timeout below). */
        public Builder httpClient(HttpClient http) {
            this.http = Objects.requireNonNull(http, "httpClient");
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

        /** Connect timeout of the default HTTP client (default 1 s). */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive("connectTimeout", connectTimeout);
            return this;
        }

        /** Timeout of one attempt, answer included (default 10 s). */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = positive("requestTimeout", requestTimeout);
            return this;
        }

        /** How long a member that refused a connection stays out of rotation here (default 5 s; zero: never). */
        public Builder ejectFor(Duration ejectFor) {
            if (ejectFor == null || ejectFor.isNegative()) {
                throw new IllegalArgumentException("ejectFor must be zero or positive, was " + ejectFor);
            }
            this.ejectFor = ejectFor;
            return this;
        }

        /** The clock for ejections (tests). */
        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /** The client. */
        public RoleClient build() {
            return new RoleClient(this);
        }

        private static Duration positive(String field, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(field + " must be positive, was " + d);
            }
            return d;
        }
    }
}
