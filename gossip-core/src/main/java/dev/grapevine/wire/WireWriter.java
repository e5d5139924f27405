package dev.grapevine.wire;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;

/**
 * The wire primitives, each as a pair: a {@code size} method that validates the value and says how many
 * bytes it takes, and a {@code write} method that writes it without further checks.
 *
 * <p>{@link Codec} runs the whole size pass first, so an invalid message or a buffer too small is
 * reported before a single byte is written: the output buffer is never left holding half a frame.
 */
final class WireWriter {

    private WireWriter() {
    }

    /** Bytes of the unsigned LEB128 form of {@code v} (1..10; negative values take 10). */
    static int varintSize(long v) {
        // 7 payload bits per byte; a zero still takes one byte.
        int bits = 64 - Long.numberOfLeadingZeros(v | 1);
        return (bits + 6) / 7;
    }

    /** Bytes of a 32-bit varint: {@code v}'s bit pattern read as unsigned, so negatives take 5. */
    static int varint32Size(int v) {
        return varintSize(Integer.toUnsignedLong(v));
    }

    /** Writes {@code v} as unsigned LEB128 (negative longs as their 64-bit pattern, in 10 bytes). */
    static void writeVarint(ByteBuffer out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    /** Writes a 32-bit varint from {@code v}'s unsigned bit pattern (sequence numbers). */
    static void writeVarint32(ByteBuffer out, int v) {
        writeVarint(out, Integer.toUnsignedLong(v));
    }

    /** Size of an incarnation number, which must be non-negative. */
    static int incarnationSize(long incarnation) {
        if (incarnation < 0) {
            throw new IllegalArgumentException("negative incarnation " + incarnation);
        }
        return varintSize(incarnation);
    }

    /** Size of a length-prefixed string. */
    static int stringSize(String s) {
        int len = Utf8.encodedLength(Objects.requireNonNull(s, "string"));
        return varintSize(len) + len;
    }

    /** Size of a node name, which must not be empty (decoders reject empty names). */
    static int nameSize(String name) {
        if (Objects.requireNonNull(name, "name").isEmpty()) {
            throw new IllegalArgumentException("empty node name");
        }
        return stringSize(name);
    }

    /** Writes a length-prefixed UTF-8 string already checked by {@link #stringSize}. */
    static void writeString(ByteBuffer out, String s) {
        writeVarint(out, Utf8.encodedLength(s));
        Utf8.encode(s, out);
    }

    /** Size of an address: family byte, 4 or 16 address bytes, two port bytes. */
    static int addressSize(InetSocketAddress a) {
        Objects.requireNonNull(a, "address");
        if (a.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address " + a.getHostString() + ":" + a.getPort());
        }
        return a.getAddress() instanceof Inet4Address ? 1 + 4 + 2 : 1 + 16 + 2;
    }

    /** Writes an address already checked by {@link #addressSize}. */
    static void writeAddress(ByteBuffer out, InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        // An Inet6Address always has 16 bytes; a scope id, if any, is not carried.
        out.put((byte) (ip instanceof Inet4Address ? 4 : 6));
        out.put(ip.getAddress());
        int port = a.getPort();
        out.put((byte) (port >>> 8));
        out.put((byte) port);
    }

    /** Size of a tag map: a count, then each key and value as strings. */
    static int tagsSize(Map<String, String> tags) {
        int size = varintSize(Objects.requireNonNull(tags, "tags").size());
        for (Map.Entry<String, String> e : tags.entrySet()) {
            size += stringSize(e.getKey()) + stringSize(e.getValue());
        }
        return size;
    }

    /** Writes a tag map already checked by {@link #tagsSize}, in the map's iteration order. */
    static void writeTags(ByteBuffer out, Map<String, String> tags) {
        writeVarint(out, tags.size());
        for (Map.Entry<String, String> e : tags.entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue());
        }
    }

    /** Size of a length-prefixed byte string. */
    static int bytesSize(byte[] b) {
        int len = Objects.requireNonNull(b, "bytes").length;
        return varintSize(len) + len;
    }

    /** Writes a length-prefixed byte string. */
    static void writeBytes(ByteBuffer out, byte[] b) {
        writeVarint(out, b.length);
        out.put(b);
    }

    /** Size of a list of node names: a count, then each name. */
    static int namesSize(java.util.List<String> names) {
        int size = varintSize(Objects.requireNonNull(names, "names").size());
        for (String n : names) {
            size += nameSize(n);
        }
        return size;
    }

    /** Writes a list of names already checked by {@link #namesSize}. */
    static void writeNames(ByteBuffer out, java.util.List<String> names) {
        writeVarint(out, names.size());
        for (String n : names) {
            writeString(out, n);
        }
    }

    /** Size of a non-negative long varint (Lamport times, timeouts). */
    static int unsignedSize(long v, String what) {
        if (v < 0) {
            throw new IllegalArgumentException("negative " + what + " " + v);
        }
        return varintSize(v);
    }
}
