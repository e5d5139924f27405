package dev.grapevine.benchmarks;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.sim.SimulatedNetwork;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A converged cluster of full {@link GossipNode}s on a {@link SimulatedNetwork}, for the convergence
 * benchmarks: built once, then probed many times (join a fresh node, send an event, crash a node), each time
 * running virtual time until every node has seen the change.
 *
 * <p>Seeing is counted, not polled: one listener shared by all nodes counts the {@code MemberJoined} and
 * {@code MemberFailed} events about the one member being watched and the deliveries of the one user event
 * being watched, so the "everyone knows" condition costs O(1) however large the cluster. Listeners run inline
 * on the simulation thread, so the counters need no synchronisation.
 *
 * <p>Addresses are 127.9.x.y (never bound: the network is simulated). Single-threaded, like the simulator.
 */
public final class SimulatedCluster implements AutoCloseable {

    /**
     * Heap one node keeps per member it knows once a cluster built by joins ({@link #build}) has converged
     * and settled, measured with {@link EmbeddedCost} {@code sim} (simulator included): 142 B at 1,000 nodes
     * (452 B before the runtime's interner, the shared member snapshots and the compact member and queue
     * structures). Grows as N squared.
     */
    public static final long HEAP_PER_MEMBER_VIEW = 142;

    /**
     * The same for a warm-started cluster ({@link #warm}), measured with {@code EmbeddedCost sim N warm}: 101 B
     * at 1,000 nodes, 95 B at 2,000 (and about 89 B at 10,000: 8.3 GiB live in the JMH run). Less than {@link #HEAP_PER_MEMBER_VIEW} by the Serf layer's join intents,
     * which a warm start does not fill (no node has announced a join).
     */
    public static final long HEAP_PER_WARM_MEMBER_VIEW = 101;

    /**
     * Heap per broadcast waiting in a node's queue while the cluster is built: every node queues an
     * announcement and a join intent of each member it learns (a joiner learns them all at once from its
     * push-pull) and sends each many times before it drops it, so during the build each node's queue holds
     * about 2N of them, up to {@link #BROADCAST_QUEUE_CAPACITY}. Measured as the live heap at the sampled
     * peak of the build less the settled heap, over 2N per node: 58 B at 1,000 and 2,000 nodes (the model
     * then predicts 4.4 GiB at 4,000 nodes; 4.3 GiB was measured).
     */
    public static final long HEAP_PER_QUEUED_BROADCAST = 58;

    /** Most broadcasts one node's queue holds (gossip-core's {@code MembershipEngine}). */
    static final int BROADCAST_QUEUE_CAPACITY = 16_384;

    /** How long a build may take to converge, in virtual time, before it is declared stuck. */
    private static final Duration CONVERGE_LIMIT = Duration.ofMinutes(10);

    private final SimulatedNetwork net;
    private final GossipConfig config;
    private final List<GossipNode> live = new ArrayList<>();
    private final Random pick;
    private int nextIndex;

    private String watchedMember = "";
    private String watchedEvent = "";
    private int joinedSeen;
    private int failedSeen;
    private int eventSeen;

    private SimulatedCluster(long seed, GossipConfig config) {
        this.net = new SimulatedNetwork(seed);
        this.config = config;
        this.pick = net.random();
    }

    /**
     * Builds {@code n} nodes, has them join through the first one 10 ms of virtual time apart, and runs until
     * every node sees all {@code n} alive, then 30 s more so that the join gossip has died down.
     *
     * @throws IllegalArgumentException when {@code n < 2}, or when a full-membership cluster of {@code n}
     *                                  cannot fit in this JVM's heap (the message says how much it needs)
     * @throws IllegalStateException    when the cluster does not converge within 10 virtual minutes
     */
    public static SimulatedCluster build(int n, long seed, GossipConfig config) {
        if (n < 2) {
            throw new IllegalArgumentException("n: a cluster needs at least 2 nodes, was " + n);
        }
        checkHeap(n, Runtime.getRuntime().maxMemory(), true);
        SimulatedCluster c = new SimulatedCluster(seed, config);
        GossipNode seedNode = c.start();
        for (int i = 1; i < n; i++) {
            c.start().join(List.of(seedNode.advertiseAddress()));
            c.net.runFor(Duration.ofMillis(10));
        }
        long deadline = c.net.now() + CONVERGE_LIMIT.toNanos();
        while (!c.allSeeAll()) {
            if (c.net.now() > deadline) {
                c.close();
                throw new IllegalStateException(n + " nodes did not converge within " + CONVERGE_LIMIT);
            }
            c.net.runFor(Duration.ofSeconds(1));
        }
        c.net.runFor(Duration.ofSeconds(30));
        return c;
    }

    /**
     * Starts {@code n} nodes that all know each other as alive from the start ({@code GossipNode.Builder}'s
     * {@code assumeAlive}, given the same list of all {@code n}), so nothing is announced about them, then
     * runs 30 s of virtual time (every node has probed about 30 others and gossiped its own start). The
     * cluster is converged from its first instant: O(N) per node instead of the O(N²) messages per join wave
     * of {@link #build}. What is measured on it afterwards (a join, an event, a crash) runs the full protocol.
     *
     * @throws IllegalArgumentException when {@code n < 2}, or when {@code n} full-membership nodes cannot fit
     *                                  in this JVM's heap (the message says how much they need)
     */
    public static SimulatedCluster warm(int n, long seed, GossipConfig config) {
        if (n < 2) {
            throw new IllegalArgumentException("n: a cluster needs at least 2 nodes, was " + n);
        }
        checkHeap(n, Runtime.getRuntime().maxMemory(), false);
        SimulatedCluster c = new SimulatedCluster(seed, config);
        Member[] all = new Member[n];
        for (int i = 0; i < n; i++) {
            all[i] = new Member("n" + i, address(i), Map.of(), MemberStatus.ALIVE, 1);
        }
        List<Member> members = List.of(all);
        for (int i = 0; i < n; i++) {
            c.start(members);
        }
        c.net.runFor(Duration.ofSeconds(30));
        if (!c.allSeeAll()) {
            c.close();
            throw new IllegalStateException(n + " warm-started nodes do not all see each other alive");
        }
        return c;
    }

    /**
     * Fails fast when {@code n} full nodes (each knowing all {@code n}) cannot fit in {@code maxHeap} bytes:
     * {@code n}² member views, and when they are built by joins, {@code n} queues of {@code min(2n, capacity)}
     * broadcasts at the peak of the build.
     *
     * @throws IllegalArgumentException naming the heap needed and the heap available
     */
    static void checkHeap(int n, long maxHeap, boolean byJoins) {
        if (!byJoins) {
            long views = (long) n * n * HEAP_PER_WARM_MEMBER_VIEW;
            if (views > maxHeap) {
                throw new IllegalArgumentException(String.format("n: %d warm-started full-membership nodes need"
                        + " about %.1f GiB of heap for their member views (%d B each, as measured at 1,000 and 2,000"
                        + " nodes); this JVM may use %.1f GiB", n, views / 1073741824.0, HEAP_PER_WARM_MEMBER_VIEW,
                        maxHeap / 1073741824.0));
            }
            return;
        }
        long views = (long) n * n * HEAP_PER_MEMBER_VIEW;
        long queued = (long) n * Math.min(2L * n, BROADCAST_QUEUE_CAPACITY) * HEAP_PER_QUEUED_BROADCAST;
        if (views + queued > maxHeap) {
            throw new IllegalArgumentException(String.format("n: %d full-membership nodes need about %.1f GiB of"
                    + " heap while they are built by joins (%.1f GiB of member views at %d B each, %.1f GiB of"
                    + " queued broadcasts at %d B each, as measured at 1,000 nodes); this JVM may use"
                    + " %.1f GiB", n, (views + queued) / 1073741824.0, views / 1073741824.0, HEAP_PER_MEMBER_VIEW,
                    queued / 1073741824.0, HEAP_PER_QUEUED_BROADCAST, maxHeap / 1073741824.0));
        }
    }

    /** The simulated network (virtual time, loss). */
    public SimulatedNetwork net() {
        return net;
    }

    /** Nodes not crashed, in start order. */
    public List<GossipNode> nodes() {
        return live;
    }

    /** Starts a new node (not joined yet); its events are counted from now on. */
    public GossipNode start() {
        return start(List.of());
    }

    private GossipNode start(List<Member> assumeAlive) {
        int i = nextIndex++;
        InetSocketAddress address = address(i);
        try {
            GossipNode node = GossipNode.builder().name("n" + i).bind(address).config(config).runtime(net)
                    .random(net.newRandom()).listener(this::count).assumeAlive(assumeAlive).start();
            live.add(node);
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A node chosen at random (seeded) among the live ones. */
    public GossipNode randomNode() {
        return live.get(pick.nextInt(live.size()));
    }

    /** Crashes {@code node}: it stops at once, without a word to the others. */
    public void crash(GossipNode node) {
        live.remove(node);
        net.crash(node.advertiseAddress());
    }

    /** Counts from now on the events about {@code member} (joined, failed) that any node emits. */
    public void watchMember(String member) {
        watchedMember = member;
        joinedSeen = 0;
        failedSeen = 0;
    }

    /** Counts from now on the deliveries of user events named {@code name}. */
    public void watchEvent(String name) {
        watchedEvent = name;
        eventSeen = 0;
    }

    /** Nodes that emitted {@code MemberJoined} for the watched member since {@link #watchMember}. */
    public int joinedSeen() {
        return joinedSeen;
    }

    /** Nodes that emitted {@code MemberFailed} for the watched member since {@link #watchMember}. */
    public int failedSeen() {
        return failedSeen;
    }

    /** Nodes that delivered the watched user event since {@link #watchEvent}. */
    public int eventSeen() {
        return eventSeen;
    }

    /**
     * Runs virtual time until {@code seen} reaches {@code target} (checked every 10 ms of virtual time).
     *
     * @return the virtual nanoseconds it took
     * @throws IllegalStateException when {@code max} virtual time passes first (the message says how far it got)
     */
    public long runUntil(java.util.function.IntSupplier seen, int target, Duration max, String what) {
        long t0 = net.now();
        if (!net.runUntil(() -> seen.getAsInt() >= target, max)) {
            throw new IllegalStateException(what + ": only " + seen.getAsInt() + " of " + target + " nodes after "
                    + max + " of virtual time");
        }
        return net.now() - t0;
    }

    private void count(ClusterEvent e) {
        if (e instanceof ClusterEvent.UserEvent u) {
            if (u.name().equals(watchedEvent)) {
                eventSeen++;
            }
        } else if (e instanceof ClusterEvent.MemberJoined j) {
            if (j.member().name().equals(watchedMember)) {
                joinedSeen++;
            }
        } else if (e instanceof ClusterEvent.MemberFailed f && f.member().name().equals(watchedMember)) {
            failedSeen++;
        }
    }

    private boolean allSeeAll() {
        int n = live.size();
        for (GossipNode node : live) {
            if (node.liveMembers().size() < n) {
                return false;
            }
        }
        return true;
    }

    /** 127.9.x.y:7946 for node {@code i} (simulated: nothing is bound). */
    static InetSocketAddress address(int i) {
        try {
            byte[] ip = {127, 9, (byte) (i >> 8), (byte) (i & 0xff)};
            return new InetSocketAddress(InetAddress.getByAddress(ip), 7946);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        net.close();
    }
}
