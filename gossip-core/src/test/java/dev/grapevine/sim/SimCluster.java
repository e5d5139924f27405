package dev.grapevine.sim;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** A cluster of nodes on a {@link SimulatedNetwork}, with the checks the protocol tests share. */
final class SimCluster implements AutoCloseable {

    final SimulatedNetwork net;
    final GossipConfig config;
    final List<GossipNode> nodes = new ArrayList<>();
    /** Every event every node saw, as "observer: event". */
    final List<String> failures = new ArrayList<>();
    final List<ClusterEvent> events = new ArrayList<>();
    /** User events each node delivered, by observer name. */
    final Map<String, List<ClusterEvent.UserEvent>> userEvents = new java.util.HashMap<>();
    /** Answers queries: given the observer's index and the query, what to respond (null: no answer). */
    java.util.function.BiFunction<String, ClusterEvent.Query, byte[]> answer = (n, q) -> null;

    SimCluster(long seed, GossipConfig config) {
        this.net = new SimulatedNetwork(seed);
        this.config = config;
    }

    static InetSocketAddress address(int i) {
        try {
            byte[] ip = {127, 1, (byte) (i >> 8), (byte) (i & 0xff)};
            return new InetSocketAddress(InetAddress.getByAddress(ip), 7946);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static String name(int i) {
        return "node" + i;
    }

    GossipNode start(int i) {
        return start(i, Map.of("role", "app"));
    }

    GossipNode start(int i, Map<String, String> tags) {
        return start(i, tags, b -> { });
    }

    GossipNode start(int i, Map<String, String> tags, java.util.function.Consumer<GossipNode.Builder> customize) {
        try {
            String self = name(i);
            GossipNode.Builder b = GossipNode.builder();
            customize.accept(b);
            GossipNode n = b.name(self).bind(address(i)).tags(tags).config(config)
                    .runtime(net).random(net.newRandom())
                    .listener(e -> {
                        // Joins are N x N at scale: keep them out of the record (tests read the rest).
                        if (!(e instanceof ClusterEvent.MemberJoined)) {
                            events.add(e);
                        }
                        if (e instanceof ClusterEvent.UserEvent u) {
                            userEvents.computeIfAbsent(self, k -> new ArrayList<>()).add(u);
                        }
                        if (e instanceof ClusterEvent.Query q) {
                            byte[] reply = answer.apply(self, q);
                            if (reply != null) {
                                q.respond(reply);
                            }
                        }
                        if (e instanceof ClusterEvent.MemberFailed f) {
                            failures.add(self + " saw " + f.member().name() + " fail");
                        }
                    })
                    .start();
            while (nodes.size() <= i) {
                nodes.add(null);
            }
            nodes.set(i, n);
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts {@code n} nodes and has each join through node 0, spread over {@code spread}. */
    void startAndJoin(int n, Duration spread) {
        start(0);
        for (int i = 1; i < n; i++) {
            start(i);
        }
        long step = spread.toNanos() / Math.max(1, n - 1);
        for (int i = 1; i < n; i++) {
            nodes.get(i).join(List.of(address(0)));
            net.runFor(Duration.ofNanos(step));
        }
    }

    /** Runs in steps of one second until {@code done} holds or {@code max} passes. */
    boolean runUntil(java.util.function.BooleanSupplier done, Duration max) {
        long end = net.now() + max.toNanos();
        while (!done.getAsBoolean()) {
            if (net.now() >= end) {
                return false;
            }
            net.runFor(Duration.ofSeconds(1));
        }
        return true;
    }

    /** True when every listed node sees exactly {@code expected} as its live members. */
    boolean allSeeLive(List<GossipNode> observers, Set<String> expected) {
        for (GossipNode o : observers) {
            Set<String> live = o.members().stream().filter(m -> m.status() == MemberStatus.ALIVE)
                    .map(Member::name).collect(Collectors.toSet());
            if (!live.equals(expected)) {
                return false;
            }
        }
        return true;
    }

    /** True when every listed observer sees {@code subject} with {@code status}. */
    boolean allSee(List<GossipNode> observers, String subject, MemberStatus status) {
        for (GossipNode o : observers) {
            if (o.member(subject).map(Member::status).orElse(null) != status) {
                return false;
            }
        }
        return true;
    }

    /** Each node's member list as name -> (status, incarnation), for comparing views. */
    static Map<String, String> view(GossipNode n) {
        Map<String, String> v = new TreeMap<>();
        for (Member m : n.members()) {
            v.put(m.name(), m.status() + "@" + m.incarnation());
        }
        return v;
    }

    List<GossipNode> except(int... excluded) {
        Set<Integer> ex = java.util.Arrays.stream(excluded).boxed().collect(Collectors.toSet());
        List<GossipNode> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (!ex.contains(i)) {
                out.add(nodes.get(i));
            }
        }
        return out;
    }

    List<GossipNode> where(Predicate<Integer> index) {
        List<GossipNode> out = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (index.test(i)) {
                out.add(nodes.get(i));
            }
        }
        return out;
    }

    Set<String> names(int from, int to) {
        Set<String> s = new java.util.HashSet<>();
        for (int i = from; i < to; i++) {
            s.add(name(i));
        }
        return s;
    }

    @Override
    public void close() {
        net.close();
    }
}
