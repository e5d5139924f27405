package dev.grapevine.events;

import dev.grapevine.ClusterEvent;
import dev.grapevine.DropReason;
import dev.grapevine.GossipConfig;
import dev.grapevine.Member;
import dev.grapevine.QueryHandle;
import dev.grapevine.QueryOptions;
import dev.grapevine.QueryResponse;
import dev.grapevine.QueryResult;
import dev.grapevine.Stats;
import dev.grapevine.membership.Delegate;
import dev.grapevine.membership.MembershipEngine;
import dev.grapevine.time.Scheduler;
import dev.grapevine.wire.Codec;
import dev.grapevine.wire.DecodeException;
import dev.grapevine.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * The Serf layer over membership: three Lamport clocks, join and leave intents, user events and queries.
 *
 * <p>Runs on the protocol thread, plugged into the {@link MembershipEngine} as its {@link Delegate}: the
 * engine hands it every message it does not handle itself and the event part of every push-pull.
 * <ul>
 *   <li><b>Intents.</b> A node announces its join and its leave with a member-clock time. The newest intent
 *   per member wins, so intents arriving out of order resolve correctly, and a leave older than the
 *   member's latest join is ignored. A member that announced its leave and then disappears is reported
 *   as left, not failed, even if its own leave message was lost.</li>
 *   <li><b>User events.</b> Stamped with the event clock, gossiped to all, de-duplicated in an
 *   {@link EventBuffer} by (time, name, payload) and delivered once. Push-pull carries the buffer, so a
 *   member that was unreachable gets what it missed. Events marked coalesce are delivered through a
 *   {@link Coalescer}: only the newest of a burst of one name.</li>
 *   <li><b>Queries.</b> Gossiped like events; members passing the name and tag filters ack (if asked)
 *   and hand the query to listeners, whose single response goes straight back to the asker, and through
 *   {@code relayFactor} other members too. The asker keeps one answer per member and drops (and counts)
 *   what arrives after the deadline. Names under {@value #INTERNAL_PREFIX} are reserved for internal
 *   queries ({@value #PING_QUERY}: reachability).</li>
 * </ul>
 */
public final class EventLayer implements Delegate {

    private static final Logger LOG = LoggerFactory.getLogger(EventLayer.class);

    /** Query and event names under this prefix are the library's own. */
    public static final String INTERNAL_PREFIX = "_grapevine_";
    /** The internal query that checks which members answer at all. */
    public static final String PING_QUERY = INTERNAL_PREFIX + "ping";
    /** Internal queries that change or list the keyring of every member (payload: the base64 key). */
    public static final String KEY_INSTALL = INTERNAL_PREFIX + "install-key";
    /** See {@link #KEY_INSTALL}. */
    public static final String KEY_USE = INTERNAL_PREFIX + "use-key";
    /** See {@link #KEY_INSTALL}. */
    public static final String KEY_REMOVE = INTERNAL_PREFIX + "remove-key";
    /** See {@link #KEY_INSTALL}. */
    public static final String KEY_LIST = INTERNAL_PREFIX + "list-keys";
    /** Intents kept for members not known yet. */
    private static final int RECENT_INTENTS = 128;
    /** Longest tag-filter expression accepted from the network. */
    private static final int MAX_FILTER_LENGTH = 256;
    /** The most relays a responder sends through, whatever a query asks. */
    private static final int MAX_RELAY_FACTOR = 5;
    /** The internal query that asks every member at which address it knows a contested name. */
    public static final String CONFLICT_QUERY = INTERNAL_PREFIX + "conflict";

    private final String self;
    private final GossipConfig config;
    private final Scheduler scheduler;
    private final MembershipEngine engine;
    private final Stats stats;
    private final Random random;
    private final Consumer<ClusterEvent> sink;
    private final Executor callbacks;

    private final LamportClock memberClock = new LamportClock();
    private final LamportClock eventClock = new LamportClock();
    private final LamportClock queryClock = new LamportClock();
    private final EventBuffer events;
    private final EventBuffer queries;
    /** Newest intent time per known member. */
    private final Map<String, Long> intentClocks = new HashMap<>();
    /**
     * Intents about members not known yet (the intent outran the member's own alive message): a small
     * ring, as in Serf, so that a flood of intents for made-up names cannot grow memory.
     */
    private final Map<String, Long> recentIntents = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            if (size() <= RECENT_INTENTS) {
                return false;
            }
            // A name falling out of the ring takes its leaving flag along (unless it became a member).
            if (!intentClocks.containsKey(eldest.getKey())) {
                leaving.remove(eldest.getKey());
            }
            return true;
        }
    };
    /** Members whose newest intent is a leave (known members, and names in {@link #recentIntents}). */
    private final Set<String> leaving = new HashSet<>();
    /**
     * Members a prune intent named while they were still up here: forgotten as soon as they fail or leave,
     * unless a newer join intent comes first. Bounded like {@link #recentIntents}; value: the intent's time.
     */
    private final Map<String, Long> pendingPrunes = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > RECENT_INTENTS;
        }
    };
    private final Coalescer<String, List<ClusterEvent.UserEvent>> userCoalescer;
    private final Coalescer<String, ClusterEvent> memberCoalescer;
    /** The coalesced burst of each event name: the events at the newest Lamport time seen in the burst. */
    private final Map<String, List<ClusterEvent.UserEvent>> bursts = new HashMap<>();
    /** True from our own leave on: our leave intent is genuine, not something to refute. */
    private boolean selfLeaving;
    private final Map<Integer, PendingQuery> pending = new HashMap<>();
    private final boolean replayOnJoin;
    /** Answers the key queries (protocol thread); returns the response payload. */
    private java.util.function.BiFunction<String, byte[], byte[]> keyHandler =
            (op, payload) -> "error: encryption is not enabled on this node".getBytes(StandardCharsets.UTF_8);
    /** Called (protocol thread) when this node lost a name conflict and must stop. */
    private Runnable onConflictLost = () -> { };
    private boolean resolvingConflict;
    /** Events older than this are not delivered (set on our join when not replaying, or from a snapshot). */
    private long eventMinTime;
    /** Queries older than this are not answered (a restarted node must not answer old queries again). */
    private long queryMinTime;

    /**
     * Creates the layer. {@code sink} receives every event for listeners (on the protocol thread; the caller
     * moves it off); {@code callbacks} runs query-stream callbacks (the listener thread).
     */
    public EventLayer(String self, GossipConfig config, Scheduler scheduler, MembershipEngine engine, Stats stats,
                      Random random, boolean replayOnJoin, Consumer<ClusterEvent> sink, Executor callbacks) {
        this.self = self;
        this.config = config;
        this.scheduler = scheduler;
        this.engine = engine;
        this.stats = stats;
        this.random = random;
        this.replayOnJoin = replayOnJoin;
        this.sink = sink;
        this.callbacks = callbacks;
        this.events = new EventBuffer(config.eventBufferSize());
        this.queries = new EventBuffer(config.queryBufferSize());
        this.userCoalescer = new Coalescer<>(scheduler, config.coalescePeriod(), config.quiescentPeriod(),
                this::deliverBurst);
        this.memberCoalescer = new Coalescer<>(scheduler, config.coalescePeriod(), config.quiescentPeriod(), sink);
    }

    // ------------------------------------------------------------------------------------------------
    // Member events and intents

    /** A membership change from the engine, on its way to listeners. */
    public void onMemberEvent(ClusterEvent event) {
        if (event instanceof ClusterEvent.MemberReaped r) {
            intentClocks.remove(r.member().name());
            leaving.remove(r.member().name());
            pendingPrunes.remove(r.member().name());
        } else if (event instanceof ClusterEvent.MemberJoined j) {
            Long early = recentIntents.remove(j.member().name());
            if (early != null) {
                intentClocks.merge(j.member().name(), early, Math::max);
            }
        }
        if (config.coalesceMemberEvents() && event instanceof ClusterEvent.MemberEvent m) {
            memberCoalescer.offer(m.member().name(), event);
        } else {
            sink.accept(event);
        }
        if ((event instanceof ClusterEvent.MemberFailed || event instanceof ClusterEvent.MemberLeft)
                && !pendingPrunes.isEmpty()) {
            String gone = ((ClusterEvent.MemberEvent) event).member().name();
            Long ltime = pendingPrunes.remove(gone);
            if (ltime != null) {
                // After the engine has finished the change that emitted this event.
                scheduler.execute(() -> prune(gone, ltime));
            }
        }
    }

    /**
     * Force-leaves {@code member} (Serf's {@code force-leave}): broadcasts a leave intent about it, which turns
     * it from failed into left on every member; with {@code prune} every member also forgets it at once.
     * The caller has checked that the member is failed or left here. Protocol thread.
     */
    public void forceLeave(String member, boolean prune) {
        onLeaveIntent(new Message.LeaveIntent(memberClock.increment(), member, prune));
    }

    /**
     * Applies the prune part of a prune intent: forgets the member now if it is failed or left here, or as
     * soon as it is, when it is still up (the news of its failure may not have arrived yet).
     */
    private void prune(String member, long ltime) {
        Member m = engine.member(member);
        if (m == null) {
            return;
        }
        if (m.isUp()) {
            pendingPrunes.put(m.name(), ltime);
            return;
        }
        engine.markLeft(member);
        if (engine.reap(member)) {
            LOG.info("{}: pruned {} (force-leave)", self, member);
            // Keep the intent's time: the same intent arriving again (others still gossip it) is then old news.
            recentIntents.put(member, ltime);
        }
    }

    /** Announces that this node joined (after a successful join). */
    public void announceJoin() {
        Message.JoinIntent j = new Message.JoinIntent(memberClock.increment(), self);
        onJoinIntent(j);
    }

    /** Announces that this node is leaving (before the membership leave). */
    public void announceLeave() {
        selfLeaving = true;
        Message.LeaveIntent l = new Message.LeaveIntent(memberClock.increment(), self);
        onLeaveIntent(l);
    }

    /** Applies a join intent; true when it was news (and so re-broadcast). */
    boolean onJoinIntent(Message.JoinIntent j) {
        memberClock.witness(j.ltime());
        if (!newerIntent(j.node(), j.ltime())) {
            return false;
        }
        leaving.remove(j.node());
        pendingPrunes.remove(j.node());
        engine.queueBroadcast(intentKey(j.node()), Codec.encodeFrame(j), null);
        return true;
    }

    /** Applies a leave intent; true when it was news. */
    boolean onLeaveIntent(Message.LeaveIntent l) {
        memberClock.witness(l.ltime());
        if (!newerIntent(l.node(), l.ltime())) {
            return false;
        }
        if (l.node().equals(self) && !selfLeaving && !engine.isLeaving()) {
            // Someone says we are leaving and we are not (an old intent of a previous run): refute.
            LOG.debug("{}: refuting a leave intent about itself", self);
            announceJoin();
            return false;
        }
        leaving.add(l.node());
        engine.queueBroadcast(intentKey(l.node()), Codec.encodeFrame(l), null);
        // Already declared failed? Then it left: say so.
        engine.markLeft(l.node());
        if (l.prune()) {
            prune(l.node(), l.ltime());
        }
        return true;
    }

    private boolean newerIntent(String node, long ltime) {
        boolean isSelf = node.equals(self);
        Member member = isSelf ? null : engine.member(node);
        Map<String, Long> clocks = isSelf || member != null ? intentClocks : recentIntents;
        Long known = clocks.get(node);
        if (known != null && ltime <= known) {
            return false;
        }
        // A known member's entry is keyed by the name the engine keeps (canonical, shared by the runtime's
        // nodes), not by this message's copy of it. (A put on an existing key keeps the old key.)
        clocks.put(isSelf ? engine.name() : member != null ? member.name() : node, ltime);
        return true;
    }

    /** Broadcast key of a member's intents (distinct from the membership keys of the same name). */
    private static String intentKey(String node) {
        return "i:" + node;
    }

    @Override
    public long eventClock() {
        return eventClock.time();
    }

    @Override
    public boolean announcedLeave(String member) {
        return leaving.contains(member);
    }

    /** True when the newest intent known for {@code member} is a leave (for tests and tools). */
    public boolean isLeaving(String member) {
        return leaving.contains(member);
    }

    /** The newest intent time known for {@code member}, or -1. */
    public long intentTime(String member) {
        Long t = intentClocks.get(member);
        return t != null ? t : recentIntents.getOrDefault(member, -1L);
    }

    // ------------------------------------------------------------------------------------------------
    // User events

    /**
     * Sends a user event to the whole cluster (this node included).
     *
     * @throws IllegalArgumentException when the name is empty or reserved, or name plus payload exceed
     *                                  {@code userEventSizeLimit}
     */
    public void sendEvent(String name, byte[] payload, boolean coalesce) {
        checkUserEvent(name, payload, config);
        Message.UserEvent e = new Message.UserEvent(eventClock.time(), name, payload, coalesce);
        eventClock.increment();
        stats.record(Stats.Counter.USER_EVENTS_SENT);
        onUserEvent(e, true);
    }

    /** Checks a user event against the limits, naming what is wrong. */
    public static void checkUserEvent(String name, byte[] payload, GossipConfig config) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("event name must not be empty");
        }
        if (name.startsWith(INTERNAL_PREFIX)) {
            throw new IllegalArgumentException("event name '" + name + "' uses the reserved prefix " + INTERNAL_PREFIX);
        }
        int size = name.getBytes(StandardCharsets.UTF_8).length + payload.length;
        if (size > config.userEventSizeLimit()) {
            throw new IllegalArgumentException("user event '" + name + "' is " + size
                    + " bytes (name plus payload), over userEventSizeLimit " + config.userEventSizeLimit());
        }
    }

    /**
     * A user event from another member: counted as received when new, and, from gossip ({@code rebroadcast}),
     * as deduplicated when already seen (a push-pull carries the recent events every time: those are no
     * re-delivery worth counting).
     */
    private void onRemoteUserEvent(Message.UserEvent e, boolean rebroadcast) {
        EventBuffer.Outcome outcome = onUserEvent(e, rebroadcast);
        if (outcome == EventBuffer.Outcome.NEW) {
            stats.record(Stats.Counter.USER_EVENTS_RECEIVED);
        } else if (outcome == EventBuffer.Outcome.DUPLICATE && rebroadcast) {
            stats.record(Stats.Counter.USER_EVENTS_DEDUPLICATED);
        }
    }

    /** Applies a user event; returns what the buffer made of it, or null when it was dropped before that. */
    private EventBuffer.Outcome onUserEvent(Message.UserEvent e, boolean rebroadcast) {
        if (e.name().getBytes(StandardCharsets.UTF_8).length + e.payload().length > config.userEventSizeLimit()) {
            stats.recordDrop(DropReason.OVERSIZED);
            return null;
        }
        eventClock.witness(e.ltime());
        if (e.ltime() < eventMinTime) {
            return null;
        }
        EventBuffer.Outcome outcome = events.offer(e.ltime(), e.name(), e.payload(), eventClock.time());
        if (outcome != EventBuffer.Outcome.NEW) {
            return outcome;
        }
        if (rebroadcast) {
            engine.queueBroadcast(null, Codec.encodeFrame(e), null);
        }
        ClusterEvent.UserEvent event = new ClusterEvent.UserEvent(e.name(), e.payload(), e.ltime());
        if (e.coalesce()) {
            // Serf's rule: a burst keeps every event at the newest time of its name, drops older ones.
            List<ClusterEvent.UserEvent> burst = bursts.get(e.name());
            if (burst == null || e.ltime() > burst.get(0).ltime()) {
                burst = new ArrayList<>();
                bursts.put(e.name(), burst);
            } else if (e.ltime() < burst.get(0).ltime()) {
                return outcome;
            }
            burst.add(event);
            userCoalescer.offer(e.name(), burst);
        } else {
            sink.accept(event);
        }
        return outcome;
    }

    private void deliverBurst(List<ClusterEvent.UserEvent> burst) {
        if (!burst.isEmpty()) {
            bursts.remove(burst.get(0).name(), burst);
        }
        burst.forEach(sink);
    }

    // ------------------------------------------------------------------------------------------------
    // Queries

    /**
     * Asks the cluster (this node included); answers stream into {@code handle} until the deadline. The
     * caller ({@code GossipNode}) has checked the name and size.
     */
    public void ask(String name, byte[] payload, QueryOptions options, QueryHandle handle) {
        int id = handle.id();
        if (pending.containsKey(id) || engine.isStopped()) {
            handle.fail(new IllegalStateException(engine.isStopped() ? "node is stopped"
                    : "query id " + id + " is already in flight"));
            return;
        }
        long timeoutNanos = options.timeout() != null ? options.timeout().toNanos() : defaultQueryTimeout();
        Message.Query q = new Message.Query(queryClock.time(), id, self, engine.advertise(), options.filterNodes(),
                options.filterTags(), options.requestAck(), options.relayFactor(),
                Math.max(1, timeoutNanos / 1_000_000), name, payload);
        queryClock.increment();
        PendingQuery p = new PendingQuery(q, handle, options);
        pending.put(id, p);
        p.timer = scheduler.schedule(timeoutNanos, () -> finish(p));
        stats.record(Stats.Counter.QUERIES_SENT);
        onQuery(q, true);
    }

    /** {@code gossipInterval * queryTimeoutMult * ceil(log10(N+1))}, as Serf computes it. */
    public long defaultQueryTimeout() {
        int n = Math.max(1, engine.liveCount());
        long scale = (long) Math.ceil(Math.log10(n + 1.0));
        return config.gossipInterval().toNanos() * config.queryTimeoutMult() * Math.max(1, scale);
    }

    private void finish(PendingQuery p) {
        pending.remove(p.query.id());
        QueryResult result = new QueryResult(p.acks, p.responses);
        callbacks.execute(() -> p.handle.complete(result));
    }

    private void onQuery(Message.Query q, boolean rebroadcast) {
        queryClock.witness(q.ltime());
        if (q.ltime() < queryMinTime) {
            return;
        }
        EventBuffer.Outcome outcome = queries.offer(q.ltime(), "q" + q.id() + "@" + q.sourceName(), new byte[0],
                queryClock.time());
        boolean ours = q.sourceName().equals(self);
        if (outcome != EventBuffer.Outcome.NEW) {
            if (outcome == EventBuffer.Outcome.DUPLICATE && !ours) {
                stats.record(Stats.Counter.QUERIES_DEDUPLICATED);
            }
            return;
        }
        if (!ours) {
            stats.record(Stats.Counter.QUERIES_RECEIVED);
        }
        if (rebroadcast) {
            engine.queueBroadcast(null, Codec.encodeFrame(q), null);
        }
        if (!passesFilters(q)) {
            return;
        }
        if (q.ack()) {
            respond(q, new Message.QueryResponse(q.ltime(), q.id(), self, true, new byte[0]));
        }
        if (q.name().equals(KEY_INSTALL) || q.name().equals(KEY_USE) || q.name().equals(KEY_REMOVE)
                || q.name().equals(KEY_LIST)) {
            byte[] answer = keyHandler.apply(q.name(), q.payload());
            respond(q, new Message.QueryResponse(q.ltime(), q.id(), self, false, answer));
            return;
        }
        if (q.name().equals(CONFLICT_QUERY)) {
            String contested = new String(q.payload(), StandardCharsets.UTF_8);
            Member known = engine.member(contested);
            byte[] answer = known == null ? new byte[0]
                    : known.address().toString().getBytes(StandardCharsets.UTF_8);
            respond(q, new Message.QueryResponse(q.ltime(), q.id(), self, false, answer));
            return;
        }
        if (q.name().startsWith(INTERNAL_PREFIX)) {
            // Other internal queries answer with their ack alone (ping); nothing reaches listeners.
            return;
        }
        // Clamp a hostile timeout so the deadline arithmetic cannot overflow.
        long deadline = scheduler.nanoTime() + Math.min(q.timeoutMillis(), 86_400_000L) * 1_000_000L;
        boolean[] answered = new boolean[1];
        ClusterEvent.Query event = new ClusterEvent.Query(q.name(), q.payload(), q.ltime(), q.sourceName(), bytes -> {
            if (bytes.length > config.queryResponseSizeLimit()) {
                throw new IllegalArgumentException("response of " + bytes.length
                        + " bytes is over queryResponseSizeLimit " + config.queryResponseSizeLimit());
            }
            synchronized (answered) {
                if (answered[0]) {
                    throw new IllegalStateException("query " + q.name() + " from " + q.sourceName()
                            + " was already answered");
                }
                if (scheduler.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("query " + q.name() + " from " + q.sourceName()
                            + " is past its deadline");
                }
                answered[0] = true;
            }
            byte[] copy = bytes.clone();
            Runnable send = () -> respond(q, new Message.QueryResponse(q.ltime(), q.id(), self, false, copy));
            if (scheduler.inProtocolThread()) {
                send.run();
            } else {
                scheduler.execute(send);
            }
        });
        sink.accept(event);
    }

    private boolean passesFilters(Message.Query q) {
        if (!q.filterNodes().isEmpty() && !q.filterNodes().contains(self)) {
            return false;
        }
        if (q.filterTags().isEmpty()) {
            return true;
        }
        Member me = engine.member(self);
        if (me == null) {
            return false;
        }
        for (Map.Entry<String, String> f : q.filterTags().entrySet()) {
            // Serf's semantics: an unanchored match, a missing tag reads as empty. RE2 runs in linear time,
            // so an expression from the network cannot stall the protocol thread.
            String value = me.tag(f.getKey());
            if (f.getValue().length() > MAX_FILTER_LENGTH) {
                stats.recordDrop(DropReason.OVERSIZED);
                return false;
            }
            try {
                if (!Pattern.compile(f.getValue()).matcher(value == null ? "" : value).find()) {
                    return false;
                }
            } catch (PatternSyntaxException e) {
                return false;
            }
        }
        return true;
    }

    private void respond(Message.Query q, Message.QueryResponse r) {
        if (q.sourceName().equals(self)) {
            onQueryResponse(r);
            return;
        }
        engine.sendMessage(q.source(), r);
        if (q.relayFactor() > 0) {
            byte[] frame = Codec.encodeFrame(r);
            int relays = Math.min(q.relayFactor(), MAX_RELAY_FACTOR);
            for (InetSocketAddress via : engine.randomLiveAddresses(relays, Set.of(self, q.sourceName()))) {
                engine.sendMessage(via, new Message.Relay(q.source(), frame));
            }
        }
    }

    private void onQueryResponse(Message.QueryResponse r) {
        PendingQuery p = pending.get(r.id());
        if (p == null || p.query.ltime() != r.ltime()) {
            stats.recordDrop(DropReason.LATE_RESPONSE);
            return;
        }
        if (r.ack()) {
            if (p.acks.add(r.from())) {
                stats.record(Stats.Counter.QUERY_ACKS_RECEIVED);
                if (p.options.onAck() != null) {
                    callbacks.execute(() -> p.options.onAck().accept(r.from()));
                }
            }
            return;
        }
        if (p.responders.add(r.from())) {
            stats.record(Stats.Counter.QUERY_RESPONSES_RECEIVED);
            QueryResponse response = new QueryResponse(r.from(), r.payload());
            p.responses.add(response);
            callbacks.execute(() -> {
                p.handle.deliver(response);
                if (p.options.onResponse() != null) {
                    p.options.onResponse().accept(response);
                }
            });
        }
    }

    private void onRelay(Message.Relay relay) {
        byte[] packet = new byte[relay.frame().length + 1];
        packet[0] = (byte) Codec.VERSION;
        System.arraycopy(relay.frame(), 0, packet, 1, relay.frame().length);
        try {
            // Only query responses are relayed: the relay is no open reflector.
            if (Codec.readSingle(ByteBuffer.wrap(packet)) instanceof Message.QueryResponse r) {
                engine.sendMessage(relay.destination(), r);
            } else {
                stats.recordDrop(DropReason.UNEXPECTED);
            }
        } catch (DecodeException e) {
            stats.recordDrop(e.reason());
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Name conflicts

    /** Sets who answers the key-rotation queries (the node's keyring owner). */
    public void keyHandler(java.util.function.BiFunction<String, byte[], byte[]> handler) {
        this.keyHandler = handler;
    }

    /** Sets what happens when this node loses a name conflict (the node stops). */
    public void onConflictLost(Runnable action) {
        this.onConflictLost = action;
    }

    @Override
    public void onConflict(Member member, InetSocketAddress otherAddress) {
        if (!member.name().equals(self) || resolvingConflict || engine.isLeaving()) {
            return;
        }
        // Serf's rule: ask everyone where they know our name; a node without a majority for its own
        // address is the impostor (or the newcomer) and stops.
        resolvingConflict = true;
        String mine = engine.advertise().toString();
        QueryHandle handle = new QueryHandle(CONFLICT_QUERY, random.nextInt());
        ask(CONFLICT_QUERY, self.getBytes(StandardCharsets.UTF_8), QueryOptions.defaults(), handle);
        handle.result().whenComplete((result, error) -> scheduler.execute(() -> {
            resolvingConflict = false;
            if (error != null) {
                return;
            }
            int votes = 0;
            int forUs = 0;
            for (QueryResponse r : result.responses()) {
                if (r.payload().length == 0) {
                    continue;
                }
                votes++;
                if (new String(r.payload(), StandardCharsets.UTF_8).equals(mine)) {
                    forUs++;
                }
            }
            // Serf's rule, our own answer included: keep the name only with a strict majority.
            if (forUs < votes / 2 + 1) {
                LOG.error("{}: name conflict with a node at {}: only {} of {} members know this name at {}; "
                        + "this node gives the name up and stops", self, otherAddress, forUs, votes, mine);
                onConflictLost.run();
            } else {
                LOG.warn("{}: name conflict with a node at {}: {} of {} members know this name at {}; keeping it",
                        self, otherAddress, forUs, votes, mine);
            }
        }));
    }

    // ------------------------------------------------------------------------------------------------
    // Delegate

    /**
     * A Lamport time no honest member can have reached yet: one that far ahead of ours would let a single
     * hostile packet exhaust the clock for the whole cluster.
     */
    private static final long MAX_CLOCK_JUMP = 1L << 32;

    private boolean plausible(long ltime, LamportClock clock) {
        if (ltime - clock.time() > MAX_CLOCK_JUMP) {
            stats.recordDrop(DropReason.MALFORMED);
            return false;
        }
        return true;
    }

    @Override
    public void onMessage(Message m, InetSocketAddress from) {
        if (m instanceof Message.UserEvent e) {
            if (plausible(e.ltime(), eventClock)) {
                onRemoteUserEvent(e, true);
            }
        } else if (m instanceof Message.Query q) {
            if (plausible(q.ltime(), queryClock)) {
                onQuery(q, true);
            }
        } else if (m instanceof Message.QueryResponse r) {
            onQueryResponse(r);
        } else if (m instanceof Message.Relay r) {
            onRelay(r);
        } else if (m instanceof Message.JoinIntent j) {
            if (plausible(j.ltime(), memberClock)) {
                onJoinIntent(j);
            }
        } else if (m instanceof Message.LeaveIntent l) {
            if (plausible(l.ltime(), memberClock)) {
                onLeaveIntent(l);
            }
        } else {
            stats.recordDrop(DropReason.UNEXPECTED);
        }
    }

    @Override
    public Message.SerfState localState(boolean join) {
        List<Message.UserEvent> recent = new ArrayList<>();
        // Newest first up to a budget well inside the stream's frame limit, then back to oldest first.
        long budget = config.maxStateBytes() / 4;
        List<EventBuffer.Entry> all = events.recent();
        for (int i = all.size() - 1; i >= 0 && budget > 0; i--) {
            EventBuffer.Entry e = all.get(i);
            budget -= e.name().length() * 3L + e.payload().length + 16;
            recent.add(new Message.UserEvent(e.ltime(), e.name(), e.payload(), false));
        }
        java.util.Collections.reverse(recent);
        Map<String, Long> intents = new LinkedHashMap<>();
        intentClocks.forEach((m, t) -> intents.put(m, encodeIntent(t, leaving.contains(m))));
        return new Message.SerfState(memberClock.time(), eventClock.time(), queryClock.time(), recent, intents);
    }

    /** Push-pull carries each member's newest intent as {@code (ltime << 1) | 1-if-leave}. */
    static long encodeIntent(long ltime, boolean leave) {
        return (ltime << 1) | (leave ? 1 : 0);
    }

    @Override
    public void mergeRemoteState(Message.SerfState state, boolean ourJoin) {
        if (!plausible(state.memberClock(), memberClock) || !plausible(state.eventClock(), eventClock)
                || !plausible(state.queryClock(), queryClock)) {
            return;
        }
        // No message has been sent at the remote's current times yet: witness one less.
        memberClock.witness(Math.max(0, state.memberClock() - 1));
        eventClock.witness(Math.max(0, state.eventClock() - 1));
        queryClock.witness(Math.max(0, state.queryClock() - 1));
        for (Map.Entry<String, Long> intent : state.intentClocks().entrySet()) {
            long ltime = intent.getValue() >>> 1;
            if (!plausible(ltime, memberClock)) {
                continue;
            }
            if ((intent.getValue() & 1) == 1) {
                onLeaveIntent(new Message.LeaveIntent(ltime, intent.getKey()));
            } else {
                onJoinIntent(new Message.JoinIntent(ltime, intent.getKey()));
            }
        }
        if (ourJoin && !replayOnJoin && state.eventClock() > eventMinTime) {
            // A joining node does not replay the cluster's past events unless asked to.
            eventMinTime = state.eventClock();
        }
        for (Message.UserEvent e : state.events()) {
            if (plausible(e.ltime(), eventClock)) {
                onRemoteUserEvent(e, false);
            }
        }
    }

    /** Clock state for snapshots. */
    public long memberTime() {
        return memberClock.time();
    }

    /** Clock state for snapshots. */
    public long eventTime() {
        return eventClock.time();
    }

    /** Clock state for snapshots. */
    public long queryTime() {
        return queryClock.time();
    }

    /**
     * Restores clocks from a snapshot: events and queries up to the restored times were already handled
     * before the restart and are not delivered again.
     */
    public void restore(long memberTime, long eventTime, long queryTime) {
        memberClock.restore(memberTime);
        eventClock.restore(eventTime);
        queryClock.restore(queryTime);
        eventMinTime = Math.max(eventMinTime, eventTime);
        queryMinTime = Math.max(queryMinTime, queryTime);
    }

    /** Delivers what the coalescers hold (shutdown). */
    public void flush() {
        userCoalescer.flush();
        memberCoalescer.flush();
    }

    /** Stops: delivers pending coalesced events and completes every query in flight with what it has. */
    public void shutdown() {
        flush();
        for (PendingQuery p : new ArrayList<>(pending.values())) {
            p.timer.cancel();
            finish(p);
        }
    }

    /** A query of ours in flight. */
    private static final class PendingQuery {
        final Message.Query query;
        final QueryHandle handle;
        final QueryOptions options;
        final Set<String> acks = new LinkedHashSet<>();
        final Set<String> responders = new HashSet<>();
        final List<QueryResponse> responses = new ArrayList<>();
        dev.grapevine.time.Cancellable timer;

        PendingQuery(Message.Query query, QueryHandle handle, QueryOptions options) {
            this.query = query;
            this.handle = handle;
            this.options = options;
        }
    }
}
