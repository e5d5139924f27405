package dev.grapevine.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A push-pull exchange of a 10,000-member state served by a real
 * {@link dev.grapevine.membership.MembershipEngine}: the request is decoded, the engine's own state encoded
 * as the reply, and the remote state merged.
 * <ul>
 *   <li>{@code mergeKnown}: the engine already knows every member at the same incarnation (periodic
 *       anti-entropy in a quiet cluster: every merge is a no-op);</li>
 *   <li>{@code mergeNew}: a fresh engine learns all of them (a join into a large cluster: every member is
 *       added, announced to the listener and queued for gossip).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PushPullBenchmark {

    /** The request, built once per trial. */
    @State(Scope.Benchmark)
    public static class Request {
        /** Members in the state sent. */
        @Param({"10000"})
        public int members;

        ByteBuffer packet;

        /** Encodes the request. */
        @Setup(Level.Trial)
        public void encode() {
            packet = BenchEngine.pushPullPacket(members);
        }
    }

    /** An engine that already knows every member of the request. */
    @State(Scope.Thread)
    public static class Known {
        BenchEngine bench;

        /** Builds the engine and teaches it the members. */
        @Setup(Level.Trial)
        public void learn(Request r) {
            bench = new BenchEngine();
            bench.servePushPull(r.packet);
            if (bench.aliveMembers() != r.members + 1) {
                throw new IllegalStateException("the engine knows " + bench.aliveMembers() + " alive members");
            }
        }
    }

    /** A fresh engine for every invocation. */
    @State(Scope.Thread)
    public static class Fresh {
        BenchEngine bench;

        /** Builds the engine (not timed). */
        @Setup(Level.Invocation)
        public void fresh() {
            bench = new BenchEngine();
        }
    }

    /**
     * Serves the request to an engine that knows it all.
     *
     * @return the reply
     */
    @Benchmark
    public ByteBuffer mergeKnown(Request r, Known k) {
        return k.bench.servePushPull(r.packet);
    }

    /**
     * Serves the request to an engine that knows none of it.
     *
     * @return the reply
     */
    @Benchmark
    public ByteBuffer mergeNew(Request r, Fresh f) {
        return f.bench.servePushPull(r.packet);
    }
}
