package dev.grapevine;

import dev.grapevine.events.EventLayer;
import dev.grapevine.membership.MembershipEngine;
import dev.grapevine.payload.PayloadCodec;
import dev.grapevine.time.Scheduler;
import dev.grapevine.transport.NetworkRuntime;
import dev.grapevine.transport.TransportOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A member of a Grapevine cluster: the entry point of the library.
 *
 * <pre>{@code
 * try (GossipNode node = GossipNode.builder()
 *         .name("app1").bind("10.0.0.5:7946")
 *         .tag("role", "app")
 *         .listener(event -> log.info("{}", event))
 *         .start()) {
 *     node.join("10.0.0.2:7946").get();
 *     node.members();               // immutable snapshot
 *     node.leave().get();           // others see "left", not "failed"
 * }
 * }</pre>
 *
 * <p>All protocol work happens on the protocol thread of the node's {@link GossipRuntime}; every method
 * here is safe from any thread. Methods that wait on the network return a {@link CompletableFuture}, which
 * completes on the runtime's listener thread (never the protocol thread). Listeners run there too, in
 * order, so a slow listener never delays probes; but a listener must not block on one of these futures,
 * since the thread that would complete it is the one it blocks. Calls on a closed node fail at once.
 */
public final class GossipNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GossipNode.class);
    /** How many times a keyring change is asked of members that stay silent. */
    private static final int KEY_QUERY_ATTEMPTS = 3;
    /** Serf's and memberlist's port, used when an address names none. */
    public static final int DEFAULT_PORT = 7946;
    /** A snapshot file is rewritten from the current state when it grows past this. */
    private static final long SNAPSHOT_COMPACT_BYTES = 128 * 1024;
    /** How often snapshot records reach the disk. */
    private static final Duration SNAPSHOT_FLUSH = Duration.ofMillis(500);

    private final String name;
    private final GossipConfig config;
    private final GossipRuntime runtime;
    private final boolean ownsRuntime;
    private final GossipRuntime.Binding binding;
    private final Scheduler scheduler;
    private final MembershipEngine engine;
    private final EventLayer events;
    private final Random random;
    private final Stats stats;
    private final List<ClusterListener> listeners;
    /** Listeners added with replay, by the listener given (so that {@link #removeListener} finds them). */
    private final Map<ClusterListener, Replayed> replayed = new ConcurrentHashMap<>();
    private final InetSocketAddress advertise;
    private final HostResolver resolver;
    /** Encryption of all traffic, or null when the node runs in plaintext. */
    private final dev.grapevine.security.SecureTransport secure;
    /** Where key changes are persisted, or null. */
    private final java.nio.file.Path keyringFile;
    /** The snapshot file, or null; written on the listener thread (file I/O stays off the protocol thread). */
    private final dev.grapevine.snapshot.Snapshotter snapshot;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private GossipNode(Builder b, GossipRuntime runtime, boolean ownsRuntime) throws IOException {
        this.name = b.name;
        this.config = b.config;
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.stats = new Stats(b.name);
        this.listeners = new CopyOnWriteArrayList<>(b.listeners);
        this.resolver = b.resolver;
        this.snapshot = b.snapshotPath == null ? null
                : dev.grapevine.snapshot.Snapshotter.open(b.snapshotPath, SNAPSHOT_COMPACT_BYTES);
        TransportOptions options = new TransportOptions(config.maxStateBytes(), config.streamTimeout(),
                config.maxInboundStreams(), 65536);
        try {
            this.binding = runtime.bind(b.bind, options, stats);
        } catch (IOException | RuntimeException e) {
            if (snapshot != null) {
                snapshot.close();
            }
            throw e;
        }
        this.scheduler = binding.scheduler();
        this.keyringFile = b.keyringFile;
        dev.grapevine.transport.Transport transport = binding.transport();
        if (b.keyring != null) {
            this.secure = new dev.grapevine.security.SecureTransport(transport,
                    new dev.grapevine.security.Encryptor(b.keyring, b.cluster), stats, b.encryptOutgoing,
                    b.requireIncoming);
            transport = secure;
        } else {
            this.secure = null;
        }
        InetSocketAddress bound = binding.transport().boundAddress();
        this.advertise = b.advertise != null
                ? (b.advertise.getPort() == 0 ? new InetSocketAddress(b.advertise.getAddress(), bound.getPort())
                        : b.advertise)
                : bound;
        if (binding.transport() instanceof dev.grapevine.transport.NioTransport nio && nio.streamSource() == null
                && advertise.getAddress() != null && isLocalAddress(advertise.getAddress())) {
            // Bound to a wildcard: streams leave from the advertised address, which peers know this node by.
            nio.streamSource(advertise.getAddress());
        }
        Executor listenerExecutor = runtime.listenerExecutor();
        this.random = b.random != null ? b.random : new Random();
        EventLayer[] layer = new EventLayer[1];
        this.engine = new MembershipEngine(name, advertise, b.tags, config, scheduler, transport,
                random, stats, event -> layer[0].onMemberEvent(event), runtime.interner());
        this.events = new EventLayer(name, config, scheduler, engine, stats, random, b.replayEventsOnJoin,
                event -> listenerExecutor.execute(() -> dispatch(event)), listenerExecutor);
        layer[0] = events;
        engine.setDelegate(events);
        events.keyHandler(this::answerKeyQuery);
        events.onConflictLost(() -> {
            // close() waits for the protocol thread, and may stop the runtime: not from its own threads.
            Thread t = new Thread(this::close, "grapevine-" + name + "-conflict-stop");
            t.setDaemon(true);
            t.start();
        });
    }

    /** A builder for a new node. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------------

    /** This node's name. */
    public String name() {
        return name;
    }

    /** The address other members reach this node at. */
    public InetSocketAddress advertiseAddress() {
        return advertise;
    }

    /** The configuration in force. */
    public GossipConfig config() {
        return config;
    }

    /** An immutable snapshot of every known member (self included), whatever its status. */
    public List<Member> members() {
        return engine.members();
    }

    /** Members currently alive or suspect (self included). */
    public List<Member> liveMembers() {
        return engine.members().stream().filter(Member::isUp).toList();
    }

    /** One member by name, as this node sees it. */
    public Optional<Member> member(String memberName) {
        return Optional.ofNullable(engine.member(memberName));
    }

    /** This node as the cluster sees it. */
    public Member localMember() {
        return engine.member(name);
    }

    /**
     * Lifeguard's local health score: 0 when this node's own probes and acks flow normally, higher when it
     * misses acks it should have had (then it slows its probing rather than accuse others).
     */
    public int healthScore() {
        return engine.healthScore();
    }

    /**
     * Traffic, drop and protocol counters (probes, acks, suspicions, push-pulls, events, queries...) and the
     * broadcast queue depth; readable from any thread.
     */
    public Stats stats() {
        return stats;
    }

    /**
     * The node's three Lamport clocks as they are now, read on the protocol thread (for operators' tools, like
     * {@code serf info}'s member_time, event_time and query_time).
     */
    public CompletableFuture<Clocks> clocks() {
        if (closed.get()) {
            return closedFuture();
        }
        return callOnProtocolThread(() -> new Clocks(events.memberTime(), events.eventTime(), events.queryTime()));
    }

    /** True when this host can bind {@code a} (an address of one of its interfaces, or any of 127/8 on Linux). */
    private static boolean isLocalAddress(java.net.InetAddress a) {
        if (a.isAnyLocalAddress()) {
            return false;
        }
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(new InetSocketAddress(a, 0))) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** True when the node was started with a keyring (its traffic is sealed with AES-GCM). */
    public boolean isEncrypted() {
        return secure != null;
    }

    /**
     * The times of the node's Lamport clocks.
     *
     * @param memberTime the member clock (join and leave intents)
     * @param eventTime  the user-event clock
     * @param queryTime  the query clock
     */
    public record Clocks(long memberTime, long eventTime, long queryTime) {
    }

    /** True once the node was closed (by {@link #close()}, or after losing a name conflict). */
    public boolean isClosed() {
        return closed.get();
    }

    /** Adds a listener; it receives events from now on (see {@link #addListener(ClusterListener, boolean)}). */
    public void addListener(ClusterListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Adds a listener that, with {@code replay}, first receives a {@link ClusterEvent.MemberJoined} for every
     * member up now (alive or suspect): this node first, then the others in the order this node learnt of them,
     * as a listener given to the builder would have seen them join. Then it receives every event after those,
     * none missed and none repeated in between: the members are read on the protocol thread and handed to the
     * listener thread in line with the events, so a change is either in the replay or among the events that
     * follow it. A member already failed or left is not replayed. Events after the replay that only repeat a
     * replayed join (member events held back by coalescing) are dropped.
     *
     * <p>The replay runs on the listener thread soon after this returns; events dispatched before it do not
     * reach the listener. Without {@code replay} this is {@link #addListener(ClusterListener)}.
     *
     * @param listener the listener
     * @param replay   true: the current members first, as joins
     */
    public void addListener(ClusterListener listener, boolean replay) {
        Objects.requireNonNull(listener, "listener");
        if (!replay) {
            listeners.add(listener);
            return;
        }
        Executor listenersThread = runtime.listenerExecutor();
        onProtocolThread(() -> {
            List<Member> now = engine.membersInOrder();
            listenersThread.execute(() -> {
                Replayed r = new Replayed(listener);
                for (Member m : now) {
                    if (m.isUp()) {
                        r.replay(new ClusterEvent.MemberJoined(m));
                    }
                }
                replayed.put(listener, r);
                listeners.add(r);
            });
        });
    }

    /**
     * Removes a listener added by {@link #addListener} or the builder: events dispatched after this returns do
     * not reach it (one whose dispatch already began on the listener thread may still do so).
     *
     * @return true when the listener was registered
     */
    public boolean removeListener(ClusterListener listener) {
        Replayed r = replayed.remove(listener);
        return listeners.remove(r != null ? r : listener);
    }

    /** A listener added with replay: the joins replayed to it, so that a held-back repeat of one is dropped. */
    private final class Replayed implements ClusterListener {
        private final ClusterListener delegate;
        /** Members replayed and not yet heard of since (listener thread only). */
        private final Map<String, Member> pending = new HashMap<>();

        Replayed(ClusterListener delegate) {
            this.delegate = delegate;
        }

        void replay(ClusterEvent.MemberJoined joined) {
            pending.put(joined.member().name(), joined.member());
            deliver(joined);
        }

        @Override
        public void onEvent(ClusterEvent event) {
            if (!pending.isEmpty() && event instanceof ClusterEvent.MemberEvent m) {
                Member was = pending.remove(m.member().name());
                if (was != null && event instanceof ClusterEvent.MemberJoined && was.equals(m.member())) {
                    return; // the replay told it already
                }
            }
            delegate.onEvent(event);
        }

        private void deliver(ClusterEvent event) {
            try {
                delegate.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("{}: listener failed on {}", name, event, e);
            }
        }
    }

    /**
     * Joins the cluster through any of {@code addresses}: {@code host:port}, {@code [v6]:port}, or a hostname,
     * which joins every address it resolves to. A missing port means {@value #DEFAULT_PORT}.
     *
     * @return completes with the number of addresses joined, or fails with {@link JoinException} saying why
     *         each failed when none could be joined
     */
    public CompletableFuture<Integer> join(String... addresses) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        if (closed.get()) {
            return closedFuture();
        }
        // Name resolution can block: keep it off the protocol thread.
        runtime.listenerExecutor().execute(() -> {
            Map<InetSocketAddress, Throwable> failures = new LinkedHashMap<>();
            List<InetSocketAddress> resolved = new ArrayList<>();
            for (String a : addresses) {
                try {
                    resolved.addAll(resolve(resolver, a));
                } catch (UnknownHostException | IllegalArgumentException e) {
                    failures.put(InetSocketAddress.createUnresolved(a, 0), e);
                }
            }
            joinResolved(resolved, failures).whenComplete((n, e) -> {
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(n);
                }
            });
        });
        return result;
    }

    /** Joins through the given resolved addresses; see {@link #join(String...)}. */
    public CompletableFuture<Integer> join(Collection<InetSocketAddress> addresses) {
        return joinResolved(new ArrayList<>(addresses), new LinkedHashMap<>());
    }

    private CompletableFuture<Integer> joinResolved(List<InetSocketAddress> targets,
                                                    Map<InetSocketAddress, Throwable> failures) {
        return joinResolved(targets, failures, true);
    }

    private CompletableFuture<Integer> joinResolved(List<InetSocketAddress> targets,
                                                    Map<InetSocketAddress, Throwable> failures,
                                                    boolean skipPastEvents) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        if (closed.get()) {
            return closedFuture();
        }
        if (targets.isEmpty()) {
            result.completeExceptionally(new JoinException("no address to join", failures));
            return result;
        }
        AtomicInteger pending = new AtomicInteger(targets.size());
        AtomicInteger joined = new AtomicInteger();
        Map<InetSocketAddress, Throwable> errors = java.util.Collections.synchronizedMap(failures);
        onProtocolThread(() -> {
            for (InetSocketAddress t : targets) {
                engine.pushPull(t, true, skipPastEvents).whenComplete((v, e) -> {
                    if (e == null) {
                        if (joined.incrementAndGet() == 1) {
                            events.announceJoin();
                        }
                    } else {
                        errors.put(t, e);
                    }
                    if (pending.decrementAndGet() == 0) {
                        // Complete off the protocol thread: callers' callbacks must not stall probing.
                        runtime.listenerExecutor().execute(() -> {
                            if (joined.get() > 0) {
                                result.complete(joined.get());
                            } else {
                                result.completeExceptionally(new JoinException("could not join any of "
                                        + targets, errors));
                            }
                        });
                    }
                });
            }
        });
        return result;
    }

    /**
     * Replaces this node's tags; the change reaches every member by gossip.
     *
     * @throws IllegalArgumentException at once when the tags exceed {@code maxTagsBytes}
     */
    public CompletableFuture<Void> updateTags(Map<String, String> tags) {
        MembershipEngine.checkTags(tags, config.maxTagsBytes());
        if (closed.get()) {
            return closedFuture();
        }
        Map<String, String> copy = Map.copyOf(tags);
        return callOnProtocolThread(() -> {
            engine.updateTags(copy);
            return null;
        });
    }

    /**
     * Changes some of this node's tags, atomically against the tags it has when the change is applied: the keys
     * of {@code set} take their values, the keys in {@code remove} go, the others stay. Unlike
     * {@link #updateTags(Map)} after reading {@link #localMember()}, two callers changing different keys at once
     * (a health checker and an operator, say) never undo each other.
     *
     * @return completes with the tags as they are after the change; fails with {@link IllegalArgumentException}
     *         when they would exceed {@code maxTagsBytes} (nothing changes then)
     */
    public CompletableFuture<Map<String, String>> changeTags(Map<String, String> set, Collection<String> remove) {
        Map<String, String> put = Map.copyOf(set);
        List<String> drop = List.copyOf(remove);
        if (closed.get()) {
            return closedFuture();
        }
        return callOnProtocolThread(() -> {
            Map<String, String> next = new java.util.TreeMap<>(engine.member(name).tags());
            drop.forEach(next::remove);
            next.putAll(put);
            if (!next.equals(engine.member(name).tags())) {
                engine.updateTags(next);
            }
            return java.util.Collections.unmodifiableMap(next);
        });
    }

    /**
     * Sends a user event to every member (this one included), by gossip: fire and forget. Each member
     * delivers it once. With {@code coalesce}, a burst of events of one name delivers only the newest.
     *
     * @throws IllegalArgumentException at once when the name is empty or reserved, or name plus payload
     *                                  exceed {@code userEventSizeLimit}
     */
    public void sendEvent(String eventName, byte[] payload, boolean coalesce) {
        EventLayer.checkUserEvent(eventName, payload, config);
        checkOpen();
        byte[] copy = payload.clone();
        onProtocolThread(() -> events.sendEvent(eventName, copy, coalesce));
    }

    /** Sends a typed user event, encoded with {@code codec}; see {@link #sendEvent(String, byte[], boolean)}. */
    public <T> void sendEvent(String eventName, T value, PayloadCodec<T> codec, boolean coalesce) {
        sendEvent(eventName, codec.encode(value), coalesce);
    }

    /**
     * Asks the cluster a question. Members that pass the filters receive it as a {@link ClusterEvent.Query}
     * and may {@link ClusterEvent.Query#respond respond} once; answers stream back until the deadline.
     *
     * @throws IllegalArgumentException at once when the name is empty or reserved, or the query is over
     *                                  {@code querySizeLimit}
     */
    public QueryHandle query(String queryName, byte[] payload, QueryOptions options) {
        if (queryName == null || queryName.isEmpty()) {
            throw new IllegalArgumentException("query name must not be empty");
        }
        if (queryName.startsWith(EventLayer.INTERNAL_PREFIX)) {
            throw new IllegalArgumentException("query name '" + queryName + "' uses the reserved prefix "
                    + EventLayer.INTERNAL_PREFIX);
        }
        int size = queryName.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + payload.length;
        if (size > config.querySizeLimit()) {
            throw new IllegalArgumentException("query '" + queryName + "' is " + size
                    + " bytes (name plus payload), over querySizeLimit " + config.querySizeLimit());
        }
        // Filters travel too: the whole query must fit one datagram (worst-case clock and id sizes).
        int encoded = dev.grapevine.wire.Codec.frameSize(new dev.grapevine.wire.Message.Query(Long.MAX_VALUE / 2, -1,
                name, advertise, options.filterNodes(), options.filterTags(), options.requestAck(),
                options.relayFactor(), Long.MAX_VALUE / 2, queryName, payload));
        int room = config.packetSize() - 16;
        if (encoded > room) {
            throw new IllegalArgumentException("query '" + queryName + "' encodes to " + encoded
                    + " bytes with its filters, more than one datagram holds (" + room + ")");
        }
        checkOpen();
        return ask(queryName, payload.clone(), options);
    }

    /** Puts a query (user or internal, already checked) in flight on the protocol thread. */
    private QueryHandle ask(String queryName, byte[] payload, QueryOptions options) {
        QueryHandle handle = new QueryHandle(queryName, random.nextInt());
        onProtocolThread(() -> events.ask(queryName, payload, options, handle));
        return handle;
    }

    /**
     * Checks which live members answer at all: every member acks an internal ping query.
     *
     * @return completes after {@code timeout} with who answered and which live members did not
     */
    public CompletableFuture<Reachability> checkReachability(Duration timeout) {
        checkOpen();
        Set<String> expected = liveNames();
        QueryHandle handle = ask(EventLayer.PING_QUERY, new byte[0],
                QueryOptions.defaults().requestAck(true).timeout(timeout));
        return handle.result().thenApply(r -> {
            Set<String> silent = new java.util.TreeSet<>(expected);
            silent.removeAll(r.acks());
            return new Reachability(new java.util.TreeSet<>(r.acks()), silent);
        });
    }

    /**
     * The outcome of {@link #checkReachability}.
     *
     * @param answered members that acked the ping
     * @param silent   members alive in this node's view that did not
     */
    public record Reachability(Set<String> answered, Set<String> silent) {
    }

    // ------------------------------------------------------------------------------------------------
    // Keys

    /**
     * Installs {@code base64Key} on every member (it decrypts from now on; the primary still encrypts).
     * Step one of a rotation: install, then {@link #useKey}, then {@link #removeKey} the old one.
     *
     * @return completes with what each member did
     */
    public CompletableFuture<KeyResult> installKey(String base64Key) {
        return changeKeys(EventLayer.KEY_INSTALL, "install", base64Key);
    }

    /** Makes {@code base64Key}, installed everywhere already, the primary key of every member. */
    public CompletableFuture<KeyResult> useKey(String base64Key) {
        return changeKeys(EventLayer.KEY_USE, "use", base64Key);
    }

    /** Removes {@code base64Key} (not the primary) from every member. */
    public CompletableFuture<KeyResult> removeKey(String base64Key) {
        return changeKeys(EventLayer.KEY_REMOVE, "remove", base64Key);
    }

    /**
     * Lists the keys of every member, by fingerprint (key material never travels in answers). Members that
     * stay silent to the first query are asked again by name, as for keyring changes.
     */
    public CompletableFuture<KeyListing> listKeys() {
        checkOpen();
        Set<String> expected = liveNames();
        Map<String, Integer> installed = new java.util.TreeMap<>();
        Map<String, Integer> primary = new java.util.TreeMap<>();
        Set<String> members = new java.util.TreeSet<>();
        return askSilent(EventLayer.KEY_LIST, new byte[0], expected, true, KEY_QUERY_ATTEMPTS, resp -> {
            String text = new String(resp.payload(), java.nio.charset.StandardCharsets.UTF_8);
            if (text.startsWith("error:") || !members.add(resp.from())) {
                return;
            }
            for (String line : text.split("\n")) {
                if (line.startsWith("primary ")) {
                    primary.merge(line.substring(8), 1, Integer::sum);
                } else if (line.startsWith("key ")) {
                    installed.merge(line.substring(4), 1, Integer::sum);
                }
            }
        }).thenApply(silent -> new KeyListing(installed, primary, members, silent));
    }

    /** Turns sealing of outgoing traffic on or off (moving a plaintext cluster to encryption). */
    public void encryptOutgoing(boolean on) {
        requireSecure().encryptOutgoing(on);
    }

    /** Turns the rejection of incoming plaintext on or off (moving a plaintext cluster to encryption). */
    public void requireIncoming(boolean on) {
        requireSecure().requireIncoming(on);
    }

    private dev.grapevine.security.SecureTransport requireSecure() {
        if (secure == null) {
            throw new IllegalStateException("node " + name + " was started without a keyring");
        }
        return secure;
    }

    private CompletableFuture<KeyResult> changeKeys(String query, String operation, String base64Key) {
        checkOpen();
        requireSecure();
        dev.grapevine.security.AeadKey.ofBase64(base64Key); // fails here, naming the problem, if malformed
        Set<String> expected = liveNames();
        byte[] payload = base64Key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Set<String> ok = new java.util.TreeSet<>();
        Map<String, String> failed = new java.util.TreeMap<>();
        return askSilent(query, payload, expected, true, KEY_QUERY_ATTEMPTS, resp -> {
            String text = new String(resp.payload(), java.nio.charset.StandardCharsets.UTF_8);
            if (text.equals("ok")) {
                ok.add(resp.from());
                failed.remove(resp.from());
            } else {
                failed.put(resp.from(), text.startsWith("error: ") ? text.substring(7) : text);
            }
        }).thenApply(silent -> new KeyResult(operation, ok, failed, silent));
    }

    /**
     * Asks {@code pending} members (all when {@code everyone}), hands each answer to {@code onResponse}, then
     * asks again, by name, those that stayed silent: a gossiped query can miss a member, and a keyring query
     * must reach every one. The key queries are idempotent, so asking twice is harmless. Each round completes
     * before the next starts, so {@code onResponse} is never called concurrently.
     *
     * @return the live members that never answered
     */
    private CompletableFuture<Set<String>> askSilent(String query, byte[] payload, Set<String> pending,
                                                     boolean everyone, int attempts,
                                                     java.util.function.Consumer<QueryResponse> onResponse) {
        QueryOptions base = everyone ? QueryOptions.defaults()
                : QueryOptions.defaults().filterNodes(List.copyOf(pending));
        // A round ends at its deadline, or as soon as every pending member has answered (as Serf's key
        // commands do: a healthy cluster answers in a round trip, not in a query timeout).
        List<QueryResponse> got = new ArrayList<>();
        Set<String> waiting = new java.util.HashSet<>(pending);
        CompletableFuture<List<QueryResponse>> round = new CompletableFuture<>();
        QueryOptions options = base.onResponse(resp -> {
            synchronized (got) {
                got.add(resp);
                waiting.remove(resp.from());
                if (waiting.isEmpty()) {
                    round.complete(List.copyOf(got));
                }
            }
        });
        ask(query, payload, options).result().whenComplete((r, e) -> {
            if (e != null) {
                round.completeExceptionally(e);
            } else {
                round.complete(r.responses());
            }
        });
        return round.thenComposeAsync(responses -> {
            Set<String> responders = new java.util.HashSet<>();
            for (QueryResponse resp : responses) {
                responders.add(resp.from());
                onResponse.accept(resp);
            }
            Set<String> silent = new java.util.TreeSet<>(pending);
            silent.removeAll(responders);
            silent.retainAll(liveNames());
            if (silent.isEmpty() || attempts <= 1 || closed.get()) {
                return CompletableFuture.completedFuture(silent);
            }
            LOG.info("{}: {} not answered by {}; asking them again", name, query, silent);
            return askSilent(query, payload, silent, false, attempts - 1, onResponse);
        }, runtime.listenerExecutor());
    }

    private Set<String> liveNames() {
        return liveMembers().stream().map(Member::name).collect(java.util.stream.Collectors.toSet());
    }

    /** Answers a key query on the protocol thread: applies it to this node's keyring. */
    private byte[] answerKeyQuery(String query, byte[] payload) {
        if (secure == null) {
            return utf8("error: encryption is not enabled on this node");
        }
        var encryptor = secure.encryptor();
        if (query.equals(EventLayer.KEY_LIST)) {
            StringBuilder sb = new StringBuilder("primary ").append(encryptor.keyring().primary().fingerprint());
            for (var k : encryptor.keyring().keys()) {
                sb.append("\nkey ").append(k.fingerprint());
            }
            return utf8(sb.toString());
        }
        String key = new String(payload, java.nio.charset.StandardCharsets.UTF_8);
        try {
            dev.grapevine.security.Keyring next = encryptor.updateKeyring(k -> switch (query) {
                case EventLayer.KEY_INSTALL -> k.install(key);
                case EventLayer.KEY_USE -> k.use(key);
                case EventLayer.KEY_REMOVE -> k.remove(key);
                default -> throw new IllegalArgumentException("unknown key operation " + query);
            });
            if (keyringFile != null) {
                runtime.listenerExecutor().execute(() -> {
                    try {
                        next.toFile(keyringFile);
                    } catch (IOException e) {
                        LOG.error("{}: keyring change not persisted to {}: {}", name, keyringFile, e.toString());
                    }
                });
            }
            LOG.info("{}: keyring {} applied: {}", name, query.substring(EventLayer.INTERNAL_PREFIX.length()), next);
            return utf8("ok");
        } catch (IllegalArgumentException | IllegalStateException e) {
            return utf8("error: " + e.getMessage());
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("node " + name + " is closed");
        }
    }

    /**
     * Leaves gracefully: announces the departure, waits (at most {@code leaveTimeout}) until the announcement
     * has been sent out, then stops probing. Other members report this node as left, not failed. Call
     * {@link #close()} afterwards to release the sockets.
     */
    public CompletableFuture<Void> leave() {
        if (closed.get()) {
            return closedFuture();
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (snapshot != null) {
            // The marker goes first: a crash during the leave must not make the node rejoin on restart.
            runtime.listenerExecutor().execute(() -> {
                try {
                    snapshot.leave();
                    snapshot.flush();
                } catch (IOException | RuntimeException x) {
                    LOG.warn("{}: leave marker not written: {}", name, x.toString());
                }
            });
        }
        onProtocolThread(() -> {
            if (!engine.isLeaving()) {
                events.announceLeave();
            }
            engine.leave().whenComplete((v, e) -> {
                events.flush();
                runtime.listenerExecutor().execute(() -> done.complete(null));
            });
        });
        return done;
    }

    /**
     * Removes a failed member, as Serf's {@code force-leave} does: a leave intent about it spreads by gossip
     * and every member that has it failed reports it as left ({@link ClusterEvent.MemberLeft}) instead of
     * retrying it until the reconnect timeout. With {@code prune}, every member also forgets it at once
     * ({@link ClusterEvent.MemberReaped}; gone from {@link #members()}) instead of keeping it as a tombstone
     * until the tombstone timeout; a member that still has it alive or suspect forgets it as soon as it fails
     * there. A member that is in fact alive and hears of this refutes it (it announces its join again), and
     * stays.
     *
     * <p>A member already left: without {@code prune} nothing is done; with it, it is forgotten everywhere.
     * The prune travels in a message type (17) that builds before it do not know: they drop the datagram
     * that carries it, so prune only once every member runs a build that has it (plain force-leave is
     * understood by all).
     *
     * @param memberName the member to remove
     * @param prune      also forget it at once, everywhere
     * @return completes once the intent is applied here and queued for gossip (the rest of the cluster learns
     *         of it within a few gossip rounds); fails with {@link IllegalArgumentException} when the member
     *         came back up in the meantime
     * @throws IllegalArgumentException at once when no member has that name, it is this node, or it is alive
     *                                  or suspect
     */
    public CompletableFuture<Void> forceLeave(String memberName, boolean prune) {
        Objects.requireNonNull(memberName, "memberName");
        checkForceLeave(memberName, engine.member(memberName));
        if (closed.get()) {
            return closedFuture();
        }
        return callOnProtocolThread(() -> {
            Member m = engine.member(memberName);
            checkForceLeave(memberName, m); // it may have come back up since
            if (m.status() == MemberStatus.FAILED || prune) {
                events.forceLeave(memberName, prune);
            }
            return null;
        });
    }

    private void checkForceLeave(String memberName, Member m) {
        if (memberName.equals(name)) {
            throw new IllegalArgumentException("member " + memberName
                    + " is this node: force-leave removes other, failed members (use leave() for this one)");
        }
        if (m == null) {
            throw new IllegalArgumentException("member " + memberName + " is not known to node " + name);
        }
        if (m.status() == MemberStatus.ALIVE || m.status() == MemberStatus.SUSPECT) {
            throw new IllegalArgumentException("member " + memberName + " is "
                    + m.status().name().toLowerCase(java.util.Locale.ROOT)
                    + ": force-leave only removes failed members");
        }
    }

    private <T> CompletableFuture<T> closedFuture() {
        return CompletableFuture.failedFuture(new IllegalStateException("node " + name + " is closed"));
    }

    /**
     * Stops the node and releases its sockets. Without {@link #leave()} first, other members will detect a
     * failure. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long[] clocks = new long[3];
        Runnable stop = () -> {
            clocks[0] = events.memberTime();
            clocks[1] = events.eventTime();
            clocks[2] = events.queryTime();
            events.shutdown();
            engine.stop();
            (secure != null ? secure : binding.transport()).close();
        };
        if (scheduler.inProtocolThread()) {
            stop.run();
        } else {
            CompletableFuture<Void> stopped = new CompletableFuture<>();
            scheduler.execute(() -> {
                try {
                    stop.run();
                } finally {
                    // A channel closed while registered with a selector keeps its port until the selector's
                    // next select deregisters it; a timer due now runs after that select, so when close()
                    // returns the address can be bound again (a restart on the same address).
                    scheduler.schedule(0, () -> stopped.complete(null));
                }
            });
            try {
                stopped.get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("{}: protocol thread did not stop the node in time: {}", name, e.toString());
            }
        }
        if (snapshot != null) {
            // On the listener thread, after the member events already queued there reach the file.
            CompletableFuture<Void> written = new CompletableFuture<>();
            Runnable finalWrite = () -> {
                try {
                    snapshot.clocks(clocks[0], clocks[1], clocks[2]);
                } catch (RuntimeException e) {
                    LOG.warn("{}: final clocks not written to the snapshot: {}", name, e.toString());
                }
                closeSnapshot(false);
                written.complete(null);
            };
            try {
                runtime.listenerExecutor().execute(finalWrite);
                if (!written.isDone()) {
                    written.get(5, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                LOG.warn("{}: snapshot not closed on the listener thread: {}", name, e.toString());
                closeSnapshot(false);
            }
        }
        if (ownsRuntime) {
            runtime.close();
        }
    }

    /** Writes the clocks (and the leave marker) and closes the snapshot. */
    private void closeSnapshot(boolean left) {
        if (snapshot == null) {
            return;
        }
        try {
            if (left) {
                snapshot.leave();
            }
            snapshot.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: snapshot {} not closed cleanly: {}", name, snapshot.file(), e.toString());
        }
    }

    /** Protocol thread: hands the current clocks to the listener thread, which writes and flushes them. */
    private void snapshotTick() {
        if (closed.get() || engine.isStopped()) {
            return;
        }
        long m = events.memberTime();
        long e = events.eventTime();
        long q = events.queryTime();
        runtime.listenerExecutor().execute(() -> {
            try {
                snapshot.clocks(m, e, q);
                snapshot.flush();
            } catch (IOException | RuntimeException x) {
                LOG.warn("{}: snapshot flush failed: {}", name, x.toString());
            }
        });
        scheduler.schedule(SNAPSHOT_FLUSH.toNanos(), this::snapshotTick);
    }

    /**
     * Protocol thread, at start: restores the clocks saved before a restart (so no event already delivered
     * is delivered again) and rejoins the members that were alive, unless this node had left.
     */
    private void recoverFromSnapshot(boolean rejoinAfterLeave) {
        var r = snapshot.recovered();
        if (!r.problems().isEmpty()) {
            LOG.warn("{}: snapshot {} had {} unreadable line(s); started with what was readable", name,
                    snapshot.file(), r.problems().size());
        }
        events.restore(r.memberClock(), r.eventClock(), r.queryClock());
        scheduler.schedule(SNAPSHOT_FLUSH.toNanos(), this::snapshotTick);
        if (r.left() && !rejoinAfterLeave) {
            LOG.info("{}: left the cluster before the restart; not rejoining (rejoinAfterLeave is off)", name);
            return;
        }
        List<InetSocketAddress> peers = new ArrayList<>();
        r.aliveMembers().forEach((member, address) -> {
            if (!member.equals(name) && !address.equals(advertise)) {
                peers.add(address);
            }
        });
        if (!peers.isEmpty()) {
            LOG.info("{}: rejoining through the {} member(s) of the snapshot", name, peers.size());
            java.util.Collections.shuffle(peers, random);
            rejoinOneByOne(peers, 0);
        }
    }

    /**
     * Tries the snapshot's members one at a time until one answers (as Serf does): one full-state exchange
     * is enough to rejoin, and a large cluster should not get a burst of them from every restarted node.
     */
    private void rejoinOneByOne(List<InetSocketAddress> peers, int next) {
        if (next >= peers.size() || closed.get()) {
            if (next >= peers.size()) {
                LOG.warn("{}: could not rejoin any of the {} member(s) of the snapshot", name, peers.size());
            }
            return;
        }
        // A rejoin catches up on the events it missed while down: the snapshot's clock says where it stopped.
        joinResolved(List.of(peers.get(next)), new LinkedHashMap<>(), false).whenComplete((n, e) -> {
            if (e != null) {
                rejoinOneByOne(peers, next + 1);
            }
        });
    }

    // ------------------------------------------------------------------------------------------------

    private void dispatch(ClusterEvent event) {
        if (snapshot != null && event instanceof ClusterEvent.MemberEvent m && !m.member().name().equals(name)) {
            try {
                if (event instanceof ClusterEvent.MemberJoined || event instanceof ClusterEvent.MemberUpdated) {
                    snapshot.aliveMember(m.member().name(), m.member().address());
                } else {
                    snapshot.notAliveMember(m.member().name());
                }
            } catch (RuntimeException e) {
                LOG.warn("{}: snapshot not updated for {}: {}", name, event, e.toString());
            }
        }
        for (ClusterListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException e) {
                LOG.warn("{}: listener failed on {}", name, event, e);
            }
        }
    }

    private void onProtocolThread(Runnable task) {
        if (scheduler.inProtocolThread()) {
            task.run();
        } else {
            scheduler.execute(task);
        }
    }

    private <T> CompletableFuture<T> callOnProtocolThread(Supplier<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Executor listenersThread = runtime.listenerExecutor();
        onProtocolThread(() -> {
            try {
                T value = task.get();
                listenersThread.execute(() -> f.complete(value));
            } catch (RuntimeException e) {
                listenersThread.execute(() -> f.completeExceptionally(e));
            }
        });
        return f;
    }

    /**
     * Parses {@code host:port}, {@code [v6]:port}, a bare IPv6 literal or a bare host (default port) and
     * resolves the host to every address it has.
     */
    static List<InetSocketAddress> resolve(HostResolver resolver, String address) throws UnknownHostException {
        HostPort hp = HostPort.parse(address, DEFAULT_PORT);
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetAddress a : resolver.resolve(hp.host())) {
            out.add(new InetSocketAddress(a, hp.port()));
        }
        return out;
    }

    /** Parses an address without resolving names other than literals; fails naming the field. */
    static InetSocketAddress parseLiteralOrResolve(String field, String address) {
        try {
            List<InetSocketAddress> all = resolve(HostResolver.SYSTEM, address);
            return all.get(0);
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": cannot use address '" + address + "': " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------------------

    /** Configures and starts a {@link GossipNode}. */
    public static final class Builder {
        private String name;
        private InetSocketAddress bind;
        private InetSocketAddress advertise;
        private final Map<String, String> tags = new LinkedHashMap<>();
        private GossipConfig config = GossipConfig.lan();
        private final List<ClusterListener> listeners = new ArrayList<>();
        private GossipRuntime runtime;
        private Random random;
        private HostResolver resolver = HostResolver.SYSTEM;
        private boolean replayEventsOnJoin;
        private java.nio.file.Path snapshotPath;
        private boolean rejoinAfterLeave;
        private List<Member> assumeAlive = List.of();
        private dev.grapevine.security.Keyring keyring;
        private java.nio.file.Path keyringFile;
        private String cluster = "grapevine";
        private boolean encryptOutgoing = true;
        private boolean requireIncoming = true;
        private List<String> retryJoin = List.of();
        private Duration retryInterval = Duration.ofSeconds(30);
        private int retryMax;

        private Builder() {
        }

        /** The node's name, unique in the cluster. Required. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Where to listen (UDP and TCP on one port), as {@code host:port}. Port 0 picks a free one. */
        public Builder bind(String address) {
            this.bind = parseLiteralOrResolve("bind", address);
            return this;
        }

        /** Where to listen. */
        public Builder bind(InetSocketAddress address) {
            this.bind = Objects.requireNonNull(address, "bind");
            return this;
        }

        /**
         * The address other members use to reach this node, when it differs from the bind address (NAT,
         * containers). Port 0 means the bound port.
         */
        public Builder advertise(String address) {
            this.advertise = parseLiteralOrResolve("advertise", address);
            return this;
        }

        /** See {@link #advertise(String)}. */
        public Builder advertise(InetSocketAddress address) {
            this.advertise = Objects.requireNonNull(address, "advertise");
            return this;
        }

        /** Adds one tag. */
        public Builder tag(String key, String value) {
            tags.put(Objects.requireNonNull(key, "tag key"), Objects.requireNonNull(value, "tag value"));
            return this;
        }

        /** Adds tags. */
        public Builder tags(Map<String, String> more) {
            more.forEach(this::tag);
            return this;
        }

        /** Uses a named timing profile (LAN by default). Replaces any configuration set before. */
        public Builder profile(Profile profile) {
            this.config = profile.config();
            return this;
        }

        /** Uses this configuration. */
        public Builder config(GossipConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Adds a listener of cluster events. */
        public Builder listener(ClusterListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Runs the node on a shared runtime (threads and network), for instance a
         * {@code SimulatedNetwork} or a {@link NetworkRuntime} hosting many nodes. The node does not close
         * a runtime it was given. Without one, the node gets a private runtime of two threads.
         */
        public Builder runtime(GossipRuntime runtime) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            return this;
        }

        /** The source of randomness (seed it for reproducible simulations). */
        public Builder random(Random random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * Whether a joining node delivers the recent user events the cluster already had (default: no, it
         * sees only events sent after it joined).
         */
        public Builder replayEventsOnJoin(boolean replay) {
            this.replayEventsOnJoin = replay;
            return this;
        }

        /**
         * Starts the node already knowing {@code members} as alive at their incarnations, as if it had
         * learned them from a push-pull, but without announcing them: where a join queues a broadcast of
         * every member it learns (and so every node of a cluster built by joins spreads every member many
         * times), this queues none. Each is emitted to listeners as joined. A member named like this node is
         * skipped; of two entries with one name the first is taken. The node still announces itself as it
         * always does on start.
         *
         * <p><b>Meant for simulations and benchmarks</b>, where every node of a large cluster is started
         * with the same list of all of them (their incarnation is 1 once started): the cluster is converged
         * from its first instant, in O(N) per node, where building it by joins costs O(N²) messages per join
         * wave and hours of CPU at 10,000 simulated nodes. It is not a way for a node to come back into a
         * running cluster: it contacts no one, so members not given the same list learn of it only when it
         * joins, and a member of the list that is gone is only found out by probing (suspected, then failed
         * after the suspicion timeout). A restarting node should keep a {@link #snapshot} and rejoin instead.
         * The Serf layer learns no join intents from the list: it starts as a node that has not heard any.
         *
         * @throws IllegalArgumentException at {@link #start} when a member is not {@code ALIVE} or its tags are
         *                                  too large for the configuration
         */
        public Builder assumeAlive(Collection<Member> members) {
            this.assumeAlive = List.copyOf(Objects.requireNonNull(members, "assumeAlive"));
            return this;
        }

        /**
         * Keeps a snapshot file (members, clocks, a leave marker) so that after a restart the node rejoins its
         * previous peers with no join address and delivers no event it had already delivered. A corrupt or
         * truncated tail is logged and skipped.
         */
        public Builder snapshot(java.nio.file.Path file) {
            this.snapshotPath = Objects.requireNonNull(file, "snapshot");
            return this;
        }

        /**
         * Encrypts all traffic (AES-GCM; the primary key encrypts, every key decrypts). Without a keyring the
         * node runs in plaintext.
         */
        public Builder keyring(dev.grapevine.security.Keyring keyring) {
            this.keyring = Objects.requireNonNull(keyring, "keyring");
            return this;
        }

        /**
         * Keeps the keyring in {@code file}: read from it at start when it exists (it wins over
         * {@link #keyring}), written after every cluster-wide key change, so a restart keeps the keys.
         */
        public Builder keyringFile(java.nio.file.Path file) {
            this.keyringFile = Objects.requireNonNull(file, "keyringFile");
            return this;
        }

        /**
         * The cluster's name, bound into every packet's authentication: nodes of clusters with other names
         * never merge, even with the same key (default "grapevine"). Needs a keyring.
         */
        public Builder cluster(String clusterName) {
            if (clusterName == null || clusterName.isBlank()) {
                throw new IllegalArgumentException("cluster name must not be empty");
            }
            this.cluster = clusterName;
            return this;
        }

        /** Seal outgoing traffic (default true; off only while moving a plaintext cluster to encryption). */
        public Builder encryptOutgoing(boolean on) {
            this.encryptOutgoing = on;
            return this;
        }

        /** Drop incoming plaintext (default true; off only while moving a plaintext cluster to encryption). */
        public Builder requireIncoming(boolean on) {
            this.requireIncoming = on;
            return this;
        }

        /** Whether a node that left gracefully rejoins from its snapshot on restart (default: no). */
        public Builder rejoinAfterLeave(boolean rejoin) {
            this.rejoinAfterLeave = rejoin;
            return this;
        }

        /** How {@code join} turns host names into addresses (the system resolver by default). */
        public Builder resolver(HostResolver resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * Keeps trying to join through {@code addresses} after start, every {@code interval}, at most
         * {@code maxAttempts} times (0: until it succeeds).
         */
        public Builder retryJoin(Duration interval, int maxAttempts, String... addresses) {
            checkRetryJoin(interval, maxAttempts);
            this.retryJoin = List.of(addresses);
            this.retryInterval = interval;
            this.retryMax = maxAttempts;
            return this;
        }

        /**
         * Validates the configuration, binds the sockets and starts the protocol.
         *
         * @throws IllegalArgumentException naming the field at fault
         * @throws IOException              when the address cannot be bound
         */
        public GossipNode start() throws IOException {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name is required");
            }
            if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
                throw new IllegalArgumentException("name must be at most 255 bytes of UTF-8");
            }
            if (bind == null) {
                throw new IllegalArgumentException("bind is required");
            }
            if (bind.getAddress().isAnyLocalAddress() && advertise == null) {
                throw new IllegalArgumentException("advertise is required when bind is a wildcard address ("
                        + bind + "): other members cannot reach 0.0.0.0");
            }
            MembershipEngine.checkTags(tags, config.maxTagsBytes());
            for (Member m : assumeAlive) {
                if (m.status() != MemberStatus.ALIVE) {
                    throw new IllegalArgumentException("assumeAlive: member " + m.name() + " is " + m.status()
                            + "; only alive members can be assumed");
                }
                if (!m.tags().isEmpty()) {
                    try {
                        MembershipEngine.checkTags(m.tags(), config.maxTagsBytes());
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("assumeAlive: member " + m.name() + ": " + e.getMessage(), e);
                    }
                }
            }
            if (keyringFile != null && java.nio.file.Files.exists(keyringFile)) {
                keyring = dev.grapevine.security.Keyring.fromFile(keyringFile);
            } else if (keyringFile != null && keyring != null) {
                keyring.toFile(keyringFile);
            }
            if (keyringFile != null && keyring == null) {
                throw new IllegalArgumentException("keyringFile " + keyringFile
                        + " does not exist and no keyring was given to create it from");
            }
            boolean owns = runtime == null;
            GossipRuntime rt = owns ? NetworkRuntime.create("grapevine-" + name) : runtime;
            GossipNode node;
            try {
                node = new GossipNode(this, rt, owns);
            } catch (IOException | RuntimeException e) {
                if (owns) {
                    rt.close();
                }
                throw e;
            }
            boolean rejoin = rejoinAfterLeave;
            List<Member> assumed = assumeAlive;
            node.onProtocolThread(() -> {
                node.engine.start();
                if (!assumed.isEmpty()) {
                    node.engine.assumeAlive(assumed);
                }
                if (node.snapshot != null) {
                    node.recoverFromSnapshot(rejoin);
                }
            });
            if (!retryJoin.isEmpty()) {
                node.retryJoin(retryJoin, retryInterval, retryMax, 1);
            }
            return node;
        }
    }

    /**
     * Joins through {@code addresses} in the background, as the builder's {@code retryJoin} does after start:
     * every {@code interval} until one attempt succeeds, at most {@code maxAttempts} times (0: until it
     * succeeds). Each attempt and the outcome go to the log. A process that must be ready to serve before
     * others find it (say, a server advertising its port in a tag) starts the node, then its server, then calls
     * this.
     *
     * @throws IllegalArgumentException when the interval is not positive, maxAttempts is negative, or there is no
     *                                  address
     */
    public void retryJoin(Duration interval, int maxAttempts, String... addresses) {
        checkRetryJoin(interval, maxAttempts);
        if (addresses.length == 0) {
            throw new IllegalArgumentException("retryJoin needs at least one address");
        }
        retryJoin(List.of(addresses), interval, maxAttempts, 1);
    }

    private static void checkRetryJoin(Duration interval, int maxAttempts) {
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("retryJoin interval must be positive, was " + interval);
        }
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("retryJoin maxAttempts must not be negative, was " + maxAttempts);
        }
    }

    private void retryJoin(List<String> addresses, Duration interval, int max, int attempt) {
        if (closed.get()) {
            return;
        }
        join(addresses.toArray(String[]::new)).whenComplete((n, e) -> {
            if (e == null) {
                LOG.info("{}: joined {} node(s) through {} (attempt {})", name, n, addresses, attempt);
            } else if (max == 0 || attempt < max) {
                LOG.info("{}: join attempt {} through {} failed, retrying in {}: {}", name, attempt, addresses,
                        interval, e.getMessage());
                onProtocolThread(() -> scheduler.schedule(interval.toNanos(),
                        () -> retryJoin(addresses, interval, max, attempt + 1)));
            } else {
                LOG.warn("{}: giving up joining through {} after {} attempts: {}", name, addresses, attempt,
                        e.getMessage());
            }
        });
    }
}
