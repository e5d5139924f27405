/**
 * A deterministic network simulator for testing gossip nodes and the applications built on them.
 *
 * <p>{@link dev.grapevine.sim.SimulatedNetwork} is a {@link dev.grapevine.GossipRuntime}: bind nodes to it
 * instead of to real sockets and they run on virtual time, on the calling thread, over an in-memory network
 * whose latency, loss, partitions and host faults you control. A run depends only on the seed and on your
 * code, so a failing scenario replays identically; minutes of cluster life take milliseconds, and thousands
 * of nodes fit in one JVM.
 *
 * <pre>{@code
 * SimulatedNetwork net = new SimulatedNetwork(42);          // same seed, same run
 * net.setLatency(Duration.ofMillis(1), Duration.ofMillis(5));
 * net.setLoss(0.01);
 *
 * List<InetSocketAddress> addrs = new ArrayList<>();
 * for (int i = 1; i <= 50; i++) {
 *     InetSocketAddress a = new InetSocketAddress("127.0.0." + i, 7946);
 *     addrs.add(a);
 *     GossipRuntime.Binding b = net.bind(a, TransportOptions.DEFAULTS, new Stats());
 *     // Start your node on b.scheduler() and b.transport() (or hand `net` to the node builder as its
 *     // runtime), giving it net.newRandom() as its source of randomness.
 * }
 *
 * net.runFor(Duration.ofSeconds(10));                         // virtual time; returns at once
 *
 * net.partition(addrs.subList(0, 10));                         // cut 10 nodes off, both ways
 * assertTrue(net.runUntil(() -> myClusterSeesSplit(), Duration.ofSeconds(60)));
 * net.heal();
 *
 * net.crash(addrs.get(3));                                     // timers stop, traffic is dropped
 * net.pause(addrs.get(4));                                     // a long GC pause...
 * net.runFor(Duration.ofSeconds(5));
 * net.resume(addrs.get(4));                                    // ...and everything it missed runs now
 *
 * net.close();
 * }</pre>
 *
 * <p>Everything runs on the thread that calls {@code runFor}/{@code runUntil}; node callbacks and cluster
 * listeners run inline there, so a test can inspect node state between steps without locks. Exceptions
 * thrown by node code fail the run with a {@link dev.grapevine.sim.SimulationException} unless
 * {@link dev.grapevine.sim.SimulatedNetwork#setFailOnTaskException} says otherwise.
 */
package dev.grapevine.sim;
