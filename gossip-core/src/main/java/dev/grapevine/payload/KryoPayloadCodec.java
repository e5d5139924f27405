package dev.grapevine.payload;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;

import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A {@link PayloadCodec} that carries Java objects (records, plain classes, collections) with
 * <a href="https://github.com/EsotericSoftware/kryo">Kryo</a> 5, hardened for input from the network.
 *
 * <pre>{@code
 * PayloadCodec<Deploy> codec = KryoPayloadCodec.builder(Deploy.class)
 *         .register(Artifact.class)          // every other class a payload may hold
 *         .maxPayloadBytes(512)
 *         .build();
 * byte[] payload = codec.encode(new Deploy("web", List.of(...)));
 * Deploy d = codec.decode(payload);          // PayloadException for anything else
 * }</pre>
 *
 * <p>Kryo is an optional dependency of {@code gossip-core}: add {@code com.esotericsoftware:kryo} (5.6.2)
 * to your own build to use this class.
 *
 * <h2>The threat, and the guard</h2>
 * Event and query payloads come from any node that can reach the cluster, so decoding must survive
 * hostile bytes. Plain Kryo 5.6.2 does not: it trusts the lengths and counts written in its input and
 * allocates for them before reading, so a 9-byte message declaring a huge string made it allocate about
 * 1 GB and throw {@code OutOfMemoryError} (see DESIGN.md); it also loads any class named in the input.
 * This codec closes those holes:
 * <ul>
 * <li><b>Registration is required</b> and classes travel as registered IDs only; a payload that gives a
 *     class by name is refused before the name is read (no {@code Class.forName} on input).</li>
 * <li><b>Every length is checked before Kryo allocates for it</b>: decoding reads through an input over
 *     exactly the payload array whose string, byte-array and primitive-array readers refuse a declared
 *     length larger than the bytes left could hold (each element takes at least one byte, a fixed-width
 *     one its width).</li>
 * <li><b>Collections, maps and reference arrays use this codec's own serializers</b>, which write every
 *     element with its class (so every element costs at least a byte) and refuse a count the remaining
 *     bytes cannot hold before creating anything. Kryo's own ones presize from the count and can spend
 *     zero bytes per element.</li>
 * <li><b>Nesting is bounded</b> ({@link Builder#maxDepth}), so deep input fails cleanly instead of
 *     overflowing the stack; references are off (no back-references, no cycles).</li>
 * <li><b>The payload must be exactly one value</b> of the codec's type: trailing bytes, a null, or a
 *     value of another registered class are refused; so is a payload over {@link #maxPayloadBytes()}, before
 *     Kryo sees it.</li>
 * <li>Whatever Kryo, a constructor or a {@code hashCode} throws while decoding becomes a
 *     {@link PayloadException}.</li>
 * </ul>
 * With these, decoding allocates in proportion to the payload's size (tens of bytes of heap per payload
 * byte at worst, for a map of small boxed values), never to a size it declares. The guard covers the
 * serializers this codec chooses: Kryo's field and record serializers, its serializers for strings,
 * primitives, primitive arrays, enums, {@code BigInteger}/{@code BigDecimal}, {@code BitSet}, and the bounded
 * ones above. A class that brings its own serializer ({@code KryoSerializable}, {@code @DefaultSerializer},
 * e.g. Kryo's {@code CompatibleFieldSerializer}) reads through the same checked input, but any array or
 * collection it sizes itself is its own responsibility.
 *
 * <h2>Registration and compatibility</h2>
 * The payload format is Kryo's, with class IDs assigned in registration order: Kryo's built-ins
 * ({@code int}, {@code String}, {@code float}, {@code boolean}, {@code byte}, {@code char}, {@code short},
 * {@code long}, {@code double} and their boxes), then {@link #BUILT_IN_TYPES} (common arrays and mutable
 * collections), then the root type if it is concrete, then {@link Builder#register} in call order. Every
 * node exchanging payloads must build its codec with the same classes in the same order, and classes
 * must keep their fields (Kryo's field serializer writes fields in name order, without names). Change
 * any of that and bump the event or query name.
 *
 * <p>Values are created through a no-arg constructor (any visibility) or, for records, the canonical
 * constructor. Collections and maps must be of a registered concrete type with a public no-arg
 * constructor, or one of the JDK's immutable ones ({@code List.of}... decode as such); the
 * {@code Collections.unmodifiable*}, {@code singleton*} and {@code empty*} wrappers and {@code EnumMap}
 * are not supported: copy them into a supported type. Sorted collections must use natural
 * order. The root type may be an interface or abstract class (a sealed interface of records suits event
 * payloads well): register its implementations.
 *
 * <h2>Threads</h2>
 * A {@code Kryo} instance is not thread-safe, so this codec keeps a small pool of them: a call takes one,
 * uses it, and puts it back; up to 16 idle instances are kept and any more, made
 * under heavier concurrency, are dropped after use. Unlike a {@code ThreadLocal}, the pool leaves nothing
 * behind in the threads of a shared executor. The codec itself is immutable and safe to share. A failed
 * decode leaves no state behind in its instance: Kryo resets its depth and class memo on the way out,
 * references are off, and generics tracking (whose stack Kryo 5.6.2 does not unwind on an exception) is
 * off.
 *
 * @param <T> the type of the values carried
 */
public final class KryoPayloadCodec<T> implements PayloadCodec<T> {

    /** The default of {@link Builder#maxPayloadBytes}: Serf's query size limit (its event limit is 512). */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1024;

    /** The default of {@link Builder#maxDepth}. */
    public static final int DEFAULT_MAX_DEPTH = 32;

    /** Idle {@code Kryo} instances kept for reuse. */
    static final int POOL_CAPACITY = 16;

    /**
     * Registered by every codec, right after Kryo's own built-ins and in this order, so payloads can hold
     * them without further registration: the primitive arrays and {@code String[]}, the common mutable
     * collections and maps, and the JDK's immutable lists, sets and maps ({@code List.of},
     * {@code Set.of}, {@code Map.of} and their {@code copyOf}s; two classes each).
     */
    public static final List<Class<?>> BUILT_IN_TYPES = List.of(
            byte[].class, short[].class, int[].class, long[].class, float[].class, double[].class,
            char[].class, boolean[].class, String[].class,
            ArrayList.class, LinkedList.class, ArrayDeque.class,
            HashSet.class, LinkedHashSet.class, TreeSet.class,
            HashMap.class, LinkedHashMap.class, TreeMap.class,
            List.of().getClass(), List.of(0).getClass(), Set.of().getClass(), Set.of(0).getClass(),
            Map.of().getClass(), Map.of(0, 0).getClass());

    /** The JDK's immutable collection classes among {@link #BUILT_IN_TYPES}, and how to rebuild them. */
    private static final Map<Class<?>, BoundedSerializers.ImmutableSerializer.Kind> IMMUTABLE = Map.of(
            List.of().getClass(), BoundedSerializers.ImmutableSerializer.Kind.LIST,
            List.of(0).getClass(), BoundedSerializers.ImmutableSerializer.Kind.LIST,
            Set.of().getClass(), BoundedSerializers.ImmutableSerializer.Kind.SET,
            Set.of(0).getClass(), BoundedSerializers.ImmutableSerializer.Kind.SET,
            Map.of().getClass(), BoundedSerializers.ImmutableSerializer.Kind.MAP,
            Map.of(0, 0).getClass(), BoundedSerializers.ImmutableSerializer.Kind.MAP);

    /** Initial encode buffer; it grows as needed. */
    private static final int INITIAL_OUTPUT_BYTES = 256;

    /** Encoding gives up past this many bytes, or past the limit if it is larger. */
    private static final int MIN_ENCODE_CEILING = 1 << 20;

    private final Class<T> type;
    private final List<Class<?>> registrations;
    private final int maxPayloadBytes;
    private final int maxDepth;
    private final Pool<Kryo> pool;

    private KryoPayloadCodec(Builder<T> builder) {
        this.type = builder.type;
        this.registrations = List.copyOf(builder.registrations);
        this.maxPayloadBytes = builder.maxPayloadBytes;
        this.maxDepth = builder.maxDepth;
        this.pool = new Pool<>(true, false, POOL_CAPACITY) {
            @Override
            protected Kryo create() {
                return newKryo();
            }
        };
        // Build one instance now: a class that cannot be registered fails here, at build(), not at the
        // first payload.
        pool.free(newKryo());
    }

    /**
     * Starts a codec for values of {@code type}.
     *
     * @param type the type every payload must hold; registered automatically if it is concrete
     * @param <T>  the type of the values carried
     * @return a builder
     */
    public static <T> Builder<T> builder(Class<T> type) {
        return new Builder<>(type);
    }

    /**
     * The type every payload holds.
     *
     * @return the root type given to {@link #builder}
     */
    public Class<T> type() {
        return type;
    }

    /**
     * The largest payload that {@link #encode} produces and {@link #decode} accepts.
     *
     * @return the limit in bytes
     */
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the encoding would exceed {@link #maxPayloadBytes()} (the message
     *                                  gives both sizes), or the value holds a class that is not
     *                                  registered, a collection type that is not, a sorted collection with a
     *                                  comparator, or anything else Kryo cannot write
     */
    @Override
    public byte[] encode(T value) {
        Objects.requireNonNull(value, "value");
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException("a " + value.getClass().getName() + " is not a " + type.getName());
        }
        int ceiling = Math.max(MIN_ENCODE_CEILING, maxPayloadBytes);
        Output output = new Output(Math.min(INITIAL_OUTPUT_BYTES, ceiling), ceiling);
        Kryo kryo = pool.obtain();
        try {
            kryo.writeClassAndObject(output, value);
        } catch (RuntimeException e) {
            if (isOverflow(e)) {
                throw new IllegalArgumentException("encoded " + value.getClass().getName() + " takes more than "
                        + ceiling + " bytes, over maxPayloadBytes " + maxPayloadBytes, e);
            }
            throw new IllegalArgumentException("cannot encode a " + value.getClass().getName() + ": "
                    + describe(e), e);
        } finally {
            kryo.reset();
            pool.free(kryo);
        }
        int size = output.position();
        if (size > maxPayloadBytes) {
            throw new IllegalArgumentException("encoded " + value.getClass().getName() + " takes " + size
                    + " bytes, over maxPayloadBytes " + maxPayloadBytes);
        }
        return output.toBytes();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Refused with a {@link PayloadException}: a payload over {@link #maxPayloadBytes()} or empty; any
     * length or count larger than the rest of the payload could hold; a class ID that is not registered,
     * or a class given by name; nesting deeper than {@link Builder#maxDepth}; a value that is null or not
     * a {@link #type()}; bytes left over after the value; and anything a constructor, {@code hashCode},
     * {@code equals} or {@code compareTo} throws while the value is rebuilt.
     */
    @Override
    public T decode(byte[] payload) throws PayloadException {
        Objects.requireNonNull(payload, "payload");
        if (payload.length > maxPayloadBytes) {
            throw new PayloadException("payload of " + payload.length + " bytes is over maxPayloadBytes "
                    + maxPayloadBytes);
        }
        if (payload.length == 0) {
            throw new PayloadException("empty payload: expected a " + type.getName());
        }
        BoundedInput input = new BoundedInput(payload);
        Object value;
        Kryo kryo = pool.obtain();
        try {
            value = kryo.readClassAndObject(input);
        } catch (RuntimeException e) {
            // KryoException (including every bound check), and whatever a serializer, constructor,
            // hashCode or compareTo throws on hostile values: ClassCastException, NullPointerException,
            // IllegalArgumentException, IndexOutOfBounds, NegativeArraySize, ArrayStore, Unsupported...
            throw new PayloadException("undecodable payload of " + payload.length + " bytes for "
                    + type.getName() + " (stopped at byte " + input.position() + "): " + describe(e), e);
        } finally {
            kryo.reset();
            pool.free(kryo);
        }
        if (value == null) {
            throw new PayloadException("payload holds null, expected a " + type.getName());
        }
        if (!type.isInstance(value)) {
            throw new PayloadException("payload holds a " + value.getClass().getName() + ", expected a "
                    + type.getName());
        }
        if (input.remaining() != 0) {
            throw new PayloadException("payload of " + payload.length + " bytes holds " + input.remaining()
                    + " trailing bytes after the " + type.getName());
        }
        return type.cast(value);
    }

    @Override
    public String toString() {
        return "KryoPayloadCodec[" + type.getName() + ", maxPayloadBytes=" + maxPayloadBytes + "]";
    }

    private Kryo newKryo() {
        Kryo kryo = new Kryo(new RegisteredOnlyClassResolver(), null); // null: references off
        kryo.setRegistrationRequired(true);
        kryo.setReferences(false);
        kryo.setOptimizedGenerics(false);
        kryo.setMaxDepth(maxDepth);
        for (Class<?> c : BUILT_IN_TYPES) {
            register(kryo, c);
        }
        if (!type.isInterface() && !Modifier.isAbstract(type.getModifiers())) {
            register(kryo, type);
        }
        for (Class<?> c : registrations) {
            register(kryo, c);
        }
        return kryo;
    }

    /** Registers {@code c} with the next free ID, with a bounded serializer where Kryo's would trust counts. */
    private static void register(Kryo kryo, Class<?> c) {
        if (kryo.getClassResolver().getRegistration(c) != null) {
            return; // a Kryo built-in (primitives, boxes, String) or a repeat: keep its ID
        }
        kryo.register(c, serializerFor(kryo, c));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Serializer<?> serializerFor(Kryo kryo, Class<?> c) {
        if (c == boolean[].class) {
            return new BoundedSerializers.BooleanArraySerializer();
        }
        if (c.isArray() && !c.getComponentType().isPrimitive()) {
            return new BoundedSerializers.ObjectArraySerializer(c);
        }
        BoundedSerializers.ImmutableSerializer.Kind immutable = IMMUTABLE.get(c);
        if (immutable != null) {
            return new BoundedSerializers.ImmutableSerializer(immutable);
        }
        if (EnumSet.class.isAssignableFrom(c)) {
            return kryo.getDefaultSerializer(c); // Kryo's reads element by element: no presizing
        }
        if (Collection.class.isAssignableFrom(c)) {
            return new BoundedSerializers.CollectionSerializer(c);
        }
        if (Map.class.isAssignableFrom(c)) {
            return new BoundedSerializers.MapSerializer(c);
        }
        // Kryo's: field and record serializers, enums, strings, primitive arrays (their bulk reads are
        // bounded by BoundedInput), BigInteger, BitSet...
        return kryo.getDefaultSerializer(c);
    }

    private static boolean isOverflow(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof com.esotericsoftware.kryo.io.KryoBufferOverflowException) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message, which says what was wrong, with Kryo's serialization trace if it gave one. */
    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String rootMessage = root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getMessage().strip();
        if (root == e) {
            return rootMessage;
        }
        String outer = e.getMessage();
        int trace = outer == null ? -1 : outer.indexOf("Serialization trace:");
        return trace < 0 ? rootMessage : rootMessage + " (" + outer.substring(trace).strip().replace('\n', ' ') + ")";
    }

    /**
     * Configures a {@link KryoPayloadCodec}. Not thread-safe; the codec it builds is.
     *
     * @param <T> the type of the values carried
     */
    public static final class Builder<T> {

        private final Class<T> type;
        private final Set<Class<?>> registrations = new LinkedHashSet<>();
        private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
        private int maxDepth = DEFAULT_MAX_DEPTH;

        private Builder(Class<T> type) {
            this.type = Objects.requireNonNull(type, "type");
            if (type.isPrimitive()) {
                throw new IllegalArgumentException("type must be a class, not " + type + ": use its box");
            }
        }

        /**
         * Registers classes a payload may hold besides the root type and
         * {@link KryoPayloadCodec#BUILT_IN_TYPES}: nested
         * value classes, enums, the implementations of an interface root type, arrays of them. Class IDs
         * follow call order, which must be the same on every node.
         *
         * @param types classes to register; a class already registered is ignored
         * @return this builder
         */
        public Builder<T> register(Class<?>... types) {
            for (Class<?> c : Objects.requireNonNull(types, "types")) {
                Objects.requireNonNull(c, "types holds null");
                if (c.isPrimitive()) {
                    continue; // Kryo registers primitives and their boxes itself
                }
                registrations.add(c);
            }
            return this;
        }

        /**
         * The largest payload {@link KryoPayloadCodec#encode} produces and {@link KryoPayloadCodec#decode}
         * accepts; {@value KryoPayloadCodec#DEFAULT_MAX_PAYLOAD_BYTES} unless set. Set it to the transport's
         * limit for events or queries.
         *
         * @param maxPayloadBytes at least 1
         * @return this builder
         */
        public Builder<T> maxPayloadBytes(int maxPayloadBytes) {
            if (maxPayloadBytes < 1) {
                throw new IllegalArgumentException("maxPayloadBytes must be at least 1, got " + maxPayloadBytes);
            }
            this.maxPayloadBytes = maxPayloadBytes;
            return this;
        }

        /**
         * How deeply objects may nest (the root is depth 1, a list in one of its fields 2, that list's
         * elements 3); {@value KryoPayloadCodec#DEFAULT_MAX_DEPTH} unless set. Deeper payloads are refused, and values
         * deeper than this cannot be encoded.
         *
         * @param maxDepth 1 to 1000
         * @return this builder
         */
        public Builder<T> maxDepth(int maxDepth) {
            if (maxDepth < 1 || maxDepth > 1000) {
                throw new IllegalArgumentException("maxDepth must be 1 to 1000, got " + maxDepth);
            }
            this.maxDepth = maxDepth;
            return this;
        }

        /**
         * Builds the codec, registering every class now.
         *
         * @return a thread-safe codec
         * @throws IllegalArgumentException if a class cannot be registered, e.g. a collection or map type
         *                                  without a public no-arg constructor
         */
        public KryoPayloadCodec<T> build() {
            return new KryoPayloadCodec<>(this);
        }
    }
}
