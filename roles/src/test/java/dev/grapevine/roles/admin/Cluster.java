package dev.grapevine.roles.admin;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.transport.NetworkRuntime;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real gossip nodes on loopback for the admin tests: each on its own 127.0.7.N address (N handed out from a range
 * per test class, so no two tests of a run share an address), all on one shared runtime. Closes everything.
 */
final class Cluster implements AutoCloseable {

    static final int PORT = 17946;
    /** Fast failure detection: a crashed node is failed in a few seconds. */
    static final GossipConfig CONFIG = GossipConfig.local().toBuilder()
            .probeInterval(Duration.ofMillis(300))
            .probeTimeout(Duration.ofMillis(150))
            .suspicionMaxTimeoutMult(2)
            .build();

    private final NetworkRuntime runtime = NetworkRuntime.create("admin-test");
    private final List<GossipNode> nodes = new ArrayList<>();
    private final List<AutoCloseable> others = new ArrayList<>();
    private final Addresses addresses;

    /** Hands out 127.0.7.N addresses, N from {@code first} up to {@code last}. */
    static final class Addresses {
        private final String prefix;
        private final int last;
        private int next;

        Addresses(int first, int last) {
            this("127.0.7.", first, last);
        }

        /** Addresses {@code prefix + N} (prefix such as {@code "127.0.25."}). */
        Addresses(String prefix, int first, int last) {
            this.prefix = prefix;
            this.next = first;
            this.last = last;
        }

        synchronized String next() {
            if (next > last) {
                throw new IllegalStateException("test addresses exhausted (" + prefix + last + ")");
            }
            return prefix + next++;
        }
    }

    Cluster(Addresses addresses) {
        this.addresses = addresses;
    }

    /** A fresh loopback address for an admin server (port 0: any free port). */
    InetSocketAddress adminAddress() {
        return new InetSocketAddress(addresses.next(), 0);
    }

    /** Starts a node with these tags, joined to the first node when there is one; waits for the join. */
    GossipNode start(String name, Map<String, String> tags) throws Exception {
        return start(name, tags, b -> { });
    }

    /** Like {@link #start(String, Map)}, with more builder options. */
    GossipNode start(String name, Map<String, String> tags, Consumer<GossipNode.Builder> options) throws Exception {
        GossipNode.Builder b = GossipNode.builder().name(name).bind(new InetSocketAddress(addresses.next(), PORT))
                .tags(tags).config(CONFIG).runtime(runtime);
        options.accept(b);
        GossipNode n = b.start();
        nodes.add(n);
        if (nodes.size() > 1) {
            n.join(List.of(nodes.get(0).advertiseAddress())).get(10, TimeUnit.SECONDS);
        }
        return n;
    }

    /** Starts {@code count} nodes n0, n1, ... with {@code role=app} (n0: {@code role=front}); waits until all see all. */
    List<GossipNode> startAll(int count) throws Exception {
        for (int i = 0; i < count; i++) {
            start("n" + i, Map.of("role", i == 0 ? "front" : "app"));
        }
        awaitTrue(() -> nodes.stream().allMatch(n -> n.liveMembers().size() == count), "cluster of " + count);
        return List.copyOf(nodes);
    }

    /** The nodes started so far, in order. */
    List<GossipNode> nodes() {
        return List.copyOf(nodes);
    }

    /** Closes {@code c} with the cluster (admin servers, clients). */
    <T extends AutoCloseable> T own(T c) {
        others.add(c);
        return c;
    }

    /** The status {@code observer} sees for {@code name}, or null. */
    static MemberStatus status(GossipNode observer, String name) {
        return observer.member(name).map(Member::status).orElse(null);
    }

    /** Polls {@code condition} every 50 ms for up to 30 s, then fails naming {@code what}. */
    static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        awaitTrue(condition, Duration.ofSeconds(30), what);
    }

    /** Polls {@code condition} every 50 ms for up to {@code max}, then fails naming {@code what}. */
    static void awaitTrue(BooleanSupplier condition, Duration max, String what) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                assertTrue(condition.getAsBoolean(), "timed out waiting for: " + what);
                return;
            }
            Thread.sleep(50);
        }
    }

    @Override
    public void close() {
        for (int i = others.size() - 1; i >= 0; i--) {
            try {
                others.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        nodes.forEach(GossipNode::close);
        runtime.close();
    }
}
