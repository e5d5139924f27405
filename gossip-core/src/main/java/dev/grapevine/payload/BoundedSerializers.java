package dev.grapevine.payload;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * Replacements for Kryo's collection, map and array serializers that cannot be made to allocate more than
 * the payload holds.
 *
 * <p>Kryo's own {@code CollectionSerializer}, {@code MapSerializer}, {@code ObjectArraySerializer},
 * {@code StringArraySerializer} and {@code BooleanArraySerializer} size their result from the declared
 * count ({@code new ArrayList<>(n)}, {@code new HashMap(n / 0.75f)}, {@code Array.newInstance(type, n)},
 * {@code new boolean[n]}) before reading a single element, and some of their encodings spend zero bytes
 * per element (a collection whose elements are all null is a count and one byte), so no "count versus
 * bytes left" check can be applied to them without rejecting valid payloads.
 *
 * <p>The format here is simpler and makes that check exact: a varint count, then every element written
 * with {@link Kryo#writeClassAndObject} (a registered class ID, at least one byte, even for null), so every
 * element costs at least one byte and every map entry two. A count is refused before anything is sized
 * when the bytes left cannot hold that many elements. Elements carry their class, so generic type
 * information is never needed (the codec turns Kryo's generics tracking off).
 */
final class BoundedSerializers {

    private BoundedSerializers() {
    }

    /**
     * The public no-arg constructor of a concrete collection or map class, which the bounded serializers
     * use to create instances.
     *
     * @throws IllegalArgumentException if {@code type} is abstract or has no public no-arg constructor (the
     *                                  JDK's immutable and {@code Collections.*} wrappers, {@code EnumMap})
     */
    static <C> Constructor<C> noArgConstructor(Class<C> type) {
        String hint = ": collection and map types need a public no-arg constructor; use ArrayList, HashMap,"
                + " HashSet and the like (copy immutable ones such as List.of(...) into them)";
        if (type.isInterface() || Modifier.isAbstract(type.getModifiers())
                || !Modifier.isPublic(type.getModifiers())) {
            throw new IllegalArgumentException("cannot register " + type.getName() + hint);
        }
        try {
            return type.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("cannot register " + type.getName() + hint, e);
        }
    }

    private static <C> C newInstance(Constructor<C> constructor) {
        try {
            return constructor.newInstance();
        } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
            throw new KryoException("cannot create a " + constructor.getDeclaringClass().getName(), e);
        }
    }

    /** Refuses to write an ordering the reader could not rebuild: it creates instances with no comparator. */
    private static void requireNaturalOrder(Object collectionOrMap) {
        Object comparator = null;
        if (collectionOrMap instanceof SortedSet<?> s) {
            comparator = s.comparator();
        } else if (collectionOrMap instanceof SortedMap<?, ?> m) {
            comparator = m.comparator();
        } else if (collectionOrMap instanceof PriorityQueue<?> q) {
            comparator = q.comparator();
        }
        if (comparator != null) {
            throw new IllegalArgumentException("a " + collectionOrMap.getClass().getName()
                    + " with a comparator cannot be encoded: it would decode in natural order");
        }
    }

    /** Any {@link Collection} with a public no-arg constructor: a count, then each element with its class. */
    static final class CollectionSerializer<C extends Collection<Object>> extends Serializer<C> {

        private final Constructor<C> constructor;

        CollectionSerializer(Class<C> type) {
            this.constructor = noArgConstructor(type);
        }

        @Override
        public void write(Kryo kryo, Output output, C collection) {
            requireNaturalOrder(collection);
            int size = collection.size();
            output.writeVarInt(size, true);
            int written = 0;
            for (Object element : collection) {
                kryo.writeClassAndObject(output, element);
                written++;
            }
            if (written != size) {
                throw new KryoException("collection changed while being encoded: size " + size
                        + ", iterated " + written);
            }
        }

        @Override
        public C read(Kryo kryo, Input input, Class<? extends C> type) {
            int size = input.readVarInt(true);
            BoundedInput.checkCount(input, size, 1, "collection size");
            C collection = newInstance(constructor);
            for (int i = 0; i < size; i++) {
                collection.add(kryo.readClassAndObject(input));
            }
            return collection;
        }
    }

    /** Any {@link Map} with a public no-arg constructor: a count, then each key and value with its class. */
    static final class MapSerializer<M extends Map<Object, Object>> extends Serializer<M> {

        private final Constructor<M> constructor;

        MapSerializer(Class<M> type) {
            this.constructor = noArgConstructor(type);
        }

        @Override
        public void write(Kryo kryo, Output output, M map) {
            requireNaturalOrder(map);
            int size = map.size();
            output.writeVarInt(size, true);
            int written = 0;
            for (Map.Entry<Object, Object> entry : map.entrySet()) {
                kryo.writeClassAndObject(output, entry.getKey());
                kryo.writeClassAndObject(output, entry.getValue());
                written++;
            }
            if (written != size) {
                throw new KryoException("map changed while being encoded: size " + size + ", iterated " + written);
            }
        }

        @Override
        public M read(Kryo kryo, Input input, Class<? extends M> type) {
            int size = input.readVarInt(true);
            BoundedInput.checkCount(input, size, 2, "map size");
            M map = newInstance(constructor);
            for (int i = 0; i < size; i++) {
                Object key = kryo.readClassAndObject(input);
                Object value = kryo.readClassAndObject(input);
                map.put(key, value);
            }
            return map;
        }
    }

    /**
     * Arrays of a reference type ({@code String[]}, {@code Foo[]}, {@code int[][]}): a count, then each
     * element with its class, checked against the component type (a hostile payload could otherwise name
     * any registered class and make the store fail).
     */
    static final class ObjectArraySerializer extends Serializer<Object[]> {

        private final Class<?> componentType;

        ObjectArraySerializer(Class<?> arrayType) {
            if (!arrayType.isArray() || arrayType.getComponentType().isPrimitive()) {
                throw new IllegalArgumentException("not an array of references: " + arrayType.getName());
            }
            this.componentType = arrayType.getComponentType();
        }

        @Override
        public void write(Kryo kryo, Output output, Object[] array) {
            output.writeVarInt(array.length, true);
            for (Object element : array) {
                kryo.writeClassAndObject(output, element);
            }
        }

        @Override
        public Object[] read(Kryo kryo, Input input, Class<? extends Object[]> type) {
            int length = input.readVarInt(true);
            BoundedInput.checkCount(input, length, 1, "array length");
            Object[] array = (Object[]) Array.newInstance(componentType, length);
            for (int i = 0; i < length; i++) {
                Object element = kryo.readClassAndObject(input);
                if (element != null && !componentType.isInstance(element)) {
                    throw new KryoException("a " + element.getClass().getName() + " cannot be an element of a "
                            + componentType.getName() + "[]");
                }
                array[i] = element;
            }
            return array;
        }
    }

    /**
     * The JDK's immutable collections ({@code List.of}, {@code Set.of}, {@code Map.of}, {@code copyOf},
     * {@code Stream.toList}): the same format as the mutable ones, rebuilt with {@code List.copyOf},
     * {@code Set.copyOf} or {@code Map.copyOf}, so a decoded value is again immutable (and re-encodable).
     * They cannot hold null, so a null element is refused when encoding (only {@code Stream.toList} makes
     * such lists) and fails the decode.
     */
    static final class ImmutableSerializer extends Serializer<Object> {

        /** Which factory rebuilds the value. */
        enum Kind { LIST, SET, MAP }

        private final Kind kind;

        ImmutableSerializer(Kind kind) {
            this.kind = kind;
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output output, Object value) {
            if (kind == Kind.MAP) {
                Map<?, ?> map = (Map<?, ?>) value;
                output.writeVarInt(map.size(), true);
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    kryo.writeClassAndObject(output, entry.getKey());
                    kryo.writeClassAndObject(output, entry.getValue());
                }
                return;
            }
            Collection<?> collection = (Collection<?>) value;
            output.writeVarInt(collection.size(), true);
            for (Object element : collection) {
                if (element == null) {
                    throw new IllegalArgumentException("an immutable " + kind.name().toLowerCase(java.util.Locale.ROOT)
                            + " holding null cannot be encoded: it would not decode (List.copyOf refuses nulls);"
                            + " use an ArrayList");
                }
                kryo.writeClassAndObject(output, element);
            }
        }

        @Override
        public Object read(Kryo kryo, Input input, Class<? extends Object> type) {
            int size = input.readVarInt(true);
            if (kind == Kind.MAP) {
                BoundedInput.checkCount(input, size, 2, "map size");
                Map<Object, Object> map = new HashMap<>();
                for (int i = 0; i < size; i++) {
                    Object key = kryo.readClassAndObject(input);
                    map.put(key, kryo.readClassAndObject(input));
                }
                return Map.copyOf(map);
            }
            BoundedInput.checkCount(input, size, 1, "collection size");
            List<Object> elements = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                elements.add(kryo.readClassAndObject(input));
            }
            return kind == Kind.LIST ? List.copyOf(elements) : Set.copyOf(elements);
        }
    }

    /** {@code boolean[]}: a count, then one byte per element, read through the bounded bulk reader. */
    static final class BooleanArraySerializer extends Serializer<boolean[]> {

        @Override
        public void write(Kryo kryo, Output output, boolean[] array) {
            output.writeVarInt(array.length, true);
            output.writeBooleans(array, 0, array.length);
        }

        @Override
        public boolean[] read(Kryo kryo, Input input, Class<? extends boolean[]> type) {
            int length = input.readVarInt(true);
            BoundedInput.checkCount(input, length, 1, "boolean array length");
            return input.readBooleans(length);
        }
    }
}
