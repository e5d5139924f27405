package dev.grapevine.payload;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;

/**
 * A Kryo {@link Input} over exactly one payload array that refuses any declared length the payload
 * cannot possibly hold, before Kryo allocates for it.
 *
 * <p>Kryo 5.6.2's {@code Input} trusts lengths: {@code readBytes(n)} and the bulk primitive readers do
 * {@code new T[n]} first and discover the underflow afterwards, and {@code readString} sizes its char
 * buffer from the declared character count. A few bytes declaring 2<sup>30</sup> characters therefore
 * cost gigabytes. Every element takes at least one byte of input (a fixed-width one its full width), so
 * a length is accepted only when {@code length * minimumElementBytes <= remaining}; anything else fails
 * with a {@link KryoException} that names the length and what was left, which the codec turns into a
 * {@link PayloadException}.
 *
 * <p>Overridden here: every {@code Input} method of 5.6.2 that allocates from a length it was given or
 * read: {@link #readBytes(int)}, {@link #readInts(int)}, {@link #readInts(int, boolean)},
 * {@link #readLongs(int)}, {@link #readLongs(int, boolean)}, {@link #readFloats(int)},
 * {@link #readDoubles(int)}, {@link #readShorts(int)}, {@link #readChars(int)},
 * {@link #readBooleans(int)}, {@link #readString()} and {@link #readStringBuilder()}. The ASCII form of a
 * string carries no length (its last byte is marked), so it can only grow as far as the bytes it reads.
 * Nothing here reads from a stream: the whole payload is the buffer, so an underflow is final.
 */
final class BoundedInput extends Input {

    BoundedInput(byte[] payload) {
        super(payload);
    }

    /** Bytes not yet read. */
    int remaining() {
        return limit - position;
    }

    /**
     * Fails unless {@code count} elements of at least {@code minBytesEach} bytes each fit in what is left
     * of {@code input}. Used by the bounded serializers too, before they size a collection or array.
     *
     * @param what names the length in the message, e.g. "collection size"
     */
    static void checkCount(Input input, int count, int minBytesEach, String what) {
        int remaining = input.limit() - input.position();
        if (count < 0) {
            throw new KryoException("declared " + what + " " + count + " is negative");
        }
        if ((long) count * minBytesEach > remaining) {
            throw new KryoException("declared " + what + " " + count + " needs at least "
                    + (long) count * minBytesEach + " bytes but only " + remaining
                    + " are left in the payload");
        }
    }

    @Override
    public byte[] readBytes(int length) {
        checkCount(this, length, 1, "byte array length");
        return super.readBytes(length);
    }

    @Override
    public int[] readInts(int length) {
        checkCount(this, length, Integer.BYTES, "int array length");
        return super.readInts(length);
    }

    @Override
    public int[] readInts(int length, boolean optimizePositive) {
        checkCount(this, length, getVariableLengthEncoding() ? 1 : Integer.BYTES, "int array length");
        return super.readInts(length, optimizePositive);
    }

    @Override
    public long[] readLongs(int length) {
        checkCount(this, length, Long.BYTES, "long array length");
        return super.readLongs(length);
    }

    @Override
    public long[] readLongs(int length, boolean optimizePositive) {
        checkCount(this, length, getVariableLengthEncoding() ? 1 : Long.BYTES, "long array length");
        return super.readLongs(length, optimizePositive);
    }

    @Override
    public float[] readFloats(int length) {
        checkCount(this, length, Float.BYTES, "float array length");
        return super.readFloats(length);
    }

    @Override
    public double[] readDoubles(int length) {
        checkCount(this, length, Double.BYTES, "double array length");
        return super.readDoubles(length);
    }

    @Override
    public short[] readShorts(int length) {
        checkCount(this, length, Short.BYTES, "short array length");
        return super.readShorts(length);
    }

    @Override
    public char[] readChars(int length) {
        checkCount(this, length, Character.BYTES, "char array length");
        return super.readChars(length);
    }

    @Override
    public boolean[] readBooleans(int length) {
        checkCount(this, length, 1, "boolean array length");
        return super.readBooleans(length);
    }

    @Override
    public String readString() {
        checkUtf8Length();
        return super.readString();
    }

    @Override
    public StringBuilder readStringBuilder() {
        checkUtf8Length();
        return super.readStringBuilder();
    }

    /**
     * Kryo writes a string either as ASCII with the last byte's high bit set (flag bit clear), or as a
     * varint "character count + 1" with the flag bit set (0 = null, 1 = empty) followed by the characters,
     * one to three bytes each. In the second form Kryo allocates {@code char[count]} before reading, so
     * the count is peeked at here and checked against what follows it; the position is then restored
     * and Kryo reads the string itself.
     */
    private void checkUtf8Length() {
        if (position == limit || (buffer[position] & 0x80) == 0) {
            return; // empty (Kryo reports the underflow) or the self-delimiting ASCII form
        }
        int start = position;
        int countPlusOne = readVarIntFlag(true);
        try {
            if (countPlusOne > 1) {
                checkCount(this, countPlusOne - 1, 1, "string length");
            } else if (countPlusOne < 0) {
                throw new KryoException("declared string length " + countPlusOne + " is negative");
            }
        } finally {
            position = start;
        }
    }
}
