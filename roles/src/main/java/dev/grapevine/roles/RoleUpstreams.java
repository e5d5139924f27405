package dev.grapevine.roles;

import dev.grapevine.Member;
import dev.grapevine.roles.http.Upstream;
import dev.grapevine.roles.http.Upstreams;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The members of one role as HTTP upstreams, for {@link RoleClient} and the {@code ReverseProxy}: each attempt
 * goes to the member its {@link Balancer} picks among those not yet tried for the request, at the address of the
 * member's {@code <service>.port} tag. A member a connection could not be made to is kept out of rotation on
 * this node for {@code ejectFor} (unless every member is), until it answers again or gossip takes it out of the
 * view. When a member leaves the view (left, failed, unhealthy) or its endpoint changes, the endpoint is
 * reported removed, so pooled connections to it are closed. Thread-safe.
 */
public final class RoleUpstreams implements Upstreams {

    /** Ejection entries kept before expired ones are swept. */
    private static final int PRUNE_AT = 64;

    private final RoleView view;
    private final String service;
    private final Balancer balancer;
    private final long ejectNanos;
    private final LongSupplier nanoClock;
    private final Map<String, Long> ejectedUntil = new ConcurrentHashMap<>();

    private RoleUpstreams(Builder b) {
        this.view = b.view;
        this.service = b.service;
        this.balancer = b.balancer != null ? b.balancer : new RoundRobinBalancer(b.view);
        this.ejectNanos = b.ejectFor.toNanos();
        this.nanoClock = b.nanoClock;
    }

    /** A builder of the upstreams of {@code view}. */
    public static Builder builder(RoleView view) {
        return new Builder(view);
    }

    /** The upstreams of {@code view} with the defaults: round robin, service {@code http}, 5 s ejection. */
    public static RoleUpstreams of(RoleView view) {
        return builder(view).build();
    }

    /** The view the members come from. */
    public RoleView view() {
        return view;
    }

    /** The role followed. */
    public String role() {
        return view.role();
    }

    /**
     * A member not yet tried, preferring ones not ejected. Asks the balancer at most twice the view's size, so its
     * own order (round robin, least outstanding...) decides among the candidates; members without a valid port
     * tag are passed over.
     */
    @Override
    public Optional<Upstream> pick(Set<String> tried) {
        Upstream fallback = null;
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
            Optional<InetSocketAddress> endpoint = Roles.endpoint(m.get(), service);
            if (endpoint.isEmpty()) {
                continue;
            }
            Upstream u = new Upstream(name, endpoint.get());
            if (!isEjected(name)) {
                return Optional.of(u);
            }
            if (fallback == null) {
                fallback = u;
            }
        }
        return Optional.ofNullable(fallback);
    }

    @Override
    public void unreachable(Upstream upstream) {
        if (ejectNanos > 0) {
            long now = nanoClock.getAsLong();
            if (ejectedUntil.size() >= PRUNE_AT) {
                // Members that crashed or left are never picked again: drop their expired entries here.
                ejectedUntil.values().removeIf(until -> now - until >= 0);
            }
            ejectedUntil.put(upstream.name(), now + ejectNanos);
        }
    }

    @Override
    public void answered(Upstream upstream) {
        ejectedUntil.remove(upstream.name());
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

    @Override
    public void onRemoved(Consumer<InetSocketAddress> listener) {
        Objects.requireNonNull(listener, "listener");
        // Each listener compares against its own snapshot, so every one of them hears of every removal.
        AtomicReference<Set<InetSocketAddress>> seen = new AtomicReference<>(endpointsOf(view.members()));
        view.addListener(members -> {
            Set<InetSocketAddress> now = endpointsOf(members);
            Set<InetSocketAddress> gone = new HashSet<>();
            synchronized (seen) { // the view may call from more than one thread
                for (InetSocketAddress a : seen.get()) {
                    if (!now.contains(a)) {
                        gone.add(a);
                    }
                }
                seen.set(now);
            }
            gone.forEach(listener);
        });
    }

    private Set<InetSocketAddress> endpointsOf(List<Member> members) {
        Set<InetSocketAddress> out = new HashSet<>();
        for (Member m : members) {
            Roles.endpoint(m, service).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public String toString() {
        return "RoleUpstreams[" + view.role() + "/" + service + ": " + view.members().stream().map(Member::name).toList()
                + "]";
    }

    /** Settings of {@link RoleUpstreams}; each is checked when set, naming the field. */
    public static final class Builder {
        private final RoleView view;
        private String service = Roles.HTTP;
        private Balancer balancer;
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

        /** The upstreams. */
        public RoleUpstreams build() {
            return new RoleUpstreams(this);
        }
    }
}
