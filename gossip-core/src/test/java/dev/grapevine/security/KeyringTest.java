package dev.grapevine.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** {@link Keyring}: parsing and formats, every error message, rotation, files, no leaks. */
class KeyringTest {

    private static final String K16 = b64(16, 1);
    private static final String K24 = b64(24, 2);
    private static final String K32 = b64(32, 3);
    private static final String K32B = b64(32, 4);
    private static final String K20 = b64(20, 5);

    @TempDir
    Path dir;

    private static String b64(int n, int fill) {
        byte[] k = new byte[n];
        Arrays.fill(k, (byte) fill);
        return Base64.getEncoder().encodeToString(k);
    }

    private static void fails(String message, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(message, e.getMessage());
    }

    // ---------------------------------------------------------------------------------------------
    // Parsing
    // ---------------------------------------------------------------------------------------------

    @Test
    void everyKeySizeParsesAndThePrimaryComesFirst() {
        Keyring r = Keyring.ofBase64(K32, K16, K24);
        assertEquals(List.of(32, 16, 24), r.keys().stream().map(AeadKey::length).toList());
        assertEquals(K32, r.primary().base64());
        assertEquals(Keyring.of(Base64.getDecoder().decode(K32), Base64.getDecoder().decode(K16),
                Base64.getDecoder().decode(K24)), r);
    }

    @Test
    void base64ToleratesSurroundingWhitespaceAndMissingPadding() {
        String unpadded = K16.replace("=", "");
        assertEquals(Keyring.ofBase64(K16), Keyring.ofBase64("  " + unpadded + "\t"));
    }

    @Test
    void badKeysAreNamedByPositionWithoutEchoingThem() {
        fails("key 1: 20 bytes, must be 16, 24 or 32", () -> Keyring.ofBase64(K20));
        fails("key 2: not base64", () -> Keyring.ofBase64(K32, "not*base64!"));
        fails("key 1: empty", () -> Keyring.ofBase64("  "));
        fails("key 1: missing", () -> Keyring.ofBase64(null));
        fails("key 3: duplicate of key 1", () -> Keyring.ofBase64(K32, K16, K32));
        fails("key 2: 0 bytes, must be 16, 24 or 32", () -> Keyring.of(new byte[32], new byte[0]));
        fails("key 1: missing", () -> Keyring.of((byte[]) null));
        fails("a keyring needs at least one key", () -> Keyring.of(List.of()));

        // A mistyped key is still mostly a key: the message never contains it.
        String almost = K32.substring(0, 20) + "*" + K32.substring(21);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Keyring.ofBase64(almost));
        assertFalse(e.getMessage().contains(K32.substring(0, 10)));
    }

    @Test
    void rawKeysAreCopiedOnTheWayIn() {
        byte[] raw = Keyring.generateKey();
        Keyring r = Keyring.of(raw);
        raw[0] ^= 1;
        assertFalse(Arrays.equals(raw, r.primary().bytes()));
    }

    // ---------------------------------------------------------------------------------------------
    // Files and the environment
    // ---------------------------------------------------------------------------------------------

    @Test
    void fileSkipsBlankLinesAndCommentsAndNamesKeyFileAndLine() throws IOException {
        Path f = dir.resolve("keys");
        Files.writeString(f, "# cluster shop\n\n  " + K32 + "  \n# old key, remove after rotation\n" + K16 + "\n\n");
        assertEquals(Keyring.ofBase64(K32, K16), Keyring.fromFile(f));

        Files.writeString(f, "# keys\n" + K32 + "\n\n" + "%%%\n");
        fails("key 2 in " + f + " (line 4): not base64", () -> Keyring.fromFile(f));
        Files.writeString(f, K20 + "\n");
        fails("key 1 in " + f + " (line 1): 20 bytes, must be 16, 24 or 32", () -> Keyring.fromFile(f));
        Files.writeString(f, K32 + "\n" + K32 + "\n");
        fails("key 2 in " + f + " (line 2): duplicate of key 1", () -> Keyring.fromFile(f));
        Files.writeString(f, "# nothing yet\n\n");
        fails(f + ": no keys", () -> Keyring.fromFile(f));
        assertThrows(NoSuchFileException.class, () -> Keyring.fromFile(dir.resolve("absent")));
    }

    @Test
    void fileRoundTripIsAtomicAndOwnerOnly() throws IOException {
        Keyring r = Keyring.ofBase64(K32B, K32, K16);
        Path f = dir.resolve("keyring");
        Files.writeString(f, "old content");
        r.toFile(f);
        assertEquals(r, Keyring.fromFile(f));
        String text = Files.readString(f);
        assertTrue(text.startsWith("#"), "a comment says which key is primary");
        assertTrue(text.endsWith(K32B + "\n" + K32 + "\n" + K16 + "\n"));
        if (f.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "no temporary file left behind");
        }
        // Relative paths work too (the parent is resolved).
        Keyring.ofBase64(K16).toFile(f);
        assertEquals(Keyring.ofBase64(K16), Keyring.fromFile(f));
    }

    @Test
    void aSerfKeyringFileIsWrittenBackAsSerfWritesIt() throws IOException {
        Path f = dir.resolve("keyring.json");
        Files.writeString(f, "[\"" + K32 + "\"]\n");
        assertEquals(Keyring.FileFormat.SERF_JSON, Keyring.formatOf(f));
        Keyring r = Keyring.fromFile(f).install(K32B).use(K32B);
        r.toFile(f);
        // Go's json.MarshalIndent(keys, "", "  "), no newline at the end, mode 0600: what Serf's agent writes.
        assertEquals("[\n  \"" + K32B + "\",\n  \"" + K32 + "\"\n]", Files.readString(f));
        assertEquals(r, Keyring.fromFile(f));
        if (f.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        }
        Path fresh = dir.resolve("fresh");
        assertEquals(Keyring.FileFormat.LINES, Keyring.formatOf(fresh), "a new file gets Grapevine's format");
        r.toFile(fresh, Keyring.FileFormat.SERF_JSON);
        assertEquals(Keyring.FileFormat.SERF_JSON, Keyring.formatOf(fresh));
        assertEquals(r, Keyring.fromFile(fresh));
    }

    @Test
    void writingIntoAMissingDirectoryFailsAndLeavesNothing() {
        assertThrows(IOException.class, () -> Keyring.ofBase64(K16).toFile(dir.resolve("no/such/dir/keys")));
    }

    @Test
    void environmentVariable() {
        assertEquals(Keyring.ofBase64(K32, K16), Keyring.fromEnv("GRAPEVINE_KEYS", K32 + ", " + K16));
        fails("GRAPEVINE_KEYS is not set", () -> Keyring.fromEnv("GRAPEVINE_KEYS", null));
        fails("GRAPEVINE_KEYS is empty", () -> Keyring.fromEnv("GRAPEVINE_KEYS", " "));
        fails("key 2 in GRAPEVINE_KEYS: not base64", () -> Keyring.fromEnv("GRAPEVINE_KEYS", K32 + ",x y"));
        fails("key 2 in GRAPEVINE_KEYS: empty", () -> Keyring.fromEnv("GRAPEVINE_KEYS", K32 + ",," + K16));
        fails("key 1 in GRAPEVINE_KEYS: 20 bytes, must be 16, 24 or 32",
                () -> Keyring.fromEnv("GRAPEVINE_KEYS", K20));
        // The real lookup: a variable no test environment defines.
        fails("GRAPEVINE_TEST_SURELY_UNSET_42 is not set", () -> Keyring.fromEnv("GRAPEVINE_TEST_SURELY_UNSET_42"));
    }

    @Test
    void generatedKeysAre32RandomBytes() {
        byte[] a = Keyring.generateKey();
        assertEquals(32, a.length);
        assertFalse(Arrays.equals(a, Keyring.generateKey()));
        String s = Keyring.generateKeyBase64();
        assertEquals(32, Base64.getDecoder().decode(s).length);
        assertEquals(s, Keyring.ofBase64(s).primary().base64());
    }

    // ---------------------------------------------------------------------------------------------
    // Rotation
    // ---------------------------------------------------------------------------------------------

    @Test
    void rotationInstallUseRemove() {
        Keyring v1 = Keyring.ofBase64(K32);
        Keyring v2 = v1.install(K32B);
        assertEquals(List.of(K32, K32B), v2.keys().stream().map(AeadKey::base64).toList());
        assertEquals(K32, v2.primary().base64(), "installing does not change the primary");
        assertEquals(List.of(K32), v1.keys().stream().map(AeadKey::base64).toList(), "immutable");

        Keyring v3 = v2.use(K32B);
        assertEquals(List.of(K32B, K32), v3.keys().stream().map(AeadKey::base64).toList());
        Keyring v4 = v3.remove(K32);
        assertEquals(List.of(K32B), v4.keys().stream().map(AeadKey::base64).toList());

        // No-ops return the same instance.
        assertSame(v2, v2.install(K32B));
        assertSame(v3, v3.use(K32B));
        // Byte and key forms behave the same.
        byte[] raw = Base64.getDecoder().decode(K16);
        assertEquals(v1.install(K16).use(K16).remove(K32), v1.install(raw).use(raw).remove(AeadKey.of(
                Base64.getDecoder().decode(K32))));
    }

    @Test
    void rotationMistakes() {
        Keyring r = Keyring.ofBase64(K32, K16);
        String fp32 = AeadKey.ofBase64(K32).fingerprint();
        String fpB = AeadKey.ofBase64(K32B).fingerprint();
        fails("key " + fp32 + " is the primary; use another key first", () -> r.remove(K32));
        fails("key " + fpB + " is not installed; install it first", () -> r.use(K32B));
        fails("key " + fpB + " is not installed", () -> r.remove(K32B));
        fails("key: not base64", () -> r.install("@@"));
        fails("key: 20 bytes, must be 16, 24 or 32", () -> r.install(K20));
        fails("key: 20 bytes, must be 16, 24 or 32", () -> r.use(new byte[20]));
    }

    // ---------------------------------------------------------------------------------------------
    // No leaks
    // ---------------------------------------------------------------------------------------------

    @Test
    void toStringShowsOnlyFingerprints() {
        byte[] a = Keyring.generateKey();
        byte[] b = Keyring.generateKey();
        Keyring r = Keyring.of(a, b);
        String s = r.toString();
        String fa = AeadKey.of(a).fingerprint();
        String fb = AeadKey.of(b).fingerprint();
        assertEquals("Keyring[primary=" + fa + ", others=[" + fb + "]]", s);
        assertEquals(8, fa.length());
        for (byte[] k : List.of(a, b)) {
            assertFalse(s.contains(Base64.getEncoder().encodeToString(k)));
            assertFalse(s.contains(HexFormat.of().formatHex(k).substring(0, 16)));
            assertFalse(AeadKey.of(k).toString().contains(Base64.getEncoder().encodeToString(k)));
        }
        assertEquals("AeadKey[AES-256 " + fa + "]", AeadKey.of(a).toString());
    }

    @Test
    void fingerprintIsTheSha256Prefix() throws Exception {
        byte[] k = new byte[32];
        byte[] h = MessageDigest.getInstance("SHA-256").digest(k);
        assertEquals(HexFormat.of().formatHex(h).substring(0, 8), AeadKey.of(k).fingerprint());
        assertNotEquals(AeadKey.of(k).fingerprint(), AeadKey.of(new byte[16]).fingerprint());
        assertArrayEquals(k, AeadKey.of(k).bytes());
    }
}
