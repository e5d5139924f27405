package dev.grapevine.payload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** The two trivial codecs on the interface. */
class PayloadCodecTest {

    @Test
    void bytesIsTheIdentityAndCopies() throws PayloadException {
        byte[] original = {1, 2, 3};
        byte[] encoded = PayloadCodec.bytes().encode(original);
        assertArrayEquals(original, encoded);
        assertNotSame(original, encoded);
        byte[] decoded = PayloadCodec.bytes().decode(encoded);
        assertArrayEquals(original, decoded);
        assertNotSame(encoded, decoded);
    }

    @Test
    void utf8RoundTripsAnyWellFormedText() throws PayloadException {
        String text = "héllo ☃ \uD83D\uDE00";
        byte[] encoded = PayloadCodec.utf8().encode(text);
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), encoded);
        assertEquals(text, PayloadCodec.utf8().decode(encoded));
        assertEquals("", PayloadCodec.utf8().decode(new byte[0]));
    }

    @Test
    void utf8RefusesMalformedInputInsteadOfReplacingIt() {
        for (byte[] bad : new byte[][] {
                {(byte) 0xC3},                               // cut-off sequence
                {'a', (byte) 0x80},                          // stray continuation byte
                {(byte) 0xC0, (byte) 0xAF},                  // overlong '/'
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80},     // encoded surrogate
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}}) { // above U+10FFFF
            PayloadException e = assertThrows(PayloadException.class, () -> PayloadCodec.utf8().decode(bad));
            assertTrue(e.getMessage().contains("not well-formed UTF-8"), e.getMessage());
        }
    }

    @Test
    void utf8RefusesToEncodeAnUnpairedSurrogate() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PayloadCodec.utf8().encode("a\uD800b"));
        assertTrue(e.getMessage().contains("unpaired surrogate"), e.getMessage());
    }
}
