package dev.grapevine.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.grapevine.snapshot.Snapshotter.Recovered;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Any sequence of operations, with flushes, compactions (small random thresholds) and restarts anywhere, recovers
 * exactly what a plain in-memory model of the documented semantics computes.
 */
class SnapshotterProperties {

    sealed interface Op permits Alive, NotAlive, Clocks, Leave, Flush, Reopen {
    }

    record Alive(String name, InetSocketAddress address) implements Op {
    }

    record NotAlive(String name) implements Op {
    }

    record Clocks(long member, long event, long query) implements Op {
    }

    record Leave() implements Op {
    }

    record Flush() implements Op {
    }

    record Reopen() implements Op {
    }

    /** The semantics of the class javadoc, with nothing about files. */
    static final class Model {
        final Map<String, InetSocketAddress> alive = new HashMap<>();
        long member;
        long event;
        long query;
        boolean left;

        void apply(Op op) {
            if (op instanceof Alive a) {
                alive.put(a.name(), a.address());
                left = false;
            } else if (op instanceof NotAlive n) {
                alive.remove(n.name());
            } else if (op instanceof Clocks c) {
                member = Math.max(member, c.member());
                event = Math.max(event, c.event());
                query = Math.max(query, c.query());
            } else if (op instanceof Leave) {
                left = true;
                alive.clear();
            }
        }

        Recovered expected() {
            return new Recovered(alive, member, event, query, left, List.of());
        }
    }

    @Property(tries = 100)
    void recoveryMatchesTheModel(@ForAll("operations") List<Op> ops, @ForAll("thresholds") long threshold)
            throws IOException {
        Path dir = Files.createTempDirectory("snapshot-properties");
        Path file = dir.resolve("snapshot");
        try {
            Model model = new Model();
            Snapshotter s = Snapshotter.open(file, threshold);
            try {
                for (Op op : ops) {
                    model.apply(op);
                    if (op instanceof Alive a) {
                        s.aliveMember(a.name(), a.address());
                    } else if (op instanceof NotAlive n) {
                        s.notAliveMember(n.name());
                    } else if (op instanceof Clocks c) {
                        s.clocks(c.member(), c.event(), c.query());
                    } else if (op instanceof Leave) {
                        s.leave();
                    } else if (op instanceof Flush) {
                        s.flush();
                    } else if (op instanceof Reopen) {
                        s.close();
                        s = Snapshotter.open(file, threshold);
                        assertEquals(model.expected(), s.recovered());
                    }
                }
            } finally {
                s.close();
            }
            try (Snapshotter reopened = Snapshotter.open(file, threshold)) {
                assertEquals(model.expected(), reopened.recovered());
            }
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(file), files.toList(), "no temp file left behind");
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Provide
    Arbitrary<Long> thresholds() {
        return Arbitraries.longs().between(64, 4096);
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<String> names = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of("a", "node 1", "100%", "節点", "😀 x", "tab\tnl\n", "*x *0000000")),
                Tuple.of(1, Arbitraries.strings()
                        .withCharRange(' ', '~').withChars('é', '節', '\n', '\u0000', '\u00a0')
                        .ofMinLength(1).ofMaxLength(12)));
        Arbitrary<Long> clock = Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.longs().between(0, 1000)),
                Tuple.of(1, Arbitraries.of(0L, Long.MAX_VALUE)));
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                Tuple.of(10, Combinators.combine(names, addresses()).as(Alive::new)),
                Tuple.of(6, names.map(NotAlive::new)),
                Tuple.of(5, Combinators.combine(clock, clock, clock).as(Clocks::new)),
                Tuple.of(1, Arbitraries.just(new Leave())),
                Tuple.of(2, Arbitraries.just(new Flush())),
                Tuple.of(1, Arbitraries.just(new Reopen())));
        return op.list().ofMaxSize(50);
    }

    private static Arbitrary<InetSocketAddress> addresses() {
        Arbitrary<byte[]> ip = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofSize(4),
                Arbitraries.bytes().array(byte[].class).ofSize(16),
                Arbitraries.of(new byte[] {127, 0, 0, 1}, new byte[] {10, 0, 0, 2}));
        return Combinators.combine(ip, Arbitraries.integers().between(0, 65535)).as((bytes, port) -> {
            try {
                return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        });
    }
}
