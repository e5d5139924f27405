package dev.grapevine.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link KeyDerivation}: Argon2id and HKDF are deterministic, input-sensitive, and checked. */
class KeyDerivationTest {

    private static final Logger LOG = LoggerFactory.getLogger(KeyDerivationTest.class);
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void passphraseDerivationIsDeterministicAndSaltSensitive() throws AeadException {
        byte[] salt = "grapevine-salt-1".getBytes(StandardCharsets.US_ASCII);
        char[] pass = "correct horse battery staple".toCharArray();

        long t0 = System.nanoTime();
        byte[] k1 = KeyDerivation.fromPassphrase(pass, salt);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("Argon2id 64 MiB, t=3, p=1: {} ms", ms);

        assertEquals(32, k1.length);
        assertArrayEquals(k1, KeyDerivation.fromPassphrase(pass, salt.clone()));
        assertArrayEquals("correct horse battery staple".toCharArray(), pass, "the passphrase is not modified");

        byte[] otherSalt = salt.clone();
        otherSalt[0] ^= 1;
        assertFalse(Arrays.equals(k1, KeyDerivation.fromPassphrase(pass, otherSalt)));
        assertFalse(Arrays.equals(k1, KeyDerivation.fromPassphrase("correct horse battery stapler".toCharArray(), salt)));

        // A derived key is a usable keyring key.
        Encryptor e = new Encryptor(Keyring.of(k1), "shop");
        byte[] packet = e.encrypt(ByteBuffer.wrap(new byte[3]));
        assertEquals(3, e.decrypt(ByteBuffer.wrap(packet)).remaining());
    }

    @Test
    void passphraseArgumentsAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KeyDerivation.fromPassphrase(new char[0], new byte[16]));
        assertEquals("passphrase is empty", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> KeyDerivation.fromPassphrase("x".toCharArray(), new byte[7]));
        assertEquals("salt: 7 bytes, must be at least 8", e.getMessage());
    }

    @Test
    void hkdfMatchesRfc5869TestCase3() {
        // RFC 5869 A.3: SHA-256, zero-length salt and info (a zero-length salt is the all-zero salt we use).
        byte[] ikm = new byte[22];
        Arrays.fill(ikm, (byte) 0x0b);
        assertEquals("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
                HEX.formatHex(KeyDerivation.hkdf(ikm, new byte[0], 42)));
        assertArrayEquals(KeyDerivation.hkdf(ikm, null, 42), KeyDerivation.hkdf(ikm, new byte[0], 42));
    }

    @Test
    void hkdfIsDeterministicInfoSensitiveAndPrefixConsistent() {
        byte[] key = Keyring.generateKey();
        byte[] info = "a".getBytes(StandardCharsets.UTF_8);
        for (int len : new int[] {1, 16, 24, 32, 33, 64, 1000, KeyDerivation.MAX_HKDF_LENGTH}) {
            byte[] out = KeyDerivation.hkdf(key, info, len);
            assertEquals(len, out.length);
            assertArrayEquals(out, KeyDerivation.hkdf(key, info, len));
            // HKDF-Expand output is a prefix of any longer output for the same inputs.
            assertArrayEquals(out, Arrays.copyOf(KeyDerivation.hkdf(key, info, KeyDerivation.MAX_HKDF_LENGTH), len));
        }
        assertFalse(Arrays.equals(KeyDerivation.hkdf(key, info, 32),
                KeyDerivation.hkdf(key, "b".getBytes(StandardCharsets.UTF_8), 32)));
    }

    @Test
    void hkdfArgumentsAreChecked() {
        byte[] key = new byte[32];
        assertEquals("length 0, must be 1 to 8160", assertThrows(IllegalArgumentException.class,
                () -> KeyDerivation.hkdf(key, null, 0)).getMessage());
        assertEquals("length 8161, must be 1 to 8160", assertThrows(IllegalArgumentException.class,
                () -> KeyDerivation.hkdf(key, null, 8161)).getMessage());
        assertEquals("key is empty", assertThrows(IllegalArgumentException.class,
                () -> KeyDerivation.hkdf(new byte[0], null, 32)).getMessage());
    }

    @Test
    void clusterKeysDifferPerClusterAndKeepTheKeySize() {
        for (int size : new int[] {16, 24, 32}) {
            byte[] key = Arrays.copyOf(Keyring.generateKey(), size);
            byte[] shop = KeyDerivation.clusterKey(key, "shop");
            assertEquals(size, shop.length);
            assertArrayEquals(shop, KeyDerivation.clusterKey(key, "shop"));
            assertFalse(Arrays.equals(shop, KeyDerivation.clusterKey(key, "shop2")));
            assertFalse(Arrays.equals(shop, key));
            assertArrayEquals(KeyDerivation.hkdf(key,
                    "grapevine/v1/cluster-key/shop".getBytes(StandardCharsets.UTF_8), size), shop);
        }
        assertEquals("key: 20 bytes, must be 16, 24 or 32", assertThrows(IllegalArgumentException.class,
                () -> KeyDerivation.clusterKey(new byte[20], "shop")).getMessage());
    }
}
