package dev.grapevine.payload;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Value types the payload tests encode, and codecs over them. */
final class PayloadSamples {

    private PayloadSamples() {
    }

    /** A plain class with a no-arg constructor and the field kinds the codec must carry. */
    static final class Sample {
        String name;
        List<String> tags;
        Map<String, Integer> counts;
        byte[] blob;
        int priority;
        Color color;
        Point origin;

        Sample() {
        }

        Sample(String name, List<String> tags, Map<String, Integer> counts, byte[] blob, int priority, Color color,
                Point origin) {
            this.name = name;
            this.tags = tags;
            this.counts = counts;
            this.blob = blob;
            this.priority = priority;
            this.color = color;
            this.origin = origin;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Sample s && Objects.equals(name, s.name) && Objects.equals(tags, s.tags)
                    && Objects.equals(counts, s.counts) && Arrays.equals(blob, s.blob) && priority == s.priority
                    && color == s.color && Objects.equals(origin, s.origin);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, tags, counts, Arrays.hashCode(blob), priority, color, origin);
        }

        @Override
        public String toString() {
            return "Sample[" + name + ", " + tags + ", " + counts + ", " + Arrays.toString(blob) + ", " + priority
                    + ", " + color + ", " + origin + "]";
        }
    }

    enum Color { RED, GREEN, BLUE }

    record Point(int x, int y, String label) {
    }

    /** A sealed root type: payloads are one of its records. */
    sealed interface Event permits Deploy, Restart {
    }

    record Deploy(String service, List<String> hosts, Map<String, String> meta) implements Event {
    }

    record Restart(String service, int delaySeconds) implements Event {
    }

    record Note(String text) {
    }

    /** Never registered. */
    static final class Unregistered {
        int x = 1;
    }

    /** A field of unknown concrete type: its value's class travels in the payload. */
    static final class Holder {
        Object value;

        Holder() {
        }

        Holder(Object value) {
            this.value = value;
        }
    }

    /** Every class a hostile payload might reach, under a root of {@code Object}. */
    static KryoPayloadCodec<Object> everything(int maxPayloadBytes) {
        return KryoPayloadCodec.builder(Object.class)
                .register(Sample.class, Color.class, Point.class, Deploy.class, Restart.class, Note.class,
                        Holder.class, BitSet.class, StringBuilder.class, BigInteger.class, BigDecimal.class,
                        Point[].class, Object[].class)
                .maxPayloadBytes(maxPayloadBytes)
                .build();
    }
}
