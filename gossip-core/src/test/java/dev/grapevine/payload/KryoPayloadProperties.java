package dev.grapevine.payload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grapevine.payload.PayloadSamples.Color;
import dev.grapevine.payload.PayloadSamples.Deploy;
import dev.grapevine.payload.PayloadSamples.Note;
import dev.grapevine.payload.PayloadSamples.Point;
import dev.grapevine.payload.PayloadSamples.Restart;
import dev.grapevine.payload.PayloadSamples.Sample;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Generated input for {@link KryoPayloadCodec}: values survive a round trip, and no byte array at all,
 * random, random after a valid class ID, or a valid payload damaged, makes {@code decode} throw anything
 * but {@link PayloadException} or allocate 1 MiB.
 */
class KryoPayloadProperties {

    private static final KryoPayloadCodec<Object> CODEC = PayloadSamples.everything(4096);

    /** One value of every registered class, for class-ID prefixes. */
    private static final List<Object> ONE_OF_EACH = List.of("s", 1, 1L, 1.0, 1.0f, true, 'c', (short) 1, (byte) 1,
            new byte[0], new short[0], new int[0], new long[0], new float[0], new double[0], new char[0],
            new boolean[0], new String[0], new ArrayList<>(), new HashSet<>(), new HashMap<>(), List.of(1),
            List.of(1, 2, 3), Map.of(), Map.of(1, 1), new Sample(), Color.RED, new Point(1, 2, "p"),
            new Deploy("d", List.of(), Map.of()), new Restart("r", 1), new Note("n"), new BitSet(),
            new StringBuilder("b"), BigInteger.TEN, new Point[0]);

    private static final byte[] CLASS_IDS = ONE_OF_EACH.stream()
            .map(v -> CODEC.encode(v)[0])
            .collect(java.io.ByteArrayOutputStream::new, java.io.ByteArrayOutputStream::write, (a, b) -> { })
            .toByteArray();

    @BeforeProperty
    void warmUp() {
        // Load the classes of every decode path once, so the per-call figures measure decoding only.
        for (Object v : ONE_OF_EACH) {
            byte[] p = CODEC.encode(v);
            decodeSafely(p);
            decodeSafely(Arrays.copyOf(p, Math.max(1, p.length - 1)));
            decodeSafely(new byte[] {p[0], (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F});
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Round trips
    // ---------------------------------------------------------------------------------------------

    @Property
    void samplesRoundTrip(@ForAll("samples") Sample s) throws PayloadException {
        assertEquals(s, CODEC.decode(CODEC.encode(s)));
    }

    @Property
    void deploysRoundTrip(@ForAll("deploys") Deploy d) throws PayloadException {
        assertEquals(d, CODEC.decode(CODEC.encode(d)));
    }

    // ---------------------------------------------------------------------------------------------
    // Hostile input
    // ---------------------------------------------------------------------------------------------

    @Property(tries = 2000)
    void randomBytesNeverThrowAnythingElse(@ForAll @Size(max = 256) byte[] payload) {
        decodeSafely(payload);
    }

    @Property(tries = 2000)
    void randomBytesAfterAValidClassIdNeverThrowAnythingElse(@ForAll("classIds") byte classId,
            @ForAll @Size(max = 255) byte[] rest) {
        byte[] payload = new byte[rest.length + 1];
        payload[0] = classId;
        System.arraycopy(rest, 0, payload, 1, rest.length);
        decodeSafely(payload);
    }

    @Property(tries = 2000)
    void bitFlippedPayloadsNeverThrowAnythingElse(@ForAll("anyValue") Object value,
            @ForAll @IntRange(min = 0, max = 1 << 20) int where, @ForAll @IntRange(min = 0, max = 7) int bit,
            @ForAll @IntRange(min = 1, max = 3) int flips) {
        byte[] payload = CODEC.encode(value);
        for (int i = 0; i < flips; i++) {
            int at = (where + i * 7919) % payload.length;
            payload[at] ^= (byte) (1 << ((bit + i) % 8));
        }
        decodeSafely(payload);
    }

    @Property(tries = 1000)
    void truncatedPayloadsAlwaysFail(@ForAll("anyValue") Object value, @ForAll @IntRange(min = 1, max = 1 << 20) int cut) {
        byte[] payload = CODEC.encode(value);
        byte[] truncated = Arrays.copyOf(payload, cut % payload.length);
        Object result = decodeSafely(truncated);
        // A prefix of one value is never a whole value: Kryo's formats are self-delimiting.
        assertTrue(result == null, "a truncated payload decoded to " + result);
    }

    @Property(tries = 1000)
    void overwrittenWithAHugeVarintNeverThrowsAnythingElse(@ForAll("anyValue") Object value,
            @ForAll @IntRange(min = 0, max = 1 << 20) int where) {
        byte[] payload = CODEC.encode(value);
        int at = where % payload.length;
        byte[] hostile = Arrays.copyOf(payload, Math.max(payload.length, at + 5));
        hostile[at] = (byte) 0xFF;
        hostile[at + 1] = (byte) 0xFF;
        hostile[at + 2] = (byte) 0xFF;
        hostile[at + 3] = (byte) 0xFF;
        hostile[at + 4] = (byte) 0x07;
        decodeSafely(hostile);
    }

    /**
     * Decodes, allowing only a value or a {@link PayloadException} (anything else propagates and fails the
     * property), and fails if the call allocated 1 MiB or more.
     *
     * @return the value, or null if decoding failed
     */
    private static Object decodeSafely(byte[] payload) {
        Object[] result = new Object[1];
        long allocated = AllocationMeter.allocatedBy(() -> {
            try {
                result[0] = CODEC.decode(payload);
            } catch (PayloadException expected) {
                assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank());
            }
        });
        assertTrue(allocated < AllocationMeter.LIMIT,
                "decoding " + payload.length + " bytes allocated " + allocated + " bytes: " + Arrays.toString(payload));
        return result[0];
    }

    // ---------------------------------------------------------------------------------------------
    // Generators
    // ---------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<Byte> classIds() {
        List<Byte> ids = new ArrayList<>();
        for (byte id : CLASS_IDS) {
            ids.add(id);
        }
        return Arbitraries.of(ids);
    }

    @Provide
    Arbitrary<Sample> samples() {
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(20);
        Arbitrary<List<String>> tags = text.list().ofMaxSize(5).map(ArrayList::new);
        Arbitrary<Map<String, Integer>> counts = Arbitraries.maps(text, Arbitraries.integers()).ofMaxSize(5)
                .map(HashMap::new);
        Arbitrary<byte[]> blob = Arbitraries.bytes().array(byte[].class).ofMaxSize(32);
        Arbitrary<Point> point = Combinators.combine(Arbitraries.integers(), Arbitraries.integers(), text)
                .as(Point::new).injectNull(0.2);
        return Combinators.combine(text.injectNull(0.1), tags.injectNull(0.1), counts.injectNull(0.1),
                        blob.injectNull(0.1), Arbitraries.integers(), Arbitraries.of(Color.class).injectNull(0.2), point)
                .as(Sample::new);
    }

    @Provide
    Arbitrary<Deploy> deploys() {
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(20);
        return Combinators.combine(text, text.list().ofMaxSize(5).map(List::copyOf),
                Arbitraries.maps(text, text).ofMaxSize(4).map(Map::copyOf)).as(Deploy::new);
    }

    @Provide
    Arbitrary<Object> anyValue() {
        return Arbitraries.oneOf(samples(), deploys(), Arbitraries.strings().ofMaxLength(40),
                Arbitraries.integers().list().ofMaxSize(10).map(ArrayList::new),
                Arbitraries.longs().array(long[].class).ofMaxSize(6),
                Arbitraries.strings().ofMaxLength(8).array(String[].class).ofMaxSize(6),
                Arbitraries.bigIntegers().between(BigInteger.valueOf(Long.MAX_VALUE).pow(2).negate(),
                        BigInteger.valueOf(Long.MAX_VALUE).pow(2)));
    }
}
