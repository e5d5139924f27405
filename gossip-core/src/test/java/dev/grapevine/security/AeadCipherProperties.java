package dev.grapevine.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Generated-input properties of both {@link Aead} implementations: round trips, and every kind of damage
 * (a flipped bit, a wrong key, another cluster's label, truncation, a foreign version, random junk) ends
 * in {@link AeadException} and nothing else.
 */
class AeadCipherProperties {

    private static final List<Aead> IMPLS = List.of(new JdkAesGcm(), new BouncyCastleAesGcm());

    @Provide
    Arbitrary<Aead> impls() {
        return Arbitraries.of(IMPLS);
    }

    @Provide
    Arbitrary<byte[]> keys() {
        return Arbitraries.of(16, 24, 32).flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n));
    }

    @Provide
    Arbitrary<byte[]> plaintexts() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(1400);
    }

    @Provide
    Arbitrary<String> clusters() {
        return Arbitraries.strings().ofMinLength(0).ofMaxLength(40);
    }

    @Property
    void sealThenOpenRoundTrips(@ForAll("impls") Aead sealer, @ForAll("impls") Aead opener,
                                @ForAll("keys") byte[] key, @ForAll("plaintexts") byte[] plaintext,
                                @ForAll("clusters") String cluster) throws AeadException {
        byte[] aad = Encryptor.aadFor(cluster);
        byte[] packet = sealer.seal(key, plaintext, 0, plaintext.length, aad);
        assertEquals(plaintext.length + Aead.OVERHEAD, packet.length);
        assertEquals(Aead.VERSION, packet[0]);
        assertArrayEquals(plaintext, opener.open(key, packet, 0, packet.length, aad));
    }

    @Property
    void bufferFormsRoundTripAtOffsetsAndThroughDirectBuffers(
            @ForAll("impls") Aead impl, @ForAll("keys") byte[] key, @ForAll("plaintexts") byte[] plaintext,
            @ForAll @IntRange(max = 7) int offset, @ForAll boolean direct) throws AeadException {
        AeadKey k = AeadKey.of(key);
        ByteBuffer in = buffer(direct, offset + plaintext.length);
        in.position(offset);
        in.put(plaintext).position(offset);
        ByteBuffer sealed = buffer(!direct, offset + plaintext.length + Aead.OVERHEAD + 5);
        sealed.position(offset);
        assertEquals(plaintext.length + Aead.OVERHEAD, impl.seal(k, in, sealed, null));
        assertEquals(in.limit(), in.position());
        sealed.limit(sealed.position()).position(offset);

        ByteBuffer out = buffer(direct, offset + plaintext.length);
        out.position(offset);
        assertEquals(plaintext.length, impl.open(k, sealed.asReadOnlyBuffer(), out, null));
        byte[] back = new byte[plaintext.length];
        out.flip().position(offset);
        out.get(back);
        assertArrayEquals(plaintext, back);
    }

    @Property
    void anyFlippedBitFailsAuthentication(@ForAll("impls") Aead sealer, @ForAll("impls") Aead opener,
                                          @ForAll("keys") byte[] key,
                                          @ForAll @Size(max = 300) byte[] plaintext,
                                          @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where) {
        byte[] aad = Encryptor.aadFor("shop");
        byte[] packet = sealer.seal(key, plaintext, 0, plaintext.length, aad);
        int bit = where % (packet.length * 8);
        packet[bit / 8] ^= (byte) (1 << (bit % 8));
        assertThrows(AeadException.class, () -> opener.open(key, packet, 0, packet.length, aad));
    }

    @Property
    void wrongKeyFails(@ForAll("impls") Aead sealer, @ForAll("impls") Aead opener,
                       @ForAll("keys") byte[] key, @ForAll("keys") byte[] other,
                       @ForAll("plaintexts") byte[] plaintext) {
        if (Arrays.equals(key, other)) {
            return;
        }
        byte[] packet = sealer.seal(key, plaintext, 0, plaintext.length, null);
        assertThrows(AeadException.class, () -> opener.open(other, packet, 0, packet.length, null));
    }

    @Property
    void anotherClustersLabelFails(@ForAll("impls") Aead sealer, @ForAll("impls") Aead opener,
                                   @ForAll("keys") byte[] key, @ForAll("plaintexts") byte[] plaintext,
                                   @ForAll("clusters") String mine, @ForAll("clusters") String theirs) {
        if (mine.equals(theirs)) {
            return;
        }
        byte[] packet = sealer.seal(key, plaintext, 0, plaintext.length, Encryptor.aadFor(mine));
        assertThrows(AeadException.class,
                () -> opener.open(key, packet, 0, packet.length, Encryptor.aadFor(theirs)));
    }

    @Property
    void everyTruncationFailsCleanly(@ForAll("impls") Aead impl, @ForAll("keys") byte[] key,
                                     @ForAll @Size(max = 200) byte[] plaintext,
                                     @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int cut) {
        byte[] packet = impl.seal(key, plaintext, 0, plaintext.length, null);
        int len = cut % packet.length;   // strictly shorter than the packet, possibly below the overhead
        expectOnlyAeadException(impl, key, Arrays.copyOf(packet, len));
        expectOnlyAeadException(impl, key, Arrays.copyOfRange(packet, packet.length - len, packet.length));
    }

    @Property
    void everyOtherVersionByteFails(@ForAll("impls") Aead impl, @ForAll("keys") byte[] key,
                                    @ForAll @Size(max = 100) byte[] plaintext, @ForAll byte version) {
        if (version == Aead.VERSION) {
            return;
        }
        byte[] packet = impl.seal(key, plaintext, 0, plaintext.length, null);
        packet[0] = version;
        AeadException e = assertThrows(AeadException.class, () -> impl.open(key, packet, 0, packet.length, null));
        assertEquals("unknown envelope version " + (version & 0xff) + ", expected " + (Aead.VERSION & 0xff), e.getMessage());
    }

    @Property
    void randomJunkOnlyEverThrowsAeadException(@ForAll("impls") Aead impl, @ForAll("keys") byte[] key,
                                               @ForAll @Size(max = 1500) byte[] junk, @ForAll boolean versionOne) {
        if (versionOne && junk.length > 0) {
            junk[0] = Aead.VERSION;   // get past the version check to the tag check
        }
        expectOnlyAeadException(impl, key, junk);
    }

    @Property(tries = 200)
    void failedOpenMovesNothingAndLeavesNoPlaintext(@ForAll("impls") Aead impl, @ForAll("keys") byte[] key,
                                                    @ForAll @Size(min = 1, max = 300) byte[] plaintext,
                                                    @ForAll boolean direct) {
        AeadKey k = AeadKey.of(key);
        byte[] packet = impl.seal(key, plaintext, 0, plaintext.length, null);
        packet[packet.length - 1] ^= 1;   // damage the tag only: the ciphertext itself still decrypts
        ByteBuffer in = ByteBuffer.wrap(packet);
        ByteBuffer out = buffer(direct, plaintext.length + 3);
        out.position(3);
        assertThrows(AeadException.class, () -> impl.open(k, in, out, null));
        assertEquals(0, in.position());
        assertEquals(3, out.position());
        for (int i = 0; i < out.capacity(); i++) {
            assertEquals(0, out.get(i), "byte " + i + " of the output after a failed open");
        }
    }

    private static void expectOnlyAeadException(Aead impl, byte[] key, byte[] packet) {
        try {
            impl.open(key, packet, 0, packet.length, null);
            fail("opened a damaged packet of " + packet.length + " bytes");
        } catch (AeadException expected) {
            // the only acceptable outcome
        }
        // The buffer form too: wrong-sized output must not matter for a malformed packet.
        try {
            impl.open(AeadKey.of(key), ByteBuffer.wrap(packet), ByteBuffer.allocate(packet.length), null);
            fail("opened a damaged packet of " + packet.length + " bytes");
        } catch (AeadException expected) {
            // the only acceptable outcome
        }
    }

    private static ByteBuffer buffer(boolean direct, int capacity) {
        return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }
}
