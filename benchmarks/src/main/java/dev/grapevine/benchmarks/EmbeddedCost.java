package dev.grapevine.benchmarks;

import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.sim.SimulatedNetwork;
import dev.grapevine.transport.NetworkRuntime;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What an idle node costs when many are embedded in one JVM.
 *
 * <ul>
 *   <li>{@code udp N SECONDS [encrypted]}: N real nodes on 127.0.8.x sharing one {@link NetworkRuntime} (two
 *       threads in all), LAN profile, plaintext or AES-256-GCM; after convergence, the process CPU time over
 *       SECONDS idle, per node, and the UDP packets and bytes each node sent per second.</li>
 *   <li>{@code sim N}: N nodes on a {@link SimulatedNetwork} joined through one seed, 10 ms of virtual time
 *       apart; heap retained per node and per member view once converged and settled (measured after GC, so
 *       it includes the simulator's own share: an upper bound), and the peak of the live heap while the
 *       cluster is built (sampled after GC at every eighth of the joins and every 3 simulated seconds until
 *       convergence: the broadcast queues are full then).</li>
 *   <li>{@code sim N warm}: N nodes started knowing each other ({@link SimulatedCluster#warm}), after 60
 *       simulated seconds: heap retained per node and per member view, and the wall time to start them.</li>
 * </ul>
 * Run: {@code java -cp ... dev.grapevine.benchmarks.EmbeddedCost udp 100 60}
 */
public final class EmbeddedCost {

    private EmbeddedCost() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "udp";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        if (mode.equals("sim")) {
            if (args.length > 2 && args[2].equals("warm")) {
                simWarm(n);
            } else {
                sim(n);
            }
        } else {
            udp(n, args.length > 2 ? Integer.parseInt(args[2]) : 60, args.length > 3 && args[3].equals("encrypted"));
        }
    }

    private static void udp(int n, int seconds, boolean encrypted) throws Exception {
        dev.grapevine.security.Keyring keys = dev.grapevine.security.Keyring.of(
                dev.grapevine.security.Keyring.generateKey());
        try (NetworkRuntime rt = NetworkRuntime.create("bench")) {
            List<GossipNode> nodes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                InetSocketAddress a = new InetSocketAddress(
                        InetAddress.getByAddress(new byte[]{127, 8, (byte) (i / 250), (byte) (i % 250 + 1)}), 7946);
                GossipNode.Builder b = GossipNode.builder().name("n" + i).bind(a).config(GossipConfig.lan())
                        .runtime(rt);
                if (encrypted) {
                    b.keyring(keys);
                }
                GossipNode node = b.start();
                nodes.add(node);
                if (i > 0) {
                    node.join(List.of(nodes.get(0).advertiseAddress())).get();
                }
            }
            long start = System.nanoTime();
            while (nodes.stream().anyMatch(x -> x.liveMembers().size() < n)) {
                Thread.sleep(50);
            }
            System.out.printf("udp: %d nodes converged %.2f s after the last join%n", n,
                    (System.nanoTime() - start) / 1e9);
            Thread.sleep(10_000); // let join traffic settle
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long pkts0 = nodes.stream().mapToLong(x -> x.stats().packetsSent()).sum();
            long bytes0 = nodes.stream().mapToLong(x -> x.stats().bytesSent()).sum();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
            long pkts = nodes.stream().mapToLong(x -> x.stats().packetsSent()).sum() - pkts0;
            long bytes = nodes.stream().mapToLong(x -> x.stats().bytesSent()).sum() - bytes0;
            System.out.printf("udp%s: idle %d s: process CPU %.2f%% of one core in all, %.4f%% per node; "
                            + "%.2f packets/s and %.0f B/s sent per node%n", encrypted ? " (encrypted)" : "",
                    seconds, 100 * cpu / wall,
                    100 * cpu / wall / n, pkts / wall / n, bytes / wall / n);
            nodes.forEach(GossipNode::close);
        }
    }

    private static void sim(int n) throws Exception {
        long before = usedHeapAfterGc();
        SimulatedNetwork net = new SimulatedNetwork(1);
        List<GossipNode> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            InetSocketAddress a = SimulatedCluster.address(i);
            nodes.add(GossipNode.builder().name("n" + i).bind(a).config(GossipConfig.lan()).runtime(net)
                    .random(net.newRandom()).start());
        }
        long peak = 0;
        long sampling = 0;
        long wall0 = System.nanoTime();
        int every = Math.max(1, n / 8);
        for (int i = 1; i < n; i++) {
            nodes.get(i).join(List.of(nodes.get(0).advertiseAddress()));
            net.runFor(Duration.ofMillis(10));
            if (i % every == 0) {
                long t = System.nanoTime();
                peak = Math.max(peak, usedHeapAfterGc() - before);
                sampling += System.nanoTime() - t;
            }
        }
        long wall1 = System.nanoTime();
        long sim0 = net.now();
        int ticks = 0;
        while (nodes.stream().anyMatch(x -> x.liveMembers().size() < n)) {
            net.runFor(Duration.ofSeconds(1));
            if (++ticks % 3 == 0) {
                long t = System.nanoTime();
                peak = Math.max(peak, usedHeapAfterGc() - before);
                sampling += System.nanoTime() - t;
            }
        }
        long wall2 = System.nanoTime();
        System.out.printf("sim: %d joins in %.1f simulated s (%.1f s wall); converged %.1f simulated s after the"
                        + " last join (%.1f s wall); %.1f s of the wall time was sampling the heap%n", n - 1,
                sim0 / 1e9, (wall1 - wall0) / 1e9, (net.now() - sim0) / 1e9, (wall2 - wall1) / 1e9, sampling / 1e9);
        net.runFor(Duration.ofSeconds(60));
        long after = usedHeapAfterGc();
        System.out.printf("sim: heap retained %.1f MiB for %d nodes: %.0f KiB per node, %.0f B per member view"
                        + " (simulator included)%n", (after - before) / 1048576.0, n, (after - before) / 1024.0 / n,
                (after - before) / (double) n / n);
        System.out.printf("sim: live heap at its sampled peak while building %.1f MiB: %.0f B per member view%n",
                peak / 1048576.0, peak / (double) n / n);
        net.close();
    }

    private static void simWarm(int n) throws Exception {
        long before = usedHeapAfterGc();
        long wall0 = System.nanoTime();
        try (SimulatedCluster c = SimulatedCluster.warm(n, 1, GossipConfig.lan())) {
            long wall1 = System.nanoTime();
            c.net().runFor(Duration.ofSeconds(30));
            long after = usedHeapAfterGc();
            System.out.printf("sim warm: %d nodes started knowing each other and run 30 simulated s in %.1f s wall,"
                    + " then 30 s more in %.1f s%n", n, (wall1 - wall0) / 1e9, (System.nanoTime() - wall1) / 1e9);
            System.out.printf("sim warm: heap retained %.1f MiB for %d nodes: %.0f KiB per node, %.0f B per member"
                            + " view (simulator included)%n", (after - before) / 1048576.0, n,
                    (after - before) / 1024.0 / n, (after - before) / (double) n / n);
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return heap.getUsed();
    }
}
