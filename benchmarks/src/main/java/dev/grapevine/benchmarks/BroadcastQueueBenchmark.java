package dev.grapevine.benchmarks;

import dev.grapevine.dissemination.BroadcastQueue;
import dev.grapevine.wire.Codec;
import dev.grapevine.wire.Message;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The broadcast queue with 10,000 messages pending (one announcement per member, as after a mass join):
 * <ul>
 *   <li>{@code take}: fill one packet (1400 bytes less the compound header, as a gossip round does); the
 *       retransmit limit is set out of reach so the queue stays at 10,000 while each message taken moves
 *       behind the less-sent ones;</li>
 *   <li>{@code replace}: queue a newer message about a member that already has one pending (it replaces
 *       it).</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BroadcastQueueBenchmark {

    /** Messages pending. */
    @Param({"10000"})
    public int pending;

    private BroadcastQueue queue;
    private String[] keys;
    private byte[][] frames;
    private int next;

    /** Queues one announcement per member. */
    @Setup
    public void setUp() {
        queue = new BroadcastQueue(16_384);
        keys = new String[pending];
        frames = new byte[pending][];
        for (int i = 0; i < pending; i++) {
            keys[i] = "m:node-" + i;
            frames[i] = Codec.encodeFrame(new Message.Alive(1, "node-" + i, SimulatedCluster.address(i),
                    Map.of("role", "app", "app.port", "8080")));
            queue.add(keys[i], frames[i], null);
        }
    }

    /**
     * Takes one packet's worth.
     *
     * @return the frames taken
     */
    @Benchmark
    public List<byte[]> take() {
        List<byte[]> taken = queue.take(1400 - Codec.compoundHeaderSize(), 255, Integer.MAX_VALUE,
                Codec::compoundEntryOverhead);
        if (taken.isEmpty() || queue.size() != pending) {
            throw new IllegalStateException("took " + taken.size() + ", " + queue.size() + " pending");
        }
        return taken;
    }

    /**
     * Replaces the pending message of the next member.
     *
     * @return messages pending
     */
    @Benchmark
    public int replace() {
        int i = next;
        next = i + 1 == pending ? 0 : i + 1;
        queue.add(keys[i], frames[i], null);
        return queue.size();
    }
}
