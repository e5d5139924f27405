package dev.grapevine.dns;

import dev.grapevine.GossipNode;
import dev.grapevine.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * An authoritative DNS server for one domain (default {@code grapevine.}), answering from a node's live
 * membership over UDP and TCP on one port, and relaying every other name to upstream resolvers, so that a
 * process or container can use it as its only resolver.
 *
 * <pre>{@code
 * try (DnsResponder dns = DnsResponder.builder()
 *         .node(node)
 *         .bind("127.0.0.1:8600")
 *         .upstream("10.0.0.2:53")
 *         .start()) {
 *     // dig @127.0.0.1 -p 8600 app.service.grapevine
 *     // dig @127.0.0.1 -p 8600 _http._tcp.app.service.grapevine SRV
 *     // dig @127.0.0.1 -p 8600 app1.node.grapevine TXT
 * }
 * }</pre>
 *
 * <p>The names it answers are listed in the module README. Threads, all named {@code grapevine-dns-...}: one
 * UDP receiver, one TCP acceptor, one per open TCP connection (at most {@code maxTcpConnections}), and up to
 * {@code forwardThreads} relaying UDP queries upstream; {@link #close()} stops them all.
 *
 * <p>It is no open resolver: names outside the domain are forwarded only for clients in the allowed networks
 * ({@link Builder#allow(String)}; by default loopback and the networks of the node's own addresses), others get
 * REFUSED; and UDP answers are rate limited per client network ({@link Builder#rateLimit(int)}), so that a
 * spoofed source address cannot turn the responder into an amplifier.
 */
public final class DnsResponder implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DnsResponder.class);
    /** Attempts at finding a port free for both UDP and TCP when binding port 0. */
    private static final int EPHEMERAL_ATTEMPTS = 20;

    private final DnsStats stats = new DnsStats();
    private final InetSocketAddress address;
    private final Name domain;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Forwarder forwarder;
    private final MemberDirectory directory;
    private final AccessControl access;
    private final ThreadPoolExecutor forwardPool;
    private final TcpListener tcpListener;
    private final Thread udpThread;
    private final Thread tcpThread;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DnsResponder(Builder b, DatagramSocket udp, ServerSocket tcp, List<InetSocketAddress> upstreams) {
        this.domain = b.domain;
        this.udp = udp;
        this.tcp = tcp;
        this.address = (InetSocketAddress) udp.getLocalSocketAddress();
        this.directory = new MemberDirectory(b.node);
        MembershipZone zone = new MembershipZone(b.domain, b.ttl.getSeconds(), directory);
        this.forwarder = upstreams.isEmpty() ? null : new Forwarder(upstreams, (int) b.upstreamTimeout.toMillis());
        this.access = new AccessControl(b.allow != null ? b.allow : AccessControl.localDefault(ownAddresses(b.node)));
        ResponseRateLimiter limiter = b.rateLimit == 0 ? null : new ResponseRateLimiter(b.rateLimit, b.burst(),
                b.rateLimitSlip, b.rateLimitIpv4Prefix, b.rateLimitIpv6Prefix, b.rateLimitNetworks, b.clock);
        QueryHandler handler = new QueryHandler(zone, forwarder, b.maxUdpPayload, stats, access, limiter);
        String prefix = "grapevine-dns-" + address.getAddress().getHostAddress() + ":" + address.getPort();
        AtomicInteger n = new AtomicInteger();
        this.forwardPool = new ThreadPoolExecutor(b.forwardThreads, b.forwardThreads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(b.forwardQueue), r -> {
                    Thread th = new Thread(r, prefix + "-forward-" + n.incrementAndGet());
                    th.setDaemon(true);
                    return th;
                });
        this.forwardPool.allowCoreThreadTimeOut(true);
        this.tcpListener = new TcpListener(tcp, handler, stats, b.maxTcpConnections,
                (int) b.tcpIdleTimeout.toMillis(), prefix + "-tcp");
        this.udpThread = new Thread(new UdpListener(udp, handler, forwardPool, stats), prefix + "-udp");
        this.tcpThread = new Thread(tcpListener, prefix + "-tcp-accept");
        udpThread.setDaemon(true);
        tcpThread.setDaemon(true);
        udpThread.start();
        tcpThread.start();
        LOG.info("DNS responder for {} on {} (UDP and TCP){}; {}", domain, address,
                upstreams.isEmpty() ? ", other names refused"
                        : ", other names forwarded to " + upstreams + " for clients in " + access.allowed(),
                limiter == null ? "no rate limit" : "UDP answers limited to " + b.rateLimit + "/s (burst " + b.burst()
                        + ") per /" + b.rateLimitIpv4Prefix + " and /" + b.rateLimitIpv6Prefix + " client network");
    }

    /** The responder's bound address and the node's advertised one (an unresolved one left out). */
    private List<InetAddress> ownAddresses(GossipNode node) {
        List<InetAddress> own = new ArrayList<>(List.of(address.getAddress()));
        InetSocketAddress advertised = node.advertiseAddress();
        if (advertised != null && advertised.getAddress() != null) {
            own.add(advertised.getAddress());
        }
        return own;
    }

        /** A builder for a new responder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The address both listeners are bound to (with the actual port when the builder asked for port 0). */
    public InetSocketAddress address() {
        return address;
    }

    /** The domain answered from the membership, absolute and lower-case (e.g. {@code grapevine.}). */
    public String domain() {
        return domain.toString();
    }

    /**
     * The networks whose clients may have names outside the domain forwarded (given to the builder, or the
     * default: loopback and the networks of the node's own addresses). Others get REFUSED for such names.
     */
    public List<Cidr> allowed() {
        return access.allowed();
    }

    /** Query, drop and forwarding counters. */
    public DnsStats stats() {
        return stats;
    }

    /**
     * Stops listening, closes open TCP connections and upstream exchanges in progress, and waits for every
     * thread of the responder to end. The node is left running, without the responder's listener. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        directory.close();
        udp.close();
        closeQuietly(tcp);
        if (forwarder != null) {
            forwarder.close();
        }
        forwardPool.shutdownNow();
        try {
            tcpListener.closeConnections();
            udpThread.join(5000);
            tcpThread.join(5000);
            forwardPool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("DNS responder on {} stopped: {}", address, stats);
    }

    /**
     * A UDP socket and a TCP listener on the same address and port; with port 0, a port free for both.
     *
     * @throws BindException naming {@code bind} when the address cannot be bound
     */
    private static DnsResponder bindAndStart(Builder b, InetSocketAddress bind, List<InetSocketAddress> upstreams)
            throws IOException {
        for (int attempt = 1; ; attempt++) {
            DatagramSocket u;
            try {
                u = new DatagramSocket(bind);
            } catch (IOException e) {
                throw new BindException("bind: UDP " + bind + ": " + e.getMessage());
            }
            InetSocketAddress bound = (InetSocketAddress) u.getLocalSocketAddress();
            ServerSocket t = new ServerSocket();
            try {
                t.setReuseAddress(true);
                t.bind(bound, 128);
                return new DnsResponder(b, u, t, upstreams);
            } catch (IOException e) {
                u.close();
                closeQuietly(t);
                if (bind.getPort() != 0 || attempt >= EPHEMERAL_ATTEMPTS) {
                    throw new BindException("bind: TCP " + bound + ": " + e.getMessage());
                }
            }
        }
    }

    private static void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (IOException e) {
            LOG.debug("closing the TCP listener: {}", e.toString());
        }
    }

    /** Configures a {@link DnsResponder}; {@link #start()} checks every field and names the one at fault. */
    public static final class Builder {
        private GossipNode node;
        private Name domain = Name.fromConstantString("grapevine.");
        private HostPort bind = new HostPort("127.0.0.1", 8600);
        private Duration ttl = Duration.ZERO;
        private final List<HostPort> upstreams = new ArrayList<>();
        private Duration upstreamTimeout = Duration.ofSeconds(2);
        private int maxUdpPayload = 1232;
        private int maxTcpConnections = 64;
        private Duration tcpIdleTimeout = Duration.ofSeconds(10);
        private int forwardThreads = 4;
        private int forwardQueue = 256;
        private List<Cidr> allow;
        private int rateLimit = 100;
        private int rateLimitBurst;
        private int rateLimitSlip = 2;
        private int rateLimitIpv4Prefix = 24;
        private int rateLimitIpv6Prefix = 56;
        private int rateLimitNetworks = 10_000;
        private LongSupplier clock = System::nanoTime;

        private Builder() {
        }

        /** The node whose membership is served (required). The responder does not close it. */
        public Builder node(GossipNode node) {
            this.node = Objects.requireNonNull(node, "node");
            return this;
        }

        /**
         * The domain answered from the membership; default {@code grapevine.}. A trailing dot is optional;
         * the root is not allowed (every name would be local and nothing forwarded).
         *
         * @throws IllegalArgumentException naming {@code domain} when it is not a valid DNS name
         */
        public Builder domain(String domain) {
            if (domain == null || domain.isBlank()) {
                throw new IllegalArgumentException("domain must not be empty");
            }
            Name parsed;
            try {
                parsed = Name.fromString(domain, Name.root);
            } catch (TextParseException e) {
                throw new IllegalArgumentException("domain '" + domain + "' is not a DNS name: " + e.getMessage());
            }
            if (parsed.equals(Name.root)) {
                throw new IllegalArgumentException("domain must not be the root '.'");
            }
            this.domain = Name.fromConstantString(MemberDirectory.fold(parsed.toString()));
            return this;
        }

        /** Where to listen, UDP and TCP on the same port; default {@code 127.0.0.1:8600}. Port 0 picks one. */
        public Builder bind(HostPort bind) {
            this.bind = Objects.requireNonNull(bind, "bind");
            return this;
        }

        /**
         * Where to listen, as {@code host:port} (port 53 when absent).
         *
         * @throws IllegalArgumentException naming {@code bind} when the text is not an address
         */
        public Builder bind(String bind) {
            this.bind = parse("bind", bind);
            return this;
        }

        /** The TTL of every record, in whole seconds; default 0 (no caching: answers follow the membership). */
        public Builder ttl(Duration ttl) {
            this.ttl = Objects.requireNonNull(ttl, "ttl");
            return this;
        }

        /** The upstream resolvers, tried in order; none (the default) refuses names outside the domain. */
        public Builder upstreams(List<HostPort> upstreams) {
            Objects.requireNonNull(upstreams, "upstreams");
            this.upstreams.clear();
            for (HostPort h : upstreams) {
                this.upstreams.add(Objects.requireNonNull(h, "upstreams element"));
            }
            return this;
        }

        /**
         * Adds an upstream resolver, {@code host:port} (port 53 when absent).
         *
         * @throws IllegalArgumentException naming {@code upstreams} when the text is not an address
         */
        public Builder upstream(String upstream) {
            this.upstreams.add(parse("upstreams", upstream));
            return this;
        }

        /** How long to wait for one upstream before trying the next; default 2 s. */
        public Builder upstreamTimeout(Duration timeout) {
            this.upstreamTimeout = Objects.requireNonNull(timeout, "upstreamTimeout");
            return this;
        }

        /**
         * The largest UDP response, whatever an EDNS client offers; default 1232 (the size that avoids IP
         * fragmentation, DNS flag day 2020). Clients without EDNS get 512.
         */
        public Builder maxUdpPayload(int bytes) {
            this.maxUdpPayload = bytes;
            return this;
        }

        /** The most TCP connections open at once; default 64. */
        public Builder maxTcpConnections(int max) {
            this.maxTcpConnections = max;
            return this;
        }

        /** How long a TCP connection may stay idle (or take to send one frame); default 10 s. */
        public Builder tcpIdleTimeout(Duration timeout) {
            this.tcpIdleTimeout = Objects.requireNonNull(timeout, "tcpIdleTimeout");
            return this;
        }

        /** Threads relaying UDP queries upstream; default 4. */
        public Builder forwardThreads(int threads) {
            this.forwardThreads = threads;
            return this;
        }

        /** UDP queries waiting for a forwarding thread before new ones get SERVFAIL; default 256. */
        public Builder forwardQueue(int size) {
            this.forwardQueue = size;
            return this;
        }

        /**
         * Adds a network whose clients may have names outside the domain forwarded, e.g. {@code 10.0.0.0/8},
         * {@code fd00::/8}, or one address ({@code 192.0.2.7}). Clients outside every allowed network get REFUSED
         * for such names (names in the domain are answered to everyone). Without any call the default is
         * loopback (127.0.0.0/8 and ::1: every local process) and the networks of the responder's bind address
         * and the node's advertised address, as their interfaces declare them (all interfaces' networks for a
         * wildcard bind).
         *
         * @throws IllegalArgumentException naming {@code allow} and the value when it is not a network
         */
        public Builder allow(String cidr) {
            try {
                return allow(Cidr.parse(cidr));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("allow: " + e.getMessage());
            }
        }

        /** Adds a network whose clients may have names outside the domain forwarded; see {@link #allow(String)}. */
        public Builder allow(Cidr network) {
            Objects.requireNonNull(network, "allow");
            if (allow == null) {
                allow = new ArrayList<>();
            }
            allow.add(network);
            return this;
        }

        /**
         * The networks whose clients may have names outside the domain forwarded, replacing any given before; an
         * empty list forwards for no one. See {@link #allow(String)} for the default.
         */
        public Builder allow(List<Cidr> networks) {
            Objects.requireNonNull(networks, "allow");
            allow = new ArrayList<>();
            networks.forEach(this::allow);
            return this;
        }

        /**
         * UDP responses a second per client network (response-rate limiting); 0 turns the limit off. Default
         * 100. Over the limit a query gets a minimal truncated response (every {@link #rateLimitSlip(int)}-th
         * time) or nothing, so a real client retries over TCP, which is never limited.
         */
        public Builder rateLimit(int responsesPerSecond) {
            this.rateLimit = responsesPerSecond;
            return this;
        }

        /**
         * The most UDP responses a client network gets at once after an idle spell; default (or 0): one second's
         * worth, the rate limit.
         */
        public Builder rateLimitBurst(int responses) {
            this.rateLimitBurst = responses;
            return this;
        }

        /**
         * Over the rate limit, every {@code k}-th query gets a truncated response (TC, no records) and the others
         * none; 1: all get one, 0: none. Default 2, as BIND's RRL.
         */
        public Builder rateLimitSlip(int k) {
            this.rateLimitSlip = k;
            return this;
        }

        /** The prefix lengths that group client addresses into one rate-limited network; default /24 and /56. */
        public Builder rateLimitPrefixes(int ipv4, int ipv6) {
            this.rateLimitIpv4Prefix = ipv4;
            this.rateLimitIpv6Prefix = ipv6;
            return this;
        }

        /**
         * The most client networks whose rate the responder tracks at once (memory: about 100 bytes each);
         * default 10,000. Past it, networks not tracked share one bucket until a tracked one goes idle.
         */
        public Builder rateLimitNetworks(int max) {
            this.rateLimitNetworks = max;
            return this;
        }

        /** The monotonic clock (nanoseconds) of the rate limiter; for tests. */
        Builder clock(LongSupplier nanoTime) {
            this.clock = Objects.requireNonNull(nanoTime, "clock");
            return this;
        }

        private int burst() {
            return rateLimitBurst == 0 ? rateLimit : rateLimitBurst;
        }

        /**
         * Checks the configuration, binds UDP and TCP, and starts answering.
         *
         * @throws IllegalArgumentException naming the field at fault
         * @throws IOException              when the address cannot be bound
         */
        public DnsResponder start() throws IOException {
            if (node == null) {
                throw new IllegalArgumentException("node is required");
            }
            if (ttl.isNegative() || ttl.getSeconds() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("ttl must be 0 to " + Integer.MAX_VALUE + " s, was " + ttl);
            }
            positive("upstreamTimeout", upstreamTimeout);
            positive("tcpIdleTimeout", tcpIdleTimeout);
            range("maxUdpPayload", maxUdpPayload, QueryHandler.CLASSIC_UDP_PAYLOAD, QueryHandler.TCP_PAYLOAD);
            range("maxTcpConnections", maxTcpConnections, 1, 65535);
            range("forwardThreads", forwardThreads, 1, 1024);
            range("forwardQueue", forwardQueue, 1, 1 << 20);
            range("rateLimit", rateLimit, 0, 1_000_000);
            if (rateLimitBurst != 0) {
                range("rateLimitBurst", rateLimitBurst, 1, 1_000_000);
            }
            range("rateLimitSlip", rateLimitSlip, 0, 10);
            range("rateLimitPrefixes", rateLimitIpv4Prefix, 0, 32);
            range("rateLimitPrefixes", rateLimitIpv6Prefix, 0, 128);
            range("rateLimitNetworks", rateLimitNetworks, 1, 10_000_000);
            InetSocketAddress bindAddress = resolve("bind", bind);
            List<InetSocketAddress> resolved = new ArrayList<>();
            for (HostPort h : upstreams) {
                InetSocketAddress a = resolve("upstreams", h);
                if (a.getPort() == 0) {
                    throw new IllegalArgumentException("upstreams: " + h + " has port 0");
                }
                resolved.add(a);
            }
            return bindAndStart(this, bindAddress, resolved);
        }

        private static HostPort parse(String field, String text) {
            try {
                return HostPort.parse(text, 53);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(field + ": " + e.getMessage());
            }
        }

        private static InetSocketAddress resolve(String field, HostPort h) {
            try {
                return new InetSocketAddress(InetAddress.getByName(h.host()), h.port());
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(field + ": cannot resolve '" + h.host() + "'");
            }
        }

        private static void positive(String field, Duration d) {
            if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
                throw new IllegalArgumentException(field + " must be positive and under 24 days, was " + d);
            }
        }

        private static void range(String field, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(field + " must be " + min + " to " + max + ", was " + value);
            }
        }
    }
}
