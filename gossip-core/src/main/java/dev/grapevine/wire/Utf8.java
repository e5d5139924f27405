package dev.grapevine.wire;

import java.nio.ByteBuffer;

/**
 * Strict UTF-8 without the JDK's silent replacement: {@link String#getBytes} turns an unpaired surrogate
 * into {@code '?'} and {@code new String(bytes, UTF_8)} turns a bad sequence into U+FFFD, and either would
 * let two nodes disagree about a member's name. Here bad input is rejected instead.
 */
final class Utf8 {

    private Utf8() {
    }

    /**
     * The number of bytes {@code s} takes in UTF-8.
     *
     * @throws IllegalArgumentException if {@code s} holds an unpaired surrogate (it has no UTF-8 form)
     */
    static int encodedLength(String s) {
        int n = s.length();
        int bytes = n; // one byte per char to start with; the branches below add the rest
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    throw new IllegalArgumentException("unpaired surrogate at index " + i);
                }
                bytes += 2; // two chars, four bytes
                i++;
            } else if (Character.isLowSurrogate(c)) {
                throw new IllegalArgumentException("unpaired surrogate at index " + i);
            } else {
                bytes += 2;
            }
        }
        return bytes;
    }

    /**
     * Writes {@code s} as UTF-8 at the buffer's position. The caller has checked it with
     * {@link #encodedLength} and made room, so there are no checks here. Writing char by char spares the
     * byte array {@code getBytes} would allocate.
     */
    static void encode(String s, ByteBuffer out) {
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out.put((byte) c);
            } else if (c < 0x800) {
                out.put((byte) (0xC0 | (c >>> 6)));
                out.put((byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate(c)) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out.put((byte) (0xF0 | (cp >>> 18)));
                out.put((byte) (0x80 | ((cp >>> 12) & 0x3F)));
                out.put((byte) (0x80 | ((cp >>> 6) & 0x3F)));
                out.put((byte) (0x80 | (cp & 0x3F)));
            } else {
                out.put((byte) (0xE0 | (c >>> 12)));
                out.put((byte) (0x80 | ((c >>> 6) & 0x3F)));
                out.put((byte) (0x80 | (c & 0x3F)));
            }
        }
    }

    /**
     * True when {@code len} bytes of {@code b} from {@code off} are well-formed UTF-8 as Unicode defines it
     * (table 3-7): no overlong forms, no encoded surrogates, nothing above U+10FFFF, no cut-off sequence.
     * That is exactly what the JDK's decoder accepts with {@code CodingErrorAction.REPORT}, without
     * allocating a decoder per string.
     */
    static boolean isValid(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                i++;
                continue;
            }
            int need;
            int lo = 0x80; // allowed range of the second byte; narrower after some lead bytes
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                if (b0 == 0xE0) {
                    lo = 0xA0; // below is an overlong form
                } else if (b0 == 0xED) {
                    hi = 0x9F; // above is a surrogate
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                if (b0 == 0xF0) {
                    lo = 0x90; // below is an overlong form
                } else if (b0 == 0xF4) {
                    hi = 0x8F; // above is beyond U+10FFFF
                }
            } else {
                return false; // a continuation byte, an overlong lead (C0, C1) or F5..FF
            }
            if (end - i - 1 < need) {
                return false;
            }
            int b1 = b[i + 1] & 0xFF;
            if (b1 < lo || b1 > hi) {
                return false;
            }
            for (int k = 2; k <= need; k++) {
                if ((b[i + k] & 0xC0) != 0x80) {
                    return false;
                }
            }
            i += need + 1;
        }
        return true;
    }
}
