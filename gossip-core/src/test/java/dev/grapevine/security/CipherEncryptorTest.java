package dev.grapevine.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/** {@link Encryptor}: cluster binding, decryption with every key, a full rotation between two nodes. */
class CipherEncryptorTest {

    private static ByteBuffer msg(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b).toString();
    }

    @Test
    void roundTripOnBothImplementations() throws AeadException {
        Keyring ring = Keyring.of(Keyring.generateKey());
        for (Aead impl : new Aead[] {new JdkAesGcm(), new BouncyCastleAesGcm()}) {
            Encryptor e = new Encryptor(ring, impl, "shop");
            byte[] packet = e.encrypt(msg("alive app1 7"));
            assertEquals(12 + e.overhead(), packet.length);
            ByteBuffer out = e.decrypt(ByteBuffer.wrap(packet));
            assertEquals(0, out.position());
            assertEquals("alive app1 7", text(out));
        }
    }

    @Test
    void bufferFormsAllocateNothingAndConsumeTheirInput() throws AeadException {
        Encryptor e = new Encryptor(Keyring.of(Keyring.generateKey()), "shop");
        ByteBuffer plain = msg("suspect app3");
        ByteBuffer wire = ByteBuffer.allocate(1500);
        int n = e.encrypt(plain, wire);
        assertEquals(12 + 29, n);
        assertFalse(plain.hasRemaining());
        wire.flip();
        ByteBuffer out = ByteBuffer.allocate(1500);
        assertEquals(12, e.decrypt(wire, out));
        assertFalse(wire.hasRemaining());
        assertEquals("suspect app3", text(out.flip()));
    }

    @Test
    void anotherClusterCannotOpenOurPacketsEvenWithTheSameKey() {
        Keyring ring = Keyring.of(Keyring.generateKey());
        Encryptor shop = new Encryptor(ring, "shop");
        Encryptor shop2 = new Encryptor(ring, "shop2");
        ByteBuffer packet = ByteBuffer.wrap(shop.encrypt(msg("join")));
        AeadException ex = assertThrows(AeadException.class, () -> shop2.decrypt(packet));
        assertEquals("authentication failed", ex.getMessage());
        assertEquals(0, packet.position(), "a failed packet is left as it came");
    }

    @Test
    void theLabelIsPrefixedSoItCannotCollideWithABareName() {
        assertArrayEquals("grapevine/v1/shop".getBytes(StandardCharsets.UTF_8), Encryptor.aadFor("shop"));
        assertArrayEquals("grapevine/v1/".getBytes(StandardCharsets.UTF_8), Encryptor.aadFor(""));
    }

    @Test
    void rotationBetweenTwoNodesLosesNoPacket() throws AeadException {
        byte[] oldKey = Keyring.generateKey();
        byte[] newKey = Keyring.generateKey();
        Encryptor a = new Encryptor(Keyring.of(oldKey), "shop");
        Encryptor b = new Encryptor(Keyring.of(oldKey), new BouncyCastleAesGcm(), "shop");

        // Step 1, everywhere: install. Nothing changes on the wire yet.
        a.updateKeyring(k -> k.install(newKey));
        b.updateKeyring(k -> k.install(newKey));
        // Step 2: b switches first; a still seals with the old key; each understands the other.
        b.updateKeyring(k -> k.use(newKey));
        assertEquals("from b", text(a.decrypt(ByteBuffer.wrap(b.encrypt(msg("from b"))))));
        assertEquals("from a", text(b.decrypt(ByteBuffer.wrap(a.encrypt(msg("from a"))))));
        a.updateKeyring(k -> k.use(newKey));
        // Step 3: remove the old key everywhere; traffic continues on the new one.
        a.updateKeyring(k -> k.remove(oldKey));
        b.updateKeyring(k -> k.remove(oldKey));
        assertEquals("after", text(a.decrypt(ByteBuffer.wrap(b.encrypt(msg("after"))))));

        // A straggler still sealing with the old key is now rejected.
        Encryptor straggler = new Encryptor(Keyring.of(oldKey), "shop");
        assertThrows(AeadException.class, () -> a.decrypt(ByteBuffer.wrap(straggler.encrypt(msg("late")))));
    }

    @Test
    void failingWithSeveralKeysSaysSoAndAFailedStepLeavesTheKeyringAlone() {
        Encryptor e = new Encryptor(Keyring.of(Keyring.generateKey(), Keyring.generateKey()), "shop");
        Encryptor other = new Encryptor(Keyring.of(Keyring.generateKey()), "shop");
        AeadException ex = assertThrows(AeadException.class,
                () -> e.decrypt(ByteBuffer.wrap(other.encrypt(msg("x")))));
        assertEquals("authentication failed with all 2 keys", ex.getMessage());

        ex = assertThrows(AeadException.class, () -> e.decrypt(ByteBuffer.wrap(new byte[5])));
        assertEquals("truncated: 5 bytes, an envelope has at least 29", ex.getMessage());

        Keyring before = e.keyring();
        assertThrows(IllegalArgumentException.class, () -> e.updateKeyring(k -> k.remove(k.primary())));
        assertSame(before, e.keyring());
    }

    @Test
    void toStringShowsFingerprintsOnly() {
        byte[] key = Keyring.generateKey();
        Encryptor e = new Encryptor(Keyring.of(key), "shop");
        String s = e.toString();
        assertFalse(s.contains(Base64.getEncoder().encodeToString(key)));
        assertEquals("Encryptor[jdk, cluster=shop, Keyring[primary=" + AeadKey.of(key).fingerprint()
                + ", others=[]]]", s);
    }
}
