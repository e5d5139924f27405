package dev.grapevine.wire;

import dev.grapevine.DropReason;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bounds-checked reads of the wire primitives from a {@link ByteBuffer}.
 *
 * <p>Every read checks the bytes it needs against the current limit first and reports a shortfall as a
 * {@link DecodeException}, so no {@code BufferUnderflowException} or {@code IndexOutOfBoundsException} can
 * escape, and every length or count the input declares is checked against the bytes left before anything
 * is allocated for it.
 *
 * <p>Reads are absolute ({@code buf.get(index)}) with a private cursor: the buffer's own position is left
 * alone, so a failed decode leaves the caller's buffer as it was, and no {@code duplicate()} is needed.
 *
 * <p>Not thread-safe; one instance per decode.
 */
final class WireReader {

    private final ByteBuffer buf;
    private int pos;
    private int limit;
    /**
     * What running out of bytes means here. At the top level the input really ended early (TRUNCATED);
     * inside a compound's inner frame the input is all there and the frame disagrees with its own length
     * prefix, which is MALFORMED.
     */
    private DropReason underflow = DropReason.TRUNCATED;

    WireReader(ByteBuffer buf) {
        this.buf = buf;
        this.pos = buf.position();
        this.limit = buf.limit();
    }

    /** The absolute index of the next byte. */
    int position() {
        return pos;
    }

    /** The bytes left before the current limit. */
    int remaining() {
        return limit - pos;
    }

    /*
     * Field labels are for error messages only. Where a label is built from two parts (a field and what part
     * of it: " length", " count", " port"...), the parts travel separately and are joined only when a message
     * is made, so a well-formed packet costs no string concatenation.
     */

    private void require(int n, String what, String suffix) throws DecodeException {
        if (limit - pos < n) {
            throw new DecodeException(underflow, what + suffix + " needs " + n + " bytes, " + (limit - pos)
                    + " left");
        }
    }

    /** A fixed 8-byte big-endian long. */
    long fixed64(String what) throws DecodeException {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | u8(what);
        }
        return v;
    }

    /** One unsigned byte. */
    int u8(String what) throws DecodeException {
        return u8(what, "");
    }

    private int u8(String what, String suffix) throws DecodeException {
        require(1, what, suffix);
        return buf.get(pos++) & 0xFF;
    }

    /** A two-byte big-endian unsigned number. */
    private int u16(String what, String suffix) throws DecodeException {
        require(2, what, suffix);
        int v = ((buf.get(pos) & 0xFF) << 8) | (buf.get(pos + 1) & 0xFF);
        pos += 2;
        return v;
    }

    /**
     * An unsigned LEB128 number of at most 32 bits, returned as its 32-bit pattern (so values from 2^31 up
     * come back negative). Rejects a sixth byte, a fifth byte with bits beyond 32, and non-minimal forms
     * (a last byte of zero after the first): each value has exactly one encoding, so a re-encoded message
     * matches the bytes it came from.
     */
    int varint32(String what) throws DecodeException {
        return varint32(what, "");
    }

    private int varint32(String what, String suffix) throws DecodeException {
        int result = 0;
        for (int i = 0; i < 5; i++) {
            int b = u8(what, suffix);
            if (i == 4 && b > 0x0F) {
                // Also covers a continuation bit on the fifth byte (0x80 > 0x0F).
                throw malformed(what + suffix + ": varint longer than 32 bits");
            }
            result |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw malformed(what + suffix + ": non-minimal varint");
                }
                return result;
            }
        }
        throw new AssertionError("unreachable: the fifth byte always ends the varint");
    }

    /** An unsigned LEB128 number of at most 64 bits, as its 64-bit pattern. Same strictness as {@link #varint32}. */
    long varint64(String what) throws DecodeException {
        long result = 0;
        for (int i = 0; i < 10; i++) {
            int b = u8(what);
            if (i == 9 && b > 0x01) {
                throw malformed(what + ": varint longer than 64 bits");
            }
            result |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw malformed(what + ": non-minimal varint");
                }
                return result;
            }
        }
        throw new AssertionError("unreachable: the tenth byte always ends the varint");
    }

    /** A non-negative long varint (incarnation numbers). */
    long incarnation() throws DecodeException {
        long v = varint64("incarnation");
        if (v < 0) {
            throw malformed("incarnation " + Long.toUnsignedString(v) + " is negative as a signed long");
        }
        return v;
    }

    /**
     * A byte length that must fit in the bytes left: checked here, before the caller allocates or slices
     * anything for it.
     */
    int length(String what) throws DecodeException {
        long len = Integer.toUnsignedLong(varint32(what, " length"));
        if (len > limit - pos) {
            throw new DecodeException(underflow,
                    what + " length " + len + " exceeds " + (limit - pos) + " remaining bytes");
        }
        return (int) len;
    }

    /**
     * An element count, where each element takes at least {@code minBytesEach} bytes: a count the bytes
     * left cannot hold is rejected before the caller sizes a collection by it.
     */
    int count(String what, int minBytesEach) throws DecodeException {
        long n = Integer.toUnsignedLong(varint32(what, " count"));
        if (n * minBytesEach > limit - pos) {
            throw new DecodeException(underflow, what + " count " + n + " cannot fit in "
                    + (limit - pos) + " remaining bytes");
        }
        return (int) n;
    }

    /** A length-prefixed byte string (its length checked against the bytes left before the copy). */
    byte[] bytes(String what) throws DecodeException {
        int len = length(what);
        byte[] out = new byte[len];
        buf.get(pos, out);
        pos += len;
        return out;
    }

    /** A non-negative long varint (Lamport times, timeouts). */
    long unsigned(String what) throws DecodeException {
        long v = varint64(what);
        if (v < 0) {
            throw malformed(what + " " + Long.toUnsignedString(v) + " is negative as a signed long");
        }
        return v;
    }

    /** A count-prefixed list of non-empty names. */
    java.util.List<String> names(String what) throws DecodeException {
        int n = count(what, 2);
        if (n == 0) {
            return java.util.List.of();
        }
        java.util.List<String> out = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(name(what));
        }
        return java.util.Collections.unmodifiableList(out);
    }

    /** A flag byte: 0 or 1, nothing else. */
    boolean bool(String what) throws DecodeException {
        int b = u8(what);
        if (b > 1) {
            throw malformed(what + ": flag byte " + b);
        }
        return b == 1;
    }

    /** A length-prefixed strict UTF-8 string, possibly empty. */
    String string(String what) throws DecodeException {
        int len = length(what);
        if (len == 0) {
            return "";
        }
        String s;
        if (buf.hasArray()) {
            // Heap buffer: validate and decode in place, no copy.
            byte[] a = buf.array();
            int off = buf.arrayOffset() + pos;
            if (!Utf8.isValid(a, off, len)) {
                throw malformed(what + ": invalid UTF-8");
            }
            s = new String(a, off, len, StandardCharsets.UTF_8);
        } else {
            // Direct or read-only buffer: copy out first. len <= remaining, checked above.
            byte[] a = new byte[len];
            buf.get(pos, a);
            if (!Utf8.isValid(a, 0, len)) {
                throw malformed(what + ": invalid UTF-8");
            }
            s = new String(a, StandardCharsets.UTF_8);
        }
        pos += len;
        return s;
    }

    /** A node name: a string that must not be empty. */
    String name(String what) throws DecodeException {
        String s = string(what);
        if (s.isEmpty()) {
            throw malformed(what + ": empty name");
        }
        return s;
    }

    /** Family byte (4 or 6), the address bytes, a big-endian port. Never resolves a host name. */
    InetSocketAddress address(String what) throws DecodeException {
        int family = u8(what, " family");
        int n;
        if (family == 4) {
            n = 4;
        } else if (family == 6) {
            n = 16;
        } else {
            throw malformed(what + ": unknown address family " + family);
        }
        require(n + 2, what, "");
        byte[] raw = new byte[n];
        buf.get(pos, raw);
        pos += n;
        int port = u16(what, " port");
        InetAddress ip;
        try {
            // With a byte array and no host name this is a pure conversion: no DNS lookup.
            ip = InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new AssertionError("getByAddress rejected a " + n + "-byte address", e);
        }
        return new InetSocketAddress(ip, port);
    }

    /** A tag map, in wire order, unmodifiable. Duplicate keys are MALFORMED. */
    Map<String, String> tags() throws DecodeException {
        int n = count("tags", 2); // an entry is at least two zero-length strings
        if (n == 0) {
            return Map.of();
        }
        Map<String, String> tags = new LinkedHashMap<>((int) (n / 0.75f) + 1);
        for (int i = 0; i < n; i++) {
            String key = string("tag key");
            String value = string("tag value");
            if (tags.put(key, value) != null) {
                throw malformed("duplicate tag key");
            }
        }
        return Collections.unmodifiableMap(tags);
    }

    /**
     * Narrows the readable range to the next {@code length} bytes (an inner frame), which the caller has
     * already checked are there. Returns the limit to hand back to {@link #exitFrame}.
     */
    int enterFrame(int length) {
        int saved = limit;
        limit = pos + length;
        underflow = DropReason.MALFORMED;
        return saved;
    }

    /** Passes over what is left of the current inner frame (one of a type this version does not know). */
    void skipToFrameEnd() {
        pos = limit;
    }

    /** Leaves an inner frame, which must have been read to its last byte. */
    void exitFrame(int savedLimit) throws DecodeException {
        if (pos != limit) {
            throw malformed("inner frame has " + (limit - pos) + " bytes its body did not use");
        }
        limit = savedLimit;
        underflow = DropReason.TRUNCATED;
    }

    /** Checks that the input was read to its end. */
    void expectEnd() throws DecodeException {
        if (pos != limit) {
            throw malformed((limit - pos) + " trailing bytes after the frame");
        }
    }

    private static DecodeException malformed(String message) {
        return new DecodeException(DropReason.MALFORMED, message);
    }
}
