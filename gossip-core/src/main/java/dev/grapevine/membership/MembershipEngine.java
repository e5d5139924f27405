package dev.grapevine.membership;

import dev.grapevine.ClusterEvent;
import dev.grapevine.DropReason;
import dev.grapevine.GossipConfig;
import dev.grapevine.Interner;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.Stats;
import dev.grapevine.dissemination.BroadcastQueue;
import dev.grapevine.time.Cancellable;
import dev.grapevine.time.Scheduler;
import dev.grapevine.transport.Transport;
import dev.grapevine.wire.Codec;
import dev.grapevine.wire.DecodeException;
import dev.grapevine.wire.Message;
import dev.grapevine.wire.Message.Ack;
import dev.grapevine.wire.Message.Alive;
import dev.grapevine.wire.Message.Dead;
import dev.grapevine.wire.Message.IndirectPing;
import dev.grapevine.wire.Message.MemberState;
import dev.grapevine.wire.Message.Nack;
import dev.grapevine.wire.Message.Ping;
import dev.grapevine.wire.Message.PushPull;
import dev.grapevine.wire.Message.Suspect;
import dev.grapevine.wire.Message.WireState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The SWIM membership protocol with the Lifeguard extensions, for one node.
 *
 * <p>Single-threaded by design: every method runs on the node's protocol thread (its {@link Scheduler}),
 * so no state here is locked. It probes one member per probe interval (round robin), falls back to
 * indirect probes through {@code indirectChecks} members and to a probe over the reliable stream, and
 * suspects a member that answered none of them. Suspicions are confirmed or refuted by gossip; the
 * merge rules ({@link #onAlive}, {@link #onSuspect}, {@link #onDead}) are the heart of it: a higher
 * incarnation always wins, and a node told that it is suspected or dead refutes with a higher one.
 *
 * <p>Membership changes travel three ways: piggybacked on every probe and ack, in gossip rounds to
 * {@code gossipNodes} random members, and in periodic full-state push-pull exchanges (anti-entropy).
 * Failed members are retried now and then (reconnect), which heals partitions, and are forgotten after
 * the reap timeouts.
 */
public final class MembershipEngine implements Transport.Inbound {

    private static final Logger LOG = LoggerFactory.getLogger(MembershipEngine.class);

    /** Most frames packed in one compound datagram (the count is one byte). */
    private static final int MAX_FRAMES = 255;
    /** Pending broadcasts beyond this evict the oldest; bounds memory whatever the churn. */
    private static final int BROADCAST_CAPACITY = 16_384;

    private final String name;
    private final InetSocketAddress advertise;
    private final GossipConfig config;
    private final Scheduler scheduler;
    private final Transport transport;
    private final Random random;
    private final Stats stats;
    private final Consumer<ClusterEvent> events;
    /** Where kept names, addresses and tags are made canonical (shared with the runtime's other nodes). */
    private final Interner interner;

    /**
     * Every known member by name, self included. Written on the protocol thread only; read from any thread
     * through each state's published snapshot ({@link #members()}, {@link #member}).
     */
    private final Map<String, NodeState> nodes = new ConcurrentHashMap<>();
    /**
     * The states of {@link #nodes} in the order they were added: what the engine iterates (full state for a
     * push-pull, stop), so that a run does not depend on hash order. Protocol thread only.
     */
    private final List<NodeState> order = new ArrayList<>();
    private final ProbeRing ring;
    private final Awareness awareness;
    private final BroadcastQueue broadcasts = new BroadcastQueue(BROADCAST_CAPACITY);
    private final Map<Integer, AckWaiter> ackWaiters = new HashMap<>();
    /** Failed and left members: out of the probe ring, kept for reconnect, gossip to the dead and reaping. */
    private final List<NodeState> gone = new ArrayList<>();
    private final ByteBuffer sendBuffer;

    private Cancellable probeTimer = Cancellable.NONE;
    private Cancellable gossipTimer = Cancellable.NONE;
    /** True while a gossip round is scheduled. */
    private boolean gossipArmed;
    /** When the last gossip round ran ({@link Long#MIN_VALUE} before the first). */
    private long lastGossipRound = Long.MIN_VALUE;
    private Cancellable pushPullTimer = Cancellable.NONE;
    private Cancellable reconnectTimer = Cancellable.NONE;
    private Cancellable reapTimer = Cancellable.NONE;
    private Cancellable leaveTimer = Cancellable.NONE;
    private CompletableFuture<Void> leaveFuture;
    /** XOR of every member's {@link #memberHash}: equal digests mean equal views. */
    private long viewDigest;
    /** {@link Awareness#score()} as last published, for readers on other threads. */
    private volatile int healthScore;
    /** Earliest time a digest mismatch may trigger another repair exchange. */
    private long nextDigestSync;

    private Delegate delegate;
    private NodeState self;
    private int seq;
    /** Members alive or suspect, self included: the N of every log(N) in the protocol. */
    private int live;
    private boolean running;
    private boolean leaving;
    private volatile boolean stopped;

    /**
     * Creates an engine with an interner of its own; nothing happens until {@link #start}.
     *
     * @param events receives cluster events on the protocol thread; the caller moves them off it
     */
    public MembershipEngine(String name, InetSocketAddress advertise, Map<String, String> tags,
                            GossipConfig config, Scheduler scheduler, Transport transport, Random random,
                            Stats stats, Consumer<ClusterEvent> events) {
        this(name, advertise, tags, config, scheduler, transport, random, stats, events, new Interner());
    }

    /**
     * Creates an engine; nothing happens until {@link #start}.
     *
     * @param events   receives cluster events on the protocol thread; the caller moves them off it
     * @param interner where the names, addresses and tags of the members this engine keeps are made canonical,
     *                 usually its runtime's ({@link dev.grapevine.GossipRuntime#interner()})
     */
    public MembershipEngine(String name, InetSocketAddress advertise, Map<String, String> tags,
                            GossipConfig config, Scheduler scheduler, Transport transport, Random random,
                            Stats stats, Consumer<ClusterEvent> events, Interner interner) {
        this.interner = java.util.Objects.requireNonNull(interner, "interner");
        name = interner.string(name);
        advertise = interner.address(advertise);
        this.name = name;
        this.advertise = advertise;
        this.config = config;
        this.scheduler = scheduler;
        this.transport = transport;
        this.random = random;
        this.stats = stats;
        this.events = events;
        this.ring = new ProbeRing(random);
        this.awareness = new Awareness(config.awarenessMaxMultiplier());
        this.sendBuffer = ByteBuffer.allocate(config.packetSize());
        checkTags(tags, config.maxTagsBytes());
        this.self = new NodeState(new Member(name, advertise, interner.tags(tags), MemberStatus.ALIVE, 0), 0);
    }

    // ------------------------------------------------------------------------------------------------
    // Lifecycle

    /** Plugs in the layer above membership. Call before {@link #start}. */
    public void setDelegate(Delegate delegate) {
        this.delegate = delegate;
    }

    /** Starts probing and gossiping. Runs on the protocol thread. */
    public void start() {
        self = new NodeState(interner.member(new Member(name, advertise, self.tags(), MemberStatus.ALIVE, 1)), now());
        add(self);
        live = 1;
        publish(self);
        transport.start(this);
        running = true;
        broadcastAlive(self);
        emit(new ClusterEvent.MemberJoined(self.snapshot()));
        // Random first delays, so that nodes started together do not probe, gossip or sync in lockstep.
        probeTimer = scheduler.schedule(randomStagger(nanos(config.probeInterval())), this::probeTick);
        if (!config.pushPullInterval().isZero()) {
            pushPullTimer = scheduler.schedule(randomStagger(pushPullDelay()), this::pushPullTick);
        }
        reconnectTimer = scheduler.schedule(randomStagger(nanos(config.reconnectInterval())), this::reconnectTick);
        reapTimer = scheduler.schedule(nanos(config.reapInterval()), this::reapTick);
    }

    /**
     * Takes {@code members} as alive at their incarnations, as if a push-pull had brought them, but without
     * announcing them: no broadcast is queued about any of them (a push-pull would queue one per member).
     * Members already known and this node's own name are skipped. Each new member is emitted as joined.
     * Runs on the protocol thread, after {@link #start}. See {@code GossipNode.Builder#assumeAlive}.
     */
    public void assumeAlive(java.util.Collection<Member> members) {
        List<NodeState> added = new ArrayList<>(members.size());
        long now = now();
        for (Member m : members) {
            if (m.name().equals(name) || nodes.containsKey(m.name())) {
                continue;
            }
            NodeState state = newAliveState(m.name(), m.address(), m.tags(), m.incarnation(), now);
            add(state);
            added.add(state);
        }
        live += added.size();
        ring.addAll(added);
        for (NodeState state : added) {
            emit(new ClusterEvent.MemberJoined(state.snapshot()));
        }
    }

    /** Stops every timer and ignores further traffic. Does not close the transport. */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        running = false;
        for (Cancellable c : List.of(probeTimer, gossipTimer, pushPullTimer, reconnectTimer, reapTimer, leaveTimer)) {
            c.cancel();
        }
        for (AckWaiter w : new ArrayList<>(ackWaiters.values())) {
            w.cancelTimers();
        }
        ackWaiters.clear();
        for (NodeState n : order) {
            n.clearSuspicion();
        }
        broadcasts.clear();
        stats.queuedBroadcasts(0);
        if (leaveFuture != null && !leaveFuture.isDone()) {
            leaveFuture.complete(null);
        }
    }

    /** True once {@link #stop()} ran. */
    public boolean isStopped() {
        return stopped;
    }

    /**
     * Announces a graceful leave and completes when the announcement has been sent out as many times as a
     * broadcast is (or after {@code leaveTimeout}); then stops the engine.
     */
    public CompletableFuture<Void> leave() {
        if (leaveFuture != null) {
            return leaveFuture;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        leaveFuture = done;
        if (stopped) {
            done.complete(null);
            return done;
        }
        leaving = true;
        self.setStatus(MemberStatus.LEFT, now());
        publish(self);
        Dead leave = new Dead(self.incarnation, name, name);
        Runnable finish = () -> {
            if (!done.isDone()) {
                done.complete(null);
                stop();
            }
        };
        queueBroadcast(memberKey(name), Codec.encodeFrame(leave), () -> scheduler.execute(finish));
        if (live <= 1) {
            scheduler.execute(finish);
        } else {
            leaveTimer = scheduler.schedule(nanos(config.leaveTimeout()), finish);
            // Push the announcement out now instead of waiting for the next gossip tick.
            gossipRound();
        }
        return done;
    }

    // ------------------------------------------------------------------------------------------------
    // Public view (any thread)

    /** An immutable snapshot of every known member, self included. Safe from any thread. */
    public List<Member> members() {
        List<Member> out = new ArrayList<>(nodes.size());
        for (NodeState n : nodes.values()) {
            out.add(n.snapshot());
        }
        return List.copyOf(out);
    }

    /**
     * Every known member, self included, in the order this node learnt of them (itself first). Protocol thread
     * only: taken there, it is exactly the state the events emitted so far describe.
     */
    public List<Member> membersInOrder() {
        List<Member> out = new ArrayList<>(order.size());
        for (NodeState n : order) {
            out.add(n.snapshot());
        }
        return out;
    }

    /** One member by name, if known. Safe from any thread. */
    public Member member(String memberName) {
        NodeState n = nodes.get(memberName);
        return n == null ? null : n.snapshot();
    }

    /** This node's name. */
    public String name() {
        return name;
    }

    /** The current Lifeguard health score (0 is healthy). Safe from any thread. */
    public int healthScore() {
        return healthScore;
    }

    // ------------------------------------------------------------------------------------------------
    // Commands (protocol thread)

    /**
     * Replaces this node's tags and tells the cluster.
     *
     * @throws IllegalArgumentException when the encoded tags exceed {@code maxTagsBytes}
     */
    public void updateTags(Map<String, String> tags) {
        if (leaving || stopped) {
            throw new IllegalStateException("node " + name + " has left or stopped; its tags can no longer change");
        }
        checkTags(tags, config.maxTagsBytes());
        self.incarnation++;
        publish(self, self.address(), interner.tags(tags));
        broadcastAlive(self);
        emit(new ClusterEvent.MemberUpdated(self.snapshot()));
    }

    /**
     * Exchanges full state with the node at {@code address} (a join, when {@code join} is set). Completes
     * with nothing once the remote state is merged; fails when the peer cannot be reached.
     */
    public CompletableFuture<Void> pushPull(InetSocketAddress address, boolean join) {
        return pushPull(address, join, join);
    }

    /**
     * As {@link #pushPull(InetSocketAddress, boolean)}; {@code skipPastEvents} tells the layer above whether
     * this exchange should skip the events the cluster had before it (a fresh join), or not (a rejoin from a
     * snapshot, which catches up from where it stopped).
     */
    public CompletableFuture<Void> pushPull(InetSocketAddress address, boolean join, boolean skipPastEvents) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (stopped) {
            result.completeExceptionally(new IllegalStateException("node is stopped"));
            return result;
        }
        byte[] request = Codec.encodePacket(new PushPull(join, localState(), localSerfState(join)));
        stats.record(Stats.Counter.PUSH_PULLS_INITIATED);
        transport.request(address, ByteBuffer.wrap(request), nanos(config.streamTimeout()),
                new Transport.Reply() {
                    @Override
                    public void onReply(ByteBuffer frame) {
                        try {
                            Message m = Codec.readSingle(frame);
                            if (!(m instanceof PushPull pp)) {
                                stats.recordDrop(DropReason.UNEXPECTED);
                                result.completeExceptionally(new java.io.IOException(
                                        "peer answered a push-pull with " + m.type()));
                                return;
                            }
                            mergeRemoteState(pp.members());
                            if (delegate != null) {
                                delegate.mergeRemoteState(pp.serf(), skipPastEvents);
                            }
                            result.complete(null);
                        } catch (DecodeException e) {
                            stats.recordDrop(e.reason());
                            result.completeExceptionally(new java.io.IOException(
                                    "peer sent an unreadable state: " + e.getMessage(), e));
                        }
                    }

                    @Override
                    public void onFailure(Exception cause) {
                        result.completeExceptionally(cause);
                    }
                });
        return result;
    }

    /**
     * Turns a failed member into a left one (it announced its leave, but the announcement arrived after the
     * failure was detected). Emits {@link ClusterEvent.MemberLeft}.
     */
    public void markLeft(String member) {
        NodeState state = nodes.get(member);
        if (state == null || state.status != MemberStatus.FAILED) {
            return;
        }
        state.setStatus(MemberStatus.LEFT, now());
        publish(state);
        emit(new ClusterEvent.MemberLeft(state.snapshot()));
    }

    /** Members alive or suspect, self included. */
    public int liveCount() {
        return live;
    }

    /** Addresses of up to {@code k} random live members other than this node and those in {@code exclude}. */
    public List<InetSocketAddress> randomLiveAddresses(int k, java.util.Set<String> exclude) {
        List<InetSocketAddress> out = new ArrayList<>(k);
        for (NodeState n : ring.random(k, n -> n.status == MemberStatus.ALIVE && !exclude.contains(n.name()))) {
            out.add(n.address());
        }
        return out;
    }

    /** The address this node advertises. */
    public InetSocketAddress advertise() {
        return advertise;
    }

    /** True once {@link #leave()} was called. */
    public boolean isLeaving() {
        return leaving;
    }

    /**
     * Sends one message in its own datagram. Nothing is piggybacked: these go to fixed destinations (a
     * query's asker, a relay), and spending broadcasts' transmissions on them would starve the random
     * spread that gossip depends on (measured: a 40-member query with acks and two relays left 2 members
     * unreached at 10 % loss when its answers carried broadcasts, none without).
     */
    public void sendMessage(InetSocketAddress to, Message message) {
        if (!stopped) {
            send(to, List.of(Codec.encodeFrame(message)));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Probing

    private void probeTick() {
        if (!running) {
            return;
        }
        // Lifeguard: a node in poor health probes less often, not only with longer timeouts.
        probeTimer = scheduler.schedule(awareness.scale(nanos(config.probeInterval())), this::probeTick);
        if (leaving) {
            return;
        }
        NodeState target = ring.next(NodeState::isUp);
        if (target != null) {
            probe(target);
        }
    }

    private void probe(NodeState target) {
        long interval = awareness.scale(nanos(config.probeInterval()));
        long timeout = awareness.scale(nanos(config.probeTimeout()));
        int s = nextSeq();
        Ping ping = new Ping(s, target.name(), name, advertise);
        AckWaiter w = new AckWaiter(s);
        w.probe = new ProbeRun(target, target.incarnation, now() + interval);
        ackWaiters.put(s, w);
        stats.record(Stats.Counter.PROBES_SENT);
        if (target.status == MemberStatus.SUSPECT) {
            // Lifeguard's buddy system: tell the suspect it is suspected, so it can refute at once.
            sendWithPiggyback(target.address(), ping, new Suspect(target.incarnation, target.name(), name));
        } else {
            sendWithPiggyback(target.address(), ping, null);
        }
        w.timers.add(scheduler.schedule(timeout, () -> directProbeTimedOut(w)));
        w.timers.add(scheduler.schedule(interval, () -> probeFinished(w)));
    }

    private void directProbeTimedOut(AckWaiter w) {
        ProbeRun p = w.probe;
        if (w.acked || stopped) {
            return;
        }
        NodeState target = p.target;
        List<NodeState> helpers = ring.random(config.indirectChecks(),
                n -> n != target && n.status == MemberStatus.ALIVE);
        for (NodeState helper : helpers) {
            IndirectPing req = new IndirectPing(w.seq, target.name(), target.address(), true, name, advertise);
            sendWithPiggyback(helper.address(), req, null);
            stats.record(Stats.Counter.INDIRECT_PROBES_SENT);
        }
        p.expectedNacks = helpers.size();
        if (config.fallbackStreamPing()) {
            long remaining = Math.max(1, p.deadline - now());
            byte[] ping = Codec.encodePacket(new Ping(w.seq, target.name(), name, advertise));
            transport.request(target.address(), ByteBuffer.wrap(ping), remaining, new Transport.Reply() {
                @Override
                public void onReply(ByteBuffer frame) {
                    try {
                        // Only while the probe is still open: a late answer must not undo its verdict.
                        if (Codec.readSingle(frame) instanceof Ack ack && ack.seq() == w.seq
                                && ackWaiters.get(w.seq) == w) {
                            stats.record(Stats.Counter.ACKS_RECEIVED);
                            onAckFor(w);
                        }
                    } catch (DecodeException e) {
                        stats.recordDrop(e.reason());
                    }
                }

                @Override
                public void onFailure(Exception cause) {
                    // A failed fallback probe is just one more missing ack.
                }
            });
        }
    }

    private void probeFinished(AckWaiter w) {
        ackWaiters.remove(w.seq);
        w.cancelTimers();
        if (w.acked || stopped) {
            return;
        }
        ProbeRun p = w.probe;
        // Lifeguard: each nack we expected but did not get hints that our own link is the sick one.
        int delta = p.expectedNacks > 0 ? p.expectedNacks - p.nacks : 1;
        applyHealth(delta);
        NodeState target = p.target;
        if (target.isUp() && target.incarnation == p.incarnation) {
            LOG.debug("{}: no ack from {} ({} nacks of {}), suspecting", name, target.name(), p.nacks,
                    p.expectedNacks);
            stats.record(Stats.Counter.SUSPICIONS_RAISED);
            onSuspect(new Suspect(target.incarnation, target.name(), name));
        }
    }

    private void onAckFor(AckWaiter w) {
        if (w.acked) {
            return;
        }
        w.acked = true;
        if (w.probe != null) {
            applyHealth(-1);
            ackWaiters.remove(w.seq);
            w.cancelTimers();
        } else if (w.relay != null) {
            w.relay.run();
            ackWaiters.remove(w.seq);
            w.cancelTimers();
        }
    }

    private void onPing(Ping ping, InetSocketAddress from) {
        if (!ping.target().isEmpty() && !ping.target().equals(name)) {
            stats.recordDrop(DropReason.MISADDRESSED);
            return;
        }
        sendWithPiggyback(replyAddress(ping.source(), from), new Ack(ping.seq()), null);
    }

    private void onIndirectPing(IndirectPing req, InetSocketAddress from) {
        InetSocketAddress requester = replyAddress(req.source(), from);
        int s = nextSeq();
        AckWaiter w = new AckWaiter(s);
        w.relay = () -> {
            sendWithPiggyback(requester, new Ack(req.seq()), null);
            stats.record(Stats.Counter.INDIRECT_PROBES_ANSWERED);
        };
        ackWaiters.put(s, w);
        sendWithPiggyback(req.targetAddress(), new Ping(s, req.target(), name, advertise), null);
        w.timers.add(scheduler.schedule(nackDelay(), () -> {
            ackWaiters.remove(s);
            if (!w.acked && req.nack() && !stopped) {
                sendWithPiggyback(requester, new Nack(req.seq()), null);
                stats.record(Stats.Counter.INDIRECT_PROBES_ANSWERED);
            }
        }));
    }

    /**
     * When a helper gives up on a relayed probe and sends its nack. The asker sent the indirect probe after
     * its probe timeout and closes the probe at its probe interval, so the nack must leave well inside what
     * remains: 80 % of the smaller of the two spans, and not scaled by our own health (a nack that arrives
     * after the asker closed its probe would wrongly tell it that its own link is sick).
     */
    private long nackDelay() {
        long timeout = nanos(config.probeTimeout());
        long rest = nanos(config.probeInterval()) - timeout;
        return Math.max(1, Math.min(timeout, rest) * 4 / 5);
    }

    private void onAck(Ack ack) {
        stats.record(Stats.Counter.ACKS_RECEIVED);
        AckWaiter w = ackWaiters.get(ack.seq());
        if (w != null) {
            onAckFor(w);
        }
    }

    private void onNack(Nack nack) {
        stats.record(Stats.Counter.NACKS_RECEIVED);
        AckWaiter w = ackWaiters.get(nack.seq());
        if (w != null && w.probe != null) {
            w.probe.nacks++;
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Merge rules

    /**
     * Incarnations grow by one per refutation or tag change: a jump this large is no member's doing. Believing
     * one would let a single forged packet push a member past what it can refute (plaintext clusters are
     * unauthenticated).
     */
    private static final long MAX_INCARNATION_JUMP = 1L << 32;

    private boolean implausible(long incarnation, NodeState state) {
        if (state != null && incarnation - state.incarnation > MAX_INCARNATION_JUMP) {
            stats.recordDrop(DropReason.MALFORMED);
            return true;
        }
        return false;
    }

    /** Applies an alive message: a new member, a refutation, or a tag/address change. */
    void onAlive(Alive a) {
        if (stopped || implausible(a.incarnation(), nodes.get(a.node()))) {
            return;
        }
        boolean isSelf = a.node().equals(name);
        if (isSelf) {
            if (leaving) {
                return;
            }
            if (!a.address().equals(self.address())) {
                // Another node claims our name: not a refutation matter (that would be an incarnation war).
                LOG.warn("{}: another node at {} claims this node's name", name, a.address());
                if (delegate != null) {
                    delegate.onConflict(self.snapshot(), a.address());
                }
                return;
            }
            boolean sameData = a.address().equals(self.address()) && a.tags().equals(self.tags());
            if (a.incarnation() < self.incarnation || (a.incarnation() == self.incarnation && sameData)) {
                return;
            }
            // Someone holds a newer or different version of us (a previous run of this node): outbid it.
            refute(a.incarnation());
            return;
        }
        NodeState state = nodes.get(a.node());
        boolean isNew = state == null;
        if ((isNew || a.incarnation() > state.incarnation) && Codec.tagsSize(a.tags()) > config.maxTagsBytes()) {
            stats.recordDrop(DropReason.OVERSIZED);
            return;
        }
        if (isNew) {
            state = newAliveState(a.node(), a.address(), a.tags(), a.incarnation(), now());
            add(state);
            ring.add(state);
            live++;
            broadcastAlive(state);
            publish(state);
            emit(new ClusterEvent.MemberJoined(state.snapshot()));
            return;
        }
        boolean addressChanged = !a.address().equals(state.address());
        if (addressChanged && state.isUp()) {
            // Two live nodes claim one name; keep the one we know (the claimed node resolves it).
            LOG.warn("{}: name conflict for {}: known at {}, now claimed by {}", name, a.node(), state.address(),
                    a.address());
            if (delegate != null) {
                delegate.onConflict(state.snapshot(), a.address());
            }
            return;
        }
        boolean reclaim = addressChanged && state.isGone()
                && now() - state.statusSince >= nanos(config.deadNodeReclaimTime());
        if (addressChanged && !reclaim) {
            LOG.debug("{}: {} claimed from {} but its name is not reclaimable yet", name, a.node(), a.address());
            return;
        }
        if (a.incarnation() <= state.incarnation && !reclaim) {
            return;
        }
        boolean wasGone = state.isGone();
        boolean changed = addressChanged || !a.tags().equals(state.tags());
        InetSocketAddress address = addressChanged ? interner.address(a.address()) : state.address();
        Map<String, String> tags = changed ? interner.tags(a.tags()) : state.tags();
        state.clearSuspicion();
        state.incarnation = a.incarnation();
        if (wasGone) {
            live++;
            gone.remove(state);
            ring.add(state);
        }
        state.setStatus(MemberStatus.ALIVE, now());
        // Published first: the announcement carries the new address and tags.
        publish(state, address, tags);
        broadcastAlive(state);
        if (wasGone) {
            emit(new ClusterEvent.MemberJoined(state.snapshot()));
        } else if (changed) {
            emit(new ClusterEvent.MemberUpdated(state.snapshot()));
        }
    }

    /** Applies a suspicion: starts or confirms the dogpile timer, or refutes it when it is about us. */
    void onSuspect(Suspect s) {
        if (stopped || implausible(s.incarnation(), nodes.get(s.node()))) {
            return;
        }
        NodeState state = nodes.get(s.node());
        if (state == null || s.incarnation() < state.incarnation) {
            return;
        }
        if (state.suspicion != null) {
            if (s.incarnation() == state.incarnation) {
                if (state.suspicion.confirm(s.from())) {
                    // Pass new confirmations on, so others' timers shrink too.
                    queueBroadcast(memberKey(s.node()), Codec.encodeFrame(s), null);
                }
                return;
            }
            // A suspicion of a newer incarnation: start over at it, or the old timer would declare the member
            // dead at an incarnation it has already refuted.
            state.clearSuspicion();
            state.setStatus(MemberStatus.ALIVE, now());
        }
        if (state.status != MemberStatus.ALIVE) {
            return;
        }
        if (state == self) {
            if (!leaving) {
                stats.record(Stats.Counter.SUSPICIONS_REFUTED);
                refute(s.incarnation());
            }
            return;
        }
        queueBroadcast(memberKey(s.node()), Codec.encodeFrame(s), null);
        state.incarnation = s.incarnation();
        state.setStatus(MemberStatus.SUSPECT, now());
        int n = live;
        long probe = nanos(config.probeInterval());
        long min = Suspicion.minTimeoutNanos(config.suspicionMult(), n, probe);
        long max = min * config.suspicionMaxTimeoutMult();
        int k = Suspicion.confirmationsWanted(config.suspicionMult(), n);
        NodeState suspect = state;
        long inc = s.incarnation();
        state.suspicion = new Suspicion(s.from(), k, min, max, scheduler, () -> {
            if (suspect.status == MemberStatus.SUSPECT && suspect.incarnation == inc
                    && nodes.get(suspect.name()) == suspect) {
                if (k > 0 && suspect.suspicion != null && suspect.suspicion.confirmations() == 0 && cutOff()) {
                    // No other member confirms it, and every probe of ours fails (our health score is at
                    // its worst): more likely our own links are broken (we cannot send, or cannot hear) than
                    // the member is dead. Hold the suspicion instead of condemning the member on our word
                    // alone; a confirmation, or our own recovery, lets it run out.
                    LOG.debug("{}: holding the suspicion of {}: unconfirmed, and this node's own probes fail",
                            name, suspect.name());
                    stats.record(Stats.Counter.SUSPICIONS_HELD);
                    suspect.suspicion.hold(max);
                    return;
                }
                if (suspect.suspicion != null && suspect.suspicion.held()) {
                    // Held while we were cut off, and we get through again: the accusation may never have left
                    // us, so the member may not know it is suspected. Say it again and give it a full
                    // suspicion period to refute before anyone is declared dead.
                    LOG.debug("{}: resuming the held suspicion of {}: telling it again", name, suspect.name());
                    suspect.suspicion.restart(name);
                    queueBroadcast(memberKey(suspect.name()), Codec.encodeFrame(new Suspect(inc, suspect.name(), name)),
                            null);
                    return;
                }
                LOG.debug("{}: suspicion of {} expired, declaring it failed", name, suspect.name());
                onDead(new Dead(inc, suspect.name(), name));
            }
        });
        if (s.from().equals(name) && cutOff()) {
            // Our own accusation, made while our probes all fail: it may not leave us. Tell it again once we
            // get through before it may end in a death (see the timeout above).
            state.suspicion.markHeld();
        }
        publish(state);
    }

    /** Applies a death or a leave announcement; refutes when it is a false report about us. */
    void onDead(Dead d) {
        if (stopped || implausible(d.incarnation(), nodes.get(d.node()))) {
            return;
        }
        NodeState state = nodes.get(d.node());
        if (state == null || d.incarnation() < state.incarnation) {
            return;
        }
        if (state == self) {
            if (!leaving) {
                stats.record(Stats.Counter.SUSPICIONS_REFUTED);
                refute(d.incarnation());
            }
            return;
        }
        if (state.isGone()) {
            // Already failed: a later leave announcement still upgrades "failed" to "left".
            if (!(d.isLeave() && state.status == MemberStatus.FAILED && d.incarnation() >= state.incarnation)) {
                return;
            }
        } else {
            live--;
            ring.remove(state);
            gone.add(state);
        }
        state.clearSuspicion();
        queueBroadcast(memberKey(d.node()), Codec.encodeFrame(d), null);
        state.incarnation = d.incarnation();
        boolean left = d.isLeave() || (delegate != null && delegate.announcedLeave(d.node()));
        MemberStatus status = left ? MemberStatus.LEFT : MemberStatus.FAILED;
        state.setStatus(status, now());
        publish(state);
        emit(status == MemberStatus.LEFT ? new ClusterEvent.MemberLeft(state.snapshot())
                : new ClusterEvent.MemberFailed(state.snapshot()));
    }

    private void refute(long accused) {
        self.incarnation = Math.max(self.incarnation, accused) + 1;
        applyHealth(1);
        publish(self);
        broadcastAlive(self);
    }

    private void broadcastAlive(NodeState n) {
        queueBroadcast(memberKey(n.name()),
                Codec.encodeFrame(new Alive(n.incarnation, n.name(), n.address(), n.tags())), null);
    }

    // ------------------------------------------------------------------------------------------------
    // Gossip and anti-entropy

    /**
     * Queues a broadcast (an encoded frame; a newer one with the same non-null key replaces it) and makes
     * sure a gossip round is coming. Gossip rounds run only while something waits to be spread: an idle node
     * does not wake up five times a second for nothing. A broadcast reaching a node that has not gossiped for a
     * whole interval goes out at once (after whatever else the node is handling now, so one incoming packet's
     * news leaves together) instead of waiting for a ticker: each hop of an epidemic then costs a network
     * latency, not the half interval a free-running ticker costs on average (memberlist's). Rounds never come
     * closer than {@code gossipInterval}, so the packet rate is the same. The frame is read, never written,
     * from here on, and may be shared with other nodes of the runtime: do not change it.
     */
    public void queueBroadcast(String key, byte[] frame, Runnable onDone) {
        // Shared with the runtime's other nodes: they queue the same keys and, relaying, the same bytes.
        broadcasts.add(key == null ? null : interner.string(key), interner.bytes(frame), onDone);
        stats.queuedBroadcasts(broadcasts.size());
        if (!gossipArmed && running) {
            gossipArmed = true;
            long interval = nanos(config.gossipInterval());
            long delay = lastGossipRound == Long.MIN_VALUE ? 0 : Math.max(0, lastGossipRound + interval - now());
            gossipTimer = scheduler.schedule(delay, this::gossipTick);
        }
    }

    private void gossipTick() {
        gossipArmed = false;
        if (!running) {
            return;
        }
        lastGossipRound = now();
        gossipRound();
        if (!broadcasts.isEmpty()) {
            gossipArmed = true;
            gossipTimer = scheduler.schedule(nanos(config.gossipInterval()), this::gossipTick);
        }
    }

    /** Sends pending broadcasts to {@code gossipNodes} random members, recently failed ones included. */
    private void gossipRound() {
        if (broadcasts.isEmpty()) {
            return;
        }
        List<NodeState> targets = ring.random(config.gossipNodes(), NodeState::isUp);
        List<NodeState> recentlyFailed = recentlyFailed();
        if (!recentlyFailed.isEmpty()) {
            // memberlist gossips to the recently dead too, so a member wrongly declared dead hears it and
            // refutes; pick them in proportion to their number.
            int total = ring.size() + recentlyFailed.size();
            for (int i = 0; i < config.gossipNodes(); i++) {
                if (random.nextInt(total) < recentlyFailed.size()) {
                    NodeState dead = recentlyFailed.get(random.nextInt(recentlyFailed.size()));
                    if (!targets.contains(dead)) {
                        if (targets.size() >= config.gossipNodes()) {
                            targets.set(i % targets.size(), dead);
                        } else {
                            targets.add(dead);
                        }
                    }
                }
            }
        }
        for (NodeState t : targets) {
            List<byte[]> frames = broadcasts.take(config.packetSize() - Codec.compoundHeaderSize(), MAX_FRAMES,
                    retransmitLimit(), Codec::compoundEntryOverhead);
            stats.queuedBroadcasts(broadcasts.size());
            if (frames.isEmpty()) {
                return;
            }
            send(t.address(), frames);
        }
    }

    private List<NodeState> recentlyFailed() {
        if (gone.isEmpty()) {
            return List.of();
        }
        long now = now();
        long window = nanos(config.gossipToTheDeadTime());
        List<NodeState> out = new ArrayList<>();
        for (NodeState n : gone) {
            if (n.status == MemberStatus.FAILED && now - n.statusSince <= window) {
                out.add(n);
            }
        }
        return out;
    }

    private void pushPullTick() {
        if (!running) {
            return;
        }
        pushPullTimer = scheduler.schedule(pushPullDelay(), this::pushPullTick);
        if (leaving) {
            return;
        }
        List<NodeState> peer = ring.random(1, n -> n.status == MemberStatus.ALIVE);
        if (!peer.isEmpty()) {
            pushPull(peer.get(0).address(), false).exceptionally(e -> {
                LOG.debug("{}: push-pull with {} failed: {}", name, peer.get(0).name(), e.toString());
                return null;
            });
        }
    }

    private long pushPullDelay() {
        return pushPullScale(nanos(config.pushPullInterval()), live);
    }

    /**
     * memberlist's push-pull scaling: the interval grows with log2 of the cluster beyond 32 members, so the
     * total state traffic of a large cluster stays bounded.
     */
    public static long pushPullScale(long intervalNanos, int n) {
        if (n <= 32) {
            return intervalNanos;
        }
        double multiplier = Math.ceil(Math.log(n) / Math.log(2) - Math.log(32) / Math.log(2)) + 1.0;
        return (long) (intervalNanos * multiplier);
    }

    private void reconnectTick() {
        if (!running) {
            return;
        }
        reconnectTimer = scheduler.schedule(nanos(config.reconnectInterval()), this::reconnectTick);
        if (leaving) {
            return;
        }
        List<NodeState> failed = new ArrayList<>();
        for (NodeState n : gone) {
            if (n.status == MemberStatus.FAILED) {
                failed.add(n);
            }
        }
        if (failed.isEmpty()) {
            return;
        }
        // Serf's rule: try with probability failed/alive, so a large healthy cluster does not hammer one
        // dead member, while a halved one reconnects on nearly every tick.
        double p = (double) failed.size() / Math.max(1, live);
        if (random.nextDouble() > p) {
            return;
        }
        NodeState target = failed.get(random.nextInt(failed.size()));
        LOG.debug("{}: trying to reconnect to failed member {}", name, target.name());
        pushPull(target.address(), true).exceptionally(e -> null);
    }

    private void reapTick() {
        if (!running) {
            return;
        }
        reapTimer = scheduler.schedule(nanos(config.reapInterval()), this::reapTick);
        long now = now();
        List<NodeState> reaped = new ArrayList<>();
        for (NodeState n : gone) {
            long limit = n.status == MemberStatus.FAILED ? nanos(config.reconnectTimeout())
                    : n.status == MemberStatus.LEFT ? nanos(config.tombstoneTimeout()) : Long.MAX_VALUE;
            if (n != self && now - n.statusSince > limit) {
                reaped.add(n);
            }
        }
        if (reaped.isEmpty()) {
            return;
        }
        // One pass over each list for the whole batch (removing one by one would be quadratic in a mass reap).
        java.util.Set<NodeState> batch = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        batch.addAll(reaped);
        order.removeIf(batch::contains);
        gone.removeIf(batch::contains);
        for (NodeState n : reaped) {
            forget(n);
        }
    }

    /**
     * Forgets a failed or left member at once, as the reaper does at the end of its timeout (force-leave with
     * prune). Emits {@link ClusterEvent.MemberReaped}. Protocol thread.
     *
     * @return true when the member was failed or left and is now forgotten; false when it is unknown, this
     *         node, or up (alive or suspect)
     */
    public boolean reap(String member) {
        NodeState n = nodes.get(member);
        if (n == null || n == self || !n.isGone()) {
            return false;
        }
        order.remove(n);
        gone.remove(n);
        forget(n);
        return true;
    }

    /** The last step of a reap, once {@code n} is out of {@link #order} and {@link #gone}. */
    private void forget(NodeState n) {
        nodes.remove(n.name());
        viewDigest ^= memberHash(n.snapshot());
        emit(new ClusterEvent.MemberReaped(n.snapshot()));
    }

    private List<MemberState> localState() {
        List<MemberState> out = new ArrayList<>(order.size());
        for (NodeState n : order) {
            WireState ws = switch (n.status) {
                case ALIVE -> WireState.ALIVE;
                case SUSPECT -> WireState.SUSPECT;
                case FAILED -> WireState.DEAD;
                case LEFT -> WireState.LEFT;
            };
            out.add(new MemberState(n.name(), n.address(), n.tags(), n.incarnation, ws));
        }
        return out;
    }

    private Message.SerfState localSerfState(boolean join) {
        return delegate == null ? Message.SerfState.EMPTY : delegate.localState(join);
    }

    private void mergeRemoteState(List<MemberState> remote) {
        for (MemberState r : remote) {
            switch (r.state()) {
                case ALIVE -> onAlive(new Alive(r.incarnation(), r.name(), r.address(), r.tags()));
                case LEFT -> onDead(new Dead(r.incarnation(), r.name(), r.name()));
                // A remote "dead" is only a suspicion here: we give the member a chance to refute.
                case DEAD, SUSPECT -> onSuspect(new Suspect(r.incarnation(), r.name(), name));
            }
        }
    }

    /**
     * A quiet peer's view digest differs from ours while we are quiet too: the views have diverged for good
     * (a broadcast that never reached one of us), not merely in flight. Likewise when its event clock is
     * ahead of ours: it has delivered events that never reached us. Repair it now with a push-pull
     * rather than at the next periodic exchange, at most once per five probe intervals.
     */
    private void onViewDigest(Message.ViewDigest v, InetSocketAddress from) {
        boolean eventsBehind = delegate != null && v.eventClock() > delegate.eventClock();
        if (!running || leaving || (v.digest() == viewDigest && !eventsBehind) || !broadcasts.isEmpty()) {
            return;
        }
        long now = now();
        if (now < nextDigestSync) {
            return;
        }
        nextDigestSync = now + 5 * nanos(config.probeInterval());
        LOG.debug("{}: view differs from {}'s, repairing with a push-pull", name, from);
        pushPull(from, false).exceptionally(e -> null);
    }

    // ------------------------------------------------------------------------------------------------
    // Inbound

    @Override
    public void onDatagram(InetSocketAddress from, ByteBuffer datagram) {
        if (stopped) {
            return;
        }
        try {
            int unknown = Codec.readPacket(datagram, false, m -> handle(m, from));
            for (int i = 0; i < unknown; i++) {
                stats.recordDrop(DropReason.UNKNOWN_TYPE);
            }
        } catch (DecodeException e) {
            stats.recordDrop(e.reason());
        } catch (RuntimeException | StackOverflowError e) {
            // A well-formed message that still broke a handler: a bug or a hostile corner case. Drop it,
            // count it, keep the node running.
            stats.recordDrop(DropReason.MALFORMED);
            LOG.warn("{}: dropped a datagram from {} that failed in its handler: {}", name, from, e.toString());
        }
    }

    @Override
    public ByteBuffer onRequest(InetSocketAddress from, ByteBuffer request) {
        if (stopped) {
            return null;
        }
        Message m;
        try {
            m = Codec.readSingle(request);
        } catch (DecodeException e) {
            stats.recordDrop(e.reason());
            return null;
        }
        if (m instanceof PushPull pp) {
            if (pp.members().isEmpty()) {
                stats.recordDrop(DropReason.MALFORMED);
                return null;
            }
            stats.record(Stats.Counter.PUSH_PULLS_ACCEPTED);
            ByteBuffer reply = ByteBuffer.wrap(Codec.encodePacket(new PushPull(false, localState(),
                    localSerfState(false))));
            mergeRemoteState(pp.members());
            if (delegate != null) {
                delegate.mergeRemoteState(pp.serf(), false);
            }
            return reply;
        }
        if (m instanceof Ping ping) {
            if (!ping.target().isEmpty() && !ping.target().equals(name)) {
                stats.recordDrop(DropReason.MISADDRESSED);
                return null;
            }
            return ByteBuffer.wrap(Codec.encodePacket(new Ack(ping.seq())));
        }
        stats.recordDrop(DropReason.UNEXPECTED);
        return null;
    }

    private void handle(Message m, InetSocketAddress from) {
        if (m instanceof Ping p) {
            onPing(p, from);
        } else if (m instanceof IndirectPing p) {
            onIndirectPing(p, from);
        } else if (m instanceof Ack a) {
            onAck(a);
        } else if (m instanceof Nack n) {
            onNack(n);
        } else if (m instanceof Alive a) {
            onAlive(a);
        } else if (m instanceof Suspect s) {
            onSuspect(s);
        } else if (m instanceof Dead d) {
            onDead(d);
        } else if (m instanceof Message.ViewDigest v) {
            onViewDigest(v, from);
        } else if (delegate != null && !(m instanceof PushPull)) {
            delegate.onMessage(m, from);
        } else {
            stats.recordDrop(DropReason.UNEXPECTED);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Sending

    /** Sends {@code first} (and {@code second}, if any) with as many pending broadcasts as fit. */
    private void sendWithPiggyback(InetSocketAddress to, Message first, Message second) {
        List<byte[]> frames = new ArrayList<>(4);
        frames.add(Codec.encodeFrame(first));
        if (second != null) {
            frames.add(Codec.encodeFrame(second));
        }
        if (broadcasts.isEmpty() && (first instanceof Ping || first instanceof Ack) && running) {
            // Nothing left to spread: let the peer compare views (see onViewDigest).
            frames.add(Codec.encodeFrame(new Message.ViewDigest(viewDigest,
                    delegate == null ? 0 : delegate.eventClock())));
        }
        int used = Codec.compoundHeaderSize();
        for (byte[] f : frames) {
            used += f.length + Codec.compoundEntryOverhead(f.length);
        }
        if (!broadcasts.isEmpty()) {
            frames.addAll(broadcasts.take(config.packetSize() - used, MAX_FRAMES - frames.size(),
                    retransmitLimit(), Codec::compoundEntryOverhead));
            stats.queuedBroadcasts(broadcasts.size());
        }
        send(to, frames);
    }

    private void send(InetSocketAddress to, List<byte[]> frames) {
        sendBuffer.clear();
        Codec.writePacket(frames, sendBuffer);
        sendBuffer.flip();
        transport.sendDatagram(to, sendBuffer);
    }

    private int retransmitLimit() {
        return BroadcastQueue.retransmitLimit(config.retransmitMult(), live);
    }

    // ------------------------------------------------------------------------------------------------
    // Helpers

    /** Broadcast key of membership news about a member (other layers use other prefixes). */
    private static String memberKey(String member) {
        return "m:" + member;
    }

    /** True while this node's Lifeguard health score is at its worst: every probe of its own has been failing. */
    private boolean cutOff() {
        return awareness.score() >= config.awarenessMaxMultiplier() - 1;
    }

    private void applyHealth(int delta) {
        awareness.applyDelta(delta);
        healthScore = awareness.score();
    }

    private long randomStagger(long period) {
        return 1 + (long) (random.nextDouble() * period);
    }

    private int nextSeq() {
        return ++seq;
    }

    private long now() {
        return scheduler.nanoTime();
    }

    /** The state of a member first learned alive, its name, address and tags made canonical. */
    private NodeState newAliveState(String member, InetSocketAddress address, Map<String, String> tags,
                                    long incarnation, long since) {
        return new NodeState(interner.member(new Member(interner.string(member), interner.address(address),
                interner.tags(tags), MemberStatus.ALIVE, incarnation)), since);
    }

    /** Adds a new member (its digest share counts from now on). */
    private void add(NodeState n) {
        nodes.put(n.name(), n);
        order.add(n);
        viewDigest ^= memberHash(n.snapshot());
    }

    /** Publishes a member's current status and incarnation, its address and tags unchanged. */
    private void publish(NodeState n) {
        publish(n, n.address(), n.tags());
    }

    /** Publishes a member with {@code address} and {@code tags}, keeping the view digest up to date. */
    private void publish(NodeState n, InetSocketAddress address, Map<String, String> tags) {
        Member before = n.snapshot();
        Member after = interner.member(n.current(address, tags));
        n.publish(after);
        if (nodes.get(after.name()) == n) {
            viewDigest ^= memberHash(before) ^ memberHash(after);
        }
    }

    /** A 64-bit hash of what two views must agree on about a member: name, incarnation, status. */
    static long memberHash(Member m) {
        long h = m.name().hashCode() * 0x9E3779B97F4A7C15L;
        h ^= (m.incarnation() + 1) * 0xC2B2AE3D27D4EB4FL;
        h ^= (m.status().ordinal() + 1L) * 0x165667B19E3779F9L;
        // fmix64 from MurmurHash3: spreads every input bit over the whole word.
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** The digest of this node's member view (protocol thread). */
    public long viewDigest() {
        return viewDigest;
    }

    private void emit(ClusterEvent e) {
        events.accept(e);
    }

    private static InetSocketAddress replyAddress(InetSocketAddress claimed, InetSocketAddress from) {
        return claimed != null ? claimed : from;
    }

    private static long nanos(java.time.Duration d) {
        return d.toNanos();
    }

    /**
     * Checks a tag map against the size limit.
     *
     * @throws IllegalArgumentException naming the size and the limit
     */
    public static void checkTags(Map<String, String> tags, int maxBytes) {
        for (Map.Entry<String, String> e : tags.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null) {
                throw new IllegalArgumentException("tags: keys must be non-empty and values non-null, got "
                        + e.getKey() + "=" + e.getValue());
            }
        }
        int size = Codec.tagsSize(tags);
        if (size > maxBytes) {
            throw new IllegalArgumentException("tags: encoded size " + size + " bytes exceeds maxTagsBytes "
                    + maxBytes);
        }
    }

    /** An outstanding ping: either one of our probes, or one we relay for another node. */
    private static final class AckWaiter {
        final int seq;
        final List<Cancellable> timers = new ArrayList<>(2);
        ProbeRun probe;
        Runnable relay;
        boolean acked;

        AckWaiter(int seq) {
            this.seq = seq;
        }

        void cancelTimers() {
            timers.forEach(Cancellable::cancel);
            timers.clear();
        }
    }

    /** Book-keeping of one probe of ours. */
    private static final class ProbeRun {
        final NodeState target;
        final long incarnation;
        int expectedNacks;
        int nacks;

        /** When the probe closes, on the protocol clock. */
        final long deadline;

        ProbeRun(NodeState target, long incarnation, long deadline) {
            this.target = target;
            this.incarnation = incarnation;
            this.deadline = deadline;
        }
    }
}
