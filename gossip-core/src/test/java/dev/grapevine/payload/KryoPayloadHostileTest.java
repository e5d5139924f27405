package dev.grapevine.payload;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.io.Output;

import dev.grapevine.payload.PayloadSamples.Note;
import dev.grapevine.payload.PayloadSamples.Point;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tiny payloads that declare huge lengths. Each must fail with a {@link PayloadException} that names the
 * guard which caught it, quickly, and with the decoding thread allocating well under 1 MiB. Plain Kryo
 * 5.6.2 allocates the declared size first (gigabytes here) and dies with {@code OutOfMemoryError}; these
 * run on surefire's default heap, where that would fail the build.
 */
class KryoPayloadHostileTest {

    private static final Logger log = LoggerFactory.getLogger(KryoPayloadHostileTest.class);

    private static final int TWO_30 = 1 << 30;

    private static final KryoPayloadCodec<Object> CODEC = PayloadSamples.everything(4096);

    /** The one-byte class ID Kryo writes before a value of {@code sample}'s class. */
    private static byte classId(Object sample) {
        byte[] encoded = CODEC.encode(sample);
        assertTrue(encoded[0] > 0, "class IDs in these tests fit in one varint byte");
        return encoded[0];
    }

    /** A class ID followed by whatever {@code body} writes. */
    private static byte[] payload(Object sampleOfClass, Consumer<Output> body) {
        Output out = new Output(16, 64);
        out.writeByte(classId(sampleOfClass));
        body.accept(out);
        return out.toBytes();
    }

    static Stream<Arguments> hostilePayloads() {
        return Stream.of(
                // The four the brief names.
                Arguments.of("string of 2^30 chars", payload("x", o -> {
                    o.writeVarIntFlag(true, TWO_30 + 1, true); // UTF-8 form: char count + 1
                    o.writeByte('a');
                }), "declared string length 1073741824"),
                Arguments.of("byte[] of 2^31-1 bytes", payload(new byte[1], o -> o.writeVarInt(Integer.MIN_VALUE, true)),
                        "declared byte array length 2147483647"), // Kryo writes length + 1, which overflowed
                Arguments.of("byte[] of 2^31-2 bytes", payload(new byte[1], o -> o.writeVarInt(Integer.MAX_VALUE, true)),
                        "declared byte array length 2147483646"),
                Arguments.of("ArrayList of 2^30 elements", payload(new ArrayList<>(), o -> o.writeVarInt(TWO_30, true)),
                        "declared collection size 1073741824"),
                Arguments.of("HashMap of 2^30 entries", payload(new HashMap<>(), o -> o.writeVarInt(TWO_30, true)),
                        "declared map size 1073741824"),
                // The rest of the length-reading paths.
                Arguments.of("HashSet of 2^30", payload(new HashSet<>(), o -> o.writeVarInt(TWO_30, true)),
                        "declared collection size 1073741824"),
                Arguments.of("List.of of 2^30", payload(List.of(1, 2, 3), o -> o.writeVarInt(TWO_30, true)),
                        "declared collection size 1073741824"),
                Arguments.of("Map.of of 2^30", payload(Map.of(), o -> o.writeVarInt(TWO_30, true)),
                        "declared map size 1073741824"),
                Arguments.of("map size fits bytes but not entries", payload(new HashMap<>(), o -> {
                    o.writeVarInt(3, true);
                    o.writeBytes(new byte[5]);
                }), "declared map size 3 needs at least 6 bytes but only 5"),
                Arguments.of("String[] of 2^30", payload(new String[0], o -> o.writeVarInt(TWO_30, true)),
                        "declared array length 1073741824"),
                Arguments.of("Point[] of 2^30", payload(new Point[0], o -> o.writeVarInt(TWO_30, true)),
                        "declared array length 1073741824"),
                Arguments.of("int[] of 2^30", payload(new int[0], o -> o.writeVarInt(TWO_30 + 1, true)),
                        "declared int array length 1073741824"),
                Arguments.of("long[] of 2^30", payload(new long[0], o -> o.writeVarInt(TWO_30 + 1, true)),
                        "declared long array length 1073741824"),
                Arguments.of("short[] of 2^30", payload(new short[0], o -> o.writeVarInt(TWO_30 + 1, true)),
                        "declared short array length 1073741824"),
                Arguments.of("char[] of 2^30", payload(new char[0], o -> o.writeVarInt(TWO_30 + 1, true)),
                        "declared char array length 1073741824"),
                Arguments.of("float[] of 2^30", payload(new float[0], o -> o.writeVarInt(TWO_30 + 1, true)),
                        "declared float array length 1073741824"),
                Arguments.of("double[] of 2^30", payload(new double[0], o -> o.writeVarInt(TWO_30 + 1, true)),
                        "declared double array length 1073741824"),
                Arguments.of("boolean[] of 2^30", payload(new boolean[0], o -> o.writeVarInt(TWO_30, true)),
                        "declared boolean array length 1073741824"),
                Arguments.of("int[] fitting 2^28 varints but not 4 bytes each",
                        payload(new int[0], o -> o.writeVarInt((1 << 28) + 1, true)),
                        "declared int array length 268435456"),
                Arguments.of("BitSet of 2^28 longs", payload(new BitSet(), o -> o.writeVarInt(1 << 28, true)),
                        "declared long array length 268435456"),
                Arguments.of("StringBuilder of 2^30 chars", payload(new StringBuilder(), o -> {
                    o.writeVarIntFlag(true, TWO_30 + 1, true);
                    o.writeByte('a');
                }), "declared string length 1073741824"),
                Arguments.of("BigInteger of 2^30 bytes", payload(BigInteger.ONE, o -> o.writeVarInt(TWO_30 + 1, true)),
                        "declared byte array length 1073741824"),
                Arguments.of("record field: string of 2^30 chars", payload(new Note("n"), o -> {
                    o.writeVarIntFlag(true, TWO_30 + 1, true);
                    o.writeByte('a');
                }), "declared string length 1073741824"),
                Arguments.of("list element: string of 2^30 chars", payload(new ArrayList<>(), o -> {
                    o.writeVarInt(1, true);
                    o.writeByte(classId("x"));
                    o.writeVarIntFlag(true, TWO_30 + 1, true);
                    o.writeByte('a');
                }), "declared string length 1073741824"),
                Arguments.of("negative string length", payload("x", o -> o.writeVarIntFlag(true, -5, true)),
                        "is negative"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostilePayloads")
    void hostileLengthIsRefusedBeforeAllocating(String what, byte[] payload, String expectedMessage) {
        assertTrue(payload.length <= 16, what + " is " + payload.length + " bytes");
        // Once to load classes, then measured.
        PayloadException first = assertThrows(PayloadException.class, () -> CODEC.decode(payload));
        assertTrue(first.getMessage().contains(expectedMessage), first.getMessage());

        long allocated = assertTimeout(Duration.ofSeconds(2),
                () -> AllocationMeter.allocatedBy(() -> CODEC.decode(payload)));
        log.info("{} ({} bytes): decode allocated {} bytes: {}", what, payload.length, allocated, first.getMessage());
        assertTrue(allocated < AllocationMeter.LIMIT, what + " allocated " + allocated + " bytes");
        assertThrows(PayloadException.class, () -> CODEC.decode(payload));
    }

    @Test
    void aClassGivenByNameIsRefusedWithoutLookingItUp() {
        Output out = new Output(64, 64);
        out.writeVarInt(1, true);   // Kryo's "class by name" marker (NAME + 2)
        out.writeVarInt(0, true);   // name id
        out.writeString("no.such.Clazz");
        PayloadException e = assertThrows(PayloadException.class, () -> CODEC.decode(out.toBytes()));
        // Plain Kryo would call Class.forName and fail with "Unable to find class: no.such.Clazz".
        assertTrue(e.getMessage().contains("names a class instead of giving a registered class ID"), e.getMessage());
        assertTrue(!e.getMessage().contains("Unable to find class"), e.getMessage());
    }

    @Test
    void deepNestingFailsCleanlyInsteadOfOverflowingTheStack() {
        // ArrayList inside ArrayList, 1,000 deep, in 2,000 bytes.
        byte list = classId(new ArrayList<>());
        byte[] payload = new byte[2000];
        for (int i = 0; i < payload.length; i += 2) {
            payload[i] = list;
            payload[i + 1] = 1;
        }
        PayloadException e = assertThrows(PayloadException.class, () -> CODEC.decode(payload));
        assertTrue(e.getMessage().contains("Max depth exceeded"), e.getMessage());
    }

    @Test
    void manyNullElementsCostAByteEach() {
        // Kryo's own CollectionSerializer writes an all-null list of any size in a few bytes; ours cannot
        // be made to create more elements than there are bytes.
        List<Object> nulls = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            nulls.add(null);
        }
        byte[] encoded = CODEC.encode(nulls);
        assertTrue(encoded.length >= 100, "every element costs at least one byte: " + encoded.length);
    }
}
