package dev.grapevine.payload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grapevine.payload.PayloadSamples.Color;
import dev.grapevine.payload.PayloadSamples.Deploy;
import dev.grapevine.payload.PayloadSamples.Event;
import dev.grapevine.payload.PayloadSamples.Holder;
import dev.grapevine.payload.PayloadSamples.Point;
import dev.grapevine.payload.PayloadSamples.Restart;
import dev.grapevine.payload.PayloadSamples.Sample;
import dev.grapevine.payload.PayloadSamples.Unregistered;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class KryoPayloadCodecTest {

    private static final KryoPayloadCodec<Sample> SAMPLES = KryoPayloadCodec.builder(Sample.class)
            .register(Color.class, Point.class)
            .maxPayloadBytes(4096)
            .build();

    private static Sample sample() {
        Map<String, Integer> counts = new HashMap<>();
        counts.put("web", 3);
        counts.put("db", 1);
        counts.put("naïve ☃", -70000);
        return new Sample("deploy-42", new ArrayList<>(List.of("blue", "green", "")), counts,
                new byte[] {0, 1, -1, 127, -128}, 7, Color.GREEN, new Point(3, -4, "origin"));
    }

    // ---------------------------------------------------------------------------------------------
    // Round trips
    // ---------------------------------------------------------------------------------------------

    @Test
    void aPlainClassWithNestedListMapBytesAndStringRoundTrips() throws PayloadException {
        Sample original = sample();
        byte[] payload = SAMPLES.encode(original);
        Sample decoded = SAMPLES.decode(payload);
        assertEquals(original, decoded);
        assertNotSame(original, decoded);
        assertEquals(ArrayList.class, decoded.tags.getClass());
        assertEquals(HashMap.class, decoded.counts.getClass());
    }

    @Test
    void nullFieldsAndEmptyContainersRoundTrip() throws PayloadException {
        Sample empty = new Sample();
        assertEquals(empty, SAMPLES.decode(SAMPLES.encode(empty)));
        Sample hollow = new Sample("", new ArrayList<>(), new HashMap<>(), new byte[0], 0, null, null);
        assertEquals(hollow, SAMPLES.decode(SAMPLES.encode(hollow)));
    }

    @Test
    void aSealedInterfaceOfRecordsRoundTripsAsItsImplementations() throws PayloadException {
        KryoPayloadCodec<Event> events = KryoPayloadCodec.builder(Event.class)
                .register(Deploy.class, Restart.class)
                .build();
        Event deploy = new Deploy("web", List.of("10.0.0.1", "10.0.0.2"), Map.of("version", "1.4.2"));
        Event restart = new Restart("db", 30);
        assertEquals(deploy, events.decode(events.encode(deploy)));
        assertEquals(restart, events.decode(events.encode(restart)));
    }

    @Test
    void immutableCollectionsDecodeImmutable() throws PayloadException {
        KryoPayloadCodec<Holder> holders = KryoPayloadCodec.builder(Holder.class).build();
        for (Object value : List.of(List.of(), List.of(1), List.of(1, 2, 3), Set.of("a", "b", "c"), Map.of(),
                Map.of("k", 1), IntStream.range(0, 20).boxed().collect(Collectors.toUnmodifiableList()))) {
            Object decoded = holders.decode(holders.encode(new Holder(value))).value;
            assertEquals(value, decoded);
            assertThrows(UnsupportedOperationException.class, () -> ((java.util.Collection<?>) (decoded instanceof Map<?, ?> m
                    ? m.keySet() : decoded)).clear());
        }
        List<Object> withNull = Arrays.asList(1, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> holders.encode(new Holder(withNull.stream().toList())));
        assertTrue(e.getMessage().contains("holding null"), e.getMessage());
    }

    @Test
    void builtInTypesNeedNoRegistration() throws PayloadException {
        KryoPayloadCodec<Object> any = KryoPayloadCodec.builder(Object.class).build();
        for (Object value : List.of("text", 42, 4_000_000_000L, 2.5, true, 'c', new ArrayList<>(List.of(1, "two")),
                new LinkedHashMap<>(Map.of("a", 1)), new TreeSet<>(Set.of(3, 1, 2)))) {
            assertEquals(value, any.decode(any.encode(value)));
        }
        assertArrayEquals(new String[] {"a", null, "c"}, (String[]) any.decode(any.encode(new String[] {"a", null, "c"})));
        assertArrayEquals(new int[] {1, -1, Integer.MAX_VALUE}, (int[]) any.decode(any.encode(new int[] {1, -1, Integer.MAX_VALUE})));
        assertArrayEquals(new boolean[] {true, false, true}, (boolean[]) any.decode(any.encode(new boolean[] {true, false, true})));
    }

    // ---------------------------------------------------------------------------------------------
    // Registration
    // ---------------------------------------------------------------------------------------------

    @Test
    void encodingAnUnregisteredClassFailsNamingIt() {
        KryoPayloadCodec<Holder> holders = KryoPayloadCodec.builder(Holder.class).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> holders.encode(new Holder(new Unregistered())));
        assertTrue(e.getMessage().contains("not registered"), e.getMessage());
        assertTrue(e.getMessage().contains(Unregistered.class.getName()), e.getMessage());

        // Nested inside a registered collection field, too.
        Sample s = sample();
        s.tags = new java.util.LinkedList<>(List.of("a")); // LinkedList is built in: fine
        SAMPLES.encode(s);
        KryoPayloadCodec<Holder> strict = KryoPayloadCodec.builder(Holder.class).build();
        e = assertThrows(IllegalArgumentException.class,
                () -> strict.encode(new Holder(new ArrayList<>(List.of(new Unregistered())))));
        assertTrue(e.getMessage().contains("not registered: " + Unregistered.class.getName()), e.getMessage());
    }

    @Test
    void decodingAnUnregisteredClassIdFails() {
        byte[] payload = SAMPLES.encode(sample());
        payload[0] = 120; // class ID 118: never registered
        PayloadException e = assertThrows(PayloadException.class, () -> SAMPLES.decode(payload));
        assertTrue(e.getMessage().contains("unregistered class ID: 118"), e.getMessage());
    }

    @Test
    void aPayloadOfAnotherRegisteredClassIsRefused() {
        KryoPayloadCodec<Object> any = KryoPayloadCodec.builder(Object.class)
                .register(Sample.class, Color.class, Point.class).build();
        KryoPayloadCodec<Sample> samples = KryoPayloadCodec.builder(Sample.class)
                .register(Color.class, Point.class).build();
        PayloadException e = assertThrows(PayloadException.class, () -> samples.decode(any.encode("hello")));
        assertTrue(e.getMessage().contains("holds a java.lang.String, expected a " + Sample.class.getName()),
                e.getMessage());
    }

    @Test
    void collectionTypesWithoutAPublicNoArgConstructorCannotBeRegistered() {
        for (Class<?> c : List.of(Collections.unmodifiableList(new ArrayList<>()).getClass(), List.class,
                java.util.EnumMap.class)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KryoPayloadCodec.builder(Holder.class).register(c).build());
            assertTrue(e.getMessage().contains(c.getName()), e.getMessage());
        }
    }

    @Test
    void aSortedSetWithAComparatorIsRefused() {
        KryoPayloadCodec<Holder> holders = KryoPayloadCodec.builder(Holder.class).build();
        TreeSet<String> reversed = new TreeSet<>(Comparator.reverseOrder());
        reversed.add("a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> holders.encode(new Holder(reversed)));
        assertTrue(e.getMessage().contains("comparator"), e.getMessage());
    }

    // ---------------------------------------------------------------------------------------------
    // Limits and framing
    // ---------------------------------------------------------------------------------------------

    @Test
    void encodingOverTheLimitFailsNamingSizeAndLimit() {
        KryoPayloadCodec<String> small = KryoPayloadCodec.builder(String.class).maxPayloadBytes(100).build();
        KryoPayloadCodec<String> roomy = KryoPayloadCodec.builder(String.class).maxPayloadBytes(1000).build();
        String text = "x".repeat(200);
        int size = roomy.encode(text).length;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small.encode(text));
        assertTrue(e.getMessage().contains("takes " + size + " bytes, over maxPayloadBytes 100"), e.getMessage());
        // Exactly at the limit is fine.
        String fits = IntStream.range(0, 200).mapToObj(n -> "x".repeat(n))
                .filter(t -> roomy.encode(t).length == 100).findFirst().orElseThrow();
        assertEquals(100, small.encode(fits).length);
    }

    @Test
    void decodingOverTheLimitFailsBeforeKryoSeesIt() {
        KryoPayloadCodec<String> small = KryoPayloadCodec.builder(String.class).maxPayloadBytes(100).build();
        PayloadException e = assertThrows(PayloadException.class, () -> small.decode(new byte[101]));
        assertTrue(e.getMessage().contains("101 bytes is over maxPayloadBytes 100"), e.getMessage());
    }

    @Test
    void trailingBytesEmptyPayloadsAndNullAreRefused() {
        byte[] valid = SAMPLES.encode(sample());
        byte[] longer = Arrays.copyOf(valid, valid.length + 2);
        PayloadException e = assertThrows(PayloadException.class, () -> SAMPLES.decode(longer));
        assertTrue(e.getMessage().contains("2 trailing bytes"), e.getMessage());

        e = assertThrows(PayloadException.class, () -> SAMPLES.decode(new byte[0]));
        assertTrue(e.getMessage().contains("empty payload"), e.getMessage());

        e = assertThrows(PayloadException.class, () -> SAMPLES.decode(new byte[] {0})); // Kryo's null
        assertTrue(e.getMessage().contains("holds null"), e.getMessage());

        e = assertThrows(PayloadException.class, () -> SAMPLES.decode(Arrays.copyOf(valid, valid.length - 1)));
        assertTrue(e.getMessage().contains("undecodable payload"), e.getMessage());
    }

    @Test
    void builderValidatesItsArguments() {
        assertThrows(IllegalArgumentException.class, () -> KryoPayloadCodec.builder(String.class).maxPayloadBytes(0));
        assertThrows(IllegalArgumentException.class, () -> KryoPayloadCodec.builder(String.class).maxDepth(0));
        assertThrows(IllegalArgumentException.class, () -> KryoPayloadCodec.builder(int.class));
        assertThrows(NullPointerException.class, () -> KryoPayloadCodec.builder(null));
        assertThrows(NullPointerException.class, () -> KryoPayloadCodec.builder(String.class).register((Class<?>) null));
        assertThrows(NullPointerException.class, () -> SAMPLES.encode(null));
        assertThrows(NullPointerException.class, () -> SAMPLES.decode(null));
    }

    @Test
    void nestingDeeperThanTheLimitCannotBeEncoded() {
        KryoPayloadCodec<Object> shallow = KryoPayloadCodec.builder(Object.class).maxDepth(3).build();
        List<Object> deep = new ArrayList<>(List.of(new ArrayList<>(List.of(new ArrayList<>(List.of(1))))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> shallow.encode(deep));
        assertTrue(e.getMessage().contains("Max depth exceeded"), e.getMessage());
    }

    // ---------------------------------------------------------------------------------------------
    // Threads and reuse
    // ---------------------------------------------------------------------------------------------

    @Test
    void aFailedDecodeLeavesNothingBehind() throws PayloadException {
        byte[] valid = SAMPLES.encode(sample());
        for (int cut = 1; cut < valid.length; cut++) {
            byte[] truncated = Arrays.copyOf(valid, cut);
            assertThrows(PayloadException.class, () -> SAMPLES.decode(truncated));
        }
        // The pooled Kryo instances that saw those failures still decode correctly.
        for (int i = 0; i < KryoPayloadCodec.POOL_CAPACITY + 1; i++) {
            assertEquals(sample(), SAMPLES.decode(valid));
        }
    }

    @Test
    void oneCodecServesManyThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        Sample s = sample();
                        s.priority = id * 100_000 + i;
                        Sample back = SAMPLES.decode(SAMPLES.encode(s));
                        if (!s.equals(back)) {
                            throw new AssertionError("thread " + id + " got " + back);
                        }
                    }
                    return id;
                }));
            }
            for (Future<Integer> f : results) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
