package dev.grapevine.payload;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.util.DefaultClassResolver;

/**
 * Kryo's class resolver minus class names. Even with registration required, Kryo 5.6.2 still accepts a
 * class written by name (class ID 0 on the wire) and calls {@code Class.forName} on whatever name the
 * payload holds before finding it unregistered: hostile input could make a node load any class on its
 * class path. Registered classes are always written by ID, so a name is refused outright.
 */
final class RegisteredOnlyClassResolver extends DefaultClassResolver {

    @Override
    protected Registration readName(Input input) {
        throw new KryoException("payload names a class instead of giving a registered class ID");
    }
}
