package dev.grapevine.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The clock against a model, over random sequences of operations. */
class LamportClockProperties {

    /** An operation: 0 increment, 1 witness(v), 2 restore(v). */
    record Op(int kind, long v) { }

    @Property
    void neverGoesBackAndAlwaysPassesWhatItWitnessed(@ForAll("ops") List<Op> ops) {
        LamportClock c = new LamportClock();
        long model = 0;
        for (Op op : ops) {
            long before = c.time();
            switch (op.kind()) {
                case 0 -> {
                    assertEquals(model + 1, c.increment());
                    model++;
                }
                case 1 -> {
                    c.witness(op.v());
                    model = op.v() >= model ? op.v() + 1 : model;
                    assertTrue(c.time() > op.v());
                }
                default -> {
                    c.restore(op.v());
                    model = Math.max(model, op.v());
                    assertTrue(c.time() >= op.v());
                }
            }
            assertEquals(model, c.time());
            assertTrue(c.time() >= before);
        }
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Arbitraries.integers().between(0, 2)
                .flatMap(k -> Arbitraries.longs().between(0, 1_000).map(v -> new Op(k, v)));
        return op.list().ofMaxSize(50);
    }
}
