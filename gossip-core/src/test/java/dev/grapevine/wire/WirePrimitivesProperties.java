package dev.grapevine.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.grapevine.DropReason;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Properties of the primitives under the codec: varints and strict UTF-8. */
class WirePrimitivesProperties {

    @Property
    void longVarintsRoundTripInTheAdvertisedSize(@ForAll long v) throws DecodeException {
        ByteBuffer b = ByteBuffer.allocate(10);
        WireWriter.writeVarint(b, v);
        assertEquals(Codec.varintSize(v), b.position());
        WireReader r = new WireReader(b.flip());
        assertEquals(v, r.varint64("v"));
        assertEquals(0, r.remaining());
    }

    @Property
    void intVarintsRoundTripAsUnsigned32Bits(@ForAll int v) throws DecodeException {
        ByteBuffer b = ByteBuffer.allocate(5);
        WireWriter.writeVarint32(b, v);
        assertEquals(Codec.varintSize(Integer.toUnsignedLong(v)), b.position());
        assertEquals(v, new WireReader(b.flip()).varint32("v"));
    }

    @Property
    void everyPrefixOfAVarintIsTruncated(@ForAll long v) {
        ByteBuffer b = ByteBuffer.allocate(10);
        WireWriter.writeVarint(b, v);
        for (int len = 0; len < b.position(); len++) {
            ByteBuffer prefix = ByteBuffer.wrap(b.array(), 0, len);
            DecodeException e = assertThrows(DecodeException.class, () -> new WireReader(prefix).varint64("v"));
            assertEquals(DropReason.TRUNCATED, e.reason());
        }
    }

    @Property
    void utf8ValidationAgreesWithTheJdksStrictDecoder(@ForAll("utf8ish") byte[] bytes) {
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        String jdk;
        try {
            CharBuffer chars = strict.decode(ByteBuffer.wrap(bytes));
            jdk = chars.toString();
        } catch (CharacterCodingException e) {
            jdk = null;
        }
        assertEquals(jdk != null, Utf8.isValid(bytes, 0, bytes.length));
    }

    @Property
    void utf8EncodingMatchesTheJdkForWellFormedStrings(@ForAll String s) {
        boolean wellFormed = StandardCharsets.UTF_8.newEncoder().canEncode(s);
        if (!wellFormed) {
            assertThrows(IllegalArgumentException.class, () -> Utf8.encodedLength(s));
            return;
        }
        byte[] expected = s.getBytes(StandardCharsets.UTF_8);
        assertEquals(expected.length, Utf8.encodedLength(s));
        ByteBuffer out = ByteBuffer.allocate(expected.length);
        Utf8.encode(s, out);
        assertEquals(ByteBuffer.wrap(expected), out.flip());
    }

    /** Short byte strings dense in lead and continuation bytes, where UTF-8's edge cases live. */
    @Provide
    Arbitrary<byte[]> utf8ish() {
        Arbitrary<Byte> interesting = Arbitraries.oneOf(List.of(
                Arbitraries.bytes().between((byte) 0x00, (byte) 0x7F),
                Arbitraries.integers().between(0x80, 0xBF).map(Integer::byteValue),
                Arbitraries.integers().between(0xC0, 0xFF).map(Integer::byteValue),
                Arbitraries.of((byte) 0xE0, (byte) 0xED, (byte) 0xF0, (byte) 0xF4, (byte) 0x9F,
                        (byte) 0xA0, (byte) 0x8F, (byte) 0x90)));
        return interesting.array(byte[].class).ofMaxSize(12);
    }
}
