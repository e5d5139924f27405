package dev.grapevine.security;

import java.io.IOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The cluster's keys: the {@linkplain #primary() primary} seals every outgoing packet, and every key opens
 * incoming ones (primary first). Rotation is Serf's three steps, each done on every node before the next:
 * {@link #install} the new key (now it can decrypt), {@link #use} it (now it encrypts; nodes still on the old
 * primary are still understood), {@link #remove} the old one.
 *
 * <p><b>Immutable.</b> A keyring is a value: the mutation methods return a new keyring and leave this one
 * alone, so it is thread-safe and can be swapped atomically by its holder (see
 * {@link Encryptor#updateKeyring(UnaryOperator)}); an operation that changes nothing returns {@code this}.
 *
 * <p><b>Key material.</b> Nothing here logs or prints a key. {@link #toString()} and every error message
 * name keys by {@linkplain AeadKey#fingerprint() fingerprint} or by position ("key 2"), and never echo the
 * text that failed to parse (a mistyped key is still mostly a key).
 *
 * <p><b>Formats.</b> A key is standard base64 of 16, 24 or 32 bytes (AES-128/192/256; 32 recommended, what
 * {@link #generateKey()} makes, Serf's {@code keygen} format). A keyring file holds one key per line, the
 * primary first; blank lines and lines starting with {@code #} are ignored, surrounding whitespace too; or it
 * is Serf's keyring file, a JSON array of those keys, the primary first. {@link #toFile(Path)} writes a file
 * back in the format it had. The environment form is the keys separated by commas, the primary first.
 */
public final class Keyring {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final List<AeadKey> keys;   // primary first, no duplicates, never empty

    private Keyring(List<AeadKey> keys) {
        this.keys = List.copyOf(keys);
    }

    // ---------------------------------------------------------------------------------------------
    // Construction
    // ---------------------------------------------------------------------------------------------

    /**
     * A keyring from raw keys.
     *
     * @param primary the key that encrypts
     * @param others  further keys that only decrypt
     * @return the keyring
     * @throws IllegalArgumentException naming the key by position, e.g.
     *                                  {@code "key 1: 20 bytes, must be 16, 24 or 32"},
     *                                  {@code "key 3: duplicate of key 1"}
     */
    public static Keyring of(byte[] primary, byte[]... others) {
        List<AeadKey> list = new ArrayList<>();
        add(list, primary, "key 1");
        for (int i = 0; i < others.length; i++) {
            add(list, others[i], "key " + (i + 2));
        }
        return new Keyring(list);
    }

    /**
     * A keyring from base64 keys.
     *
     * @param primary the key that encrypts
     * @param others  further keys that only decrypt
     * @return the keyring
     * @throws IllegalArgumentException e.g. {@code "key 2: not base64"},
     *                                  {@code "key 1: 20 bytes, must be 16, 24 or 32"}, {@code "key 1: empty"}
     */
    public static Keyring ofBase64(String primary, String... others) {
        List<AeadKey> list = new ArrayList<>();
        add(list, primary, "key 1");
        for (int i = 0; i < others.length; i++) {
            add(list, others[i], "key " + (i + 2));
        }
        return new Keyring(list);
    }

    /**
     * A keyring from existing keys.
     *
     * @param keys the primary first; at least one, no duplicates
     * @return the keyring
     * @throws IllegalArgumentException if {@code keys} is empty or has duplicates
     */
    public static Keyring of(List<AeadKey> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a keyring needs at least one key");
        }
        List<AeadKey> list = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            AeadKey k = keys.get(i);
            if (k == null) {
                throw new IllegalArgumentException("key " + (i + 1) + ": missing");
            }
            checkDuplicate(list, k, "key " + (i + 1));
            list.add(k);
        }
        return new Keyring(list);
    }

    /** Serf's keyring file: a JSON array of base64 keys, the primary first ({@code ["k1=", "k2="]}). */
    private static Keyring fromSerfJson(Path file, String json) {
        if (!json.endsWith("]")) {
            throw new IllegalArgumentException(file + ": a JSON array of base64 keys must end with ']'");
        }
        String inner = json.substring(1, json.length() - 1).strip();
        List<AeadKey> list = new ArrayList<>();
        if (!inner.isEmpty()) {
            String[] items = inner.split(",", -1);
            for (int i = 0; i < items.length; i++) {
                String item = items[i].strip();
                if (item.length() < 2 || item.charAt(0) != '"' || item.charAt(item.length() - 1) != '"') {
                    throw new IllegalArgumentException("key " + (i + 1) + " in " + file + ": not a JSON string");
                }
                try {
                    list.add(AeadKey.ofBase64(item.substring(1, item.length() - 1)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("key " + (i + 1) + " in " + file + ": " + e.getMessage(), e);
                }
            }
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException(file + ": no keys");
        }
        return new Keyring(list);
    }

    /**
     * Reads a keyring file: one base64 key per line, the primary first, blank lines and {@code #} comments
     * ignored; or Serf's format, a JSON array of base64 keys, the primary first.
     *
     * @param file the file
     * @return the keyring
     * @throws IOException              if the file cannot be read
     * @throws IllegalArgumentException naming the key, the file and the line, e.g.
     *                                  {@code "key 2 in /etc/grapevine/keys (line 4): not base64"}, or
     *                                  {@code "/etc/grapevine/keys: no keys"}
     */
    public static Keyring fromFile(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (text.strip().startsWith("[")) {
            return fromSerfJson(file, text.strip());
        }
        List<String> lines = text.lines().toList();
        List<AeadKey> list = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            add(list, line, "key " + (list.size() + 1) + " in " + file + " (line " + (i + 1) + ")");
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException(file + ": no keys");
        }
        return new Keyring(list);
    }

    /**
     * Reads a keyring from an environment variable holding comma-separated base64 keys, the primary first
     * (whitespace around each key ignored).
     *
     * @param variable the variable's name, e.g. {@code GRAPEVINE_KEYS}
     * @return the keyring
     * @throws IllegalArgumentException e.g. {@code "GRAPEVINE_KEYS is not set"},
     *                                  {@code "GRAPEVINE_KEYS is empty"}, {@code "key 2 in GRAPEVINE_KEYS: not base64"}
     */
    public static Keyring fromEnv(String variable) {
        return fromEnv(variable, System.getenv(variable));
    }

    /** {@link #fromEnv(String)} on a given value (null: not set), for tests and launchers. */
    static Keyring fromEnv(String variable, String value) {
        if (value == null) {
            throw new IllegalArgumentException(variable + " is not set");
        }
        if (value.isBlank()) {
            throw new IllegalArgumentException(variable + " is empty");
        }
        String[] parts = value.split(",", -1);
        List<AeadKey> list = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            add(list, parts[i], "key " + (i + 1) + " in " + variable);
        }
        return new Keyring(list);
    }

    /** 32 random bytes from {@link SecureRandom}: a new AES-256 key. */
    public static byte[] generateKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    /** {@link #generateKey()} in base64, the form for files, flags and environment variables. */
    public static String generateKeyBase64() {
        byte[] key = generateKey();
        try {
            return Base64.getEncoder().encodeToString(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Rotation
    // ---------------------------------------------------------------------------------------------

    /**
     * This keyring plus {@code key}, as a decryption key (last in trial order); {@code this} if already
     * installed.
     *
     * @param key the key to add
     * @return the new keyring
     */
    public Keyring install(AeadKey key) {
        if (keys.contains(key)) {
            return this;
        }
        List<AeadKey> list = new ArrayList<>(keys);
        list.add(key);
        return new Keyring(list);
    }

    /**
     * {@link #install(AeadKey)} from raw bytes.
     *
     * @throws IllegalArgumentException e.g. {@code "key: 20 bytes, must be 16, 24 or 32"}
     */
    public Keyring install(byte[] key) {
        return install(parse(key, "key"));
    }

    /**
     * {@link #install(AeadKey)} from base64.
     *
     * @throws IllegalArgumentException e.g. {@code "key: not base64"}
     */
    public Keyring install(String base64) {
        return install(parse(base64, "key"));
    }

    /**
     * This keyring with {@code key} as the primary (the previous primary stays, second in trial order, so
     * nodes that have not switched yet are still understood); {@code this} if it already is.
     *
     * @param key an installed key
     * @return the new keyring
     * @throws IllegalArgumentException {@code "key 3f2a9c1b is not installed; install it first"}
     */
    public Keyring use(AeadKey key) {
        int i = keys.indexOf(key);
        if (i < 0) {
            throw new IllegalArgumentException("key " + key.fingerprint() + " is not installed; install it first");
        }
        if (i == 0) {
            return this;
        }
        List<AeadKey> list = new ArrayList<>(keys);
        list.remove(i);
        list.add(0, key);
        return new Keyring(list);
    }

    /** {@link #use(AeadKey)} from raw bytes. */
    public Keyring use(byte[] key) {
        return use(parse(key, "key"));
    }

    /** {@link #use(AeadKey)} from base64. */
    public Keyring use(String base64) {
        return use(parse(base64, "key"));
    }

    /**
     * This keyring without {@code key}.
     *
     * @param key an installed key other than the primary
     * @return the new keyring
     * @throws IllegalArgumentException {@code "key 3f2a9c1b is the primary; use another key first"} or
     *                                  {@code "key 3f2a9c1b is not installed"}
     */
    public Keyring remove(AeadKey key) {
        int i = keys.indexOf(key);
        if (i < 0) {
            throw new IllegalArgumentException("key " + key.fingerprint() + " is not installed");
        }
        if (i == 0) {
            throw new IllegalArgumentException("key " + key.fingerprint() + " is the primary; use another key first");
        }
        List<AeadKey> list = new ArrayList<>(keys);
        list.remove(i);
        return new Keyring(list);
    }

    /** {@link #remove(AeadKey)} from raw bytes. */
    public Keyring remove(byte[] key) {
        return remove(parse(key, "key"));
    }

    /** {@link #remove(AeadKey)} from base64. */
    public Keyring remove(String base64) {
        return remove(parse(base64, "key"));
    }

    // ---------------------------------------------------------------------------------------------
    // Access and persistence
    // ---------------------------------------------------------------------------------------------

    /** The key that encrypts. */
    public AeadKey primary() {
        return keys.get(0);
    }

    /** Every key, the primary first, then in installation order: the order decryption tries them. */
    public List<AeadKey> keys() {
        return keys;
    }

    /** The {@link FileFormat#LINES} text. */
    private String lines() {
        StringBuilder sb = new StringBuilder(
                "# Grapevine keyring: one base64 key per line, the first is the primary (encrypts).\n");
        for (AeadKey k : keys) {
            sb.append(k.base64()).append('\n');
        }
        return sb.toString();
    }

    /** The {@link FileFormat#SERF_JSON} text: Go's {@code json.MarshalIndent(keys, "", "  ")}. */
    private String serfJson() {
        StringBuilder sb = new StringBuilder("[\n");
        for (int i = 0; i < keys.size(); i++) {
            sb.append("  \"").append(keys.get(i).base64()).append('"').append(i + 1 < keys.size() ? ",\n" : "\n");
        }
        return sb.append(']').toString();
    }

    /** Whether {@code key} is installed. */
    public boolean contains(AeadKey key) {
        return keys.contains(key);
    }

    /** The two keyring file formats {@link #fromFile} reads. */
    public enum FileFormat {
        /** One base64 key per line, the primary first, under a {@code #} comment line: Grapevine's own. */
        LINES,
        /**
         * Serf's: a JSON array of base64 keys, the primary first, as Serf's agent writes it after a key
         * change (two-space indent, one key per line, no newline at the end).
         */
        SERF_JSON
    }

    /**
     * The format of the keyring file at {@code file}: {@link FileFormat#SERF_JSON} when it holds a JSON array,
     * {@link FileFormat#LINES} otherwise (also when the file does not exist).
     *
     * @throws IOException if the file exists and cannot be read
     */
    public static FileFormat formatOf(Path file) throws IOException {
        if (!Files.exists(file)) {
            return FileFormat.LINES;
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip().startsWith("[")
                ? FileFormat.SERF_JSON : FileFormat.LINES;
    }

    /**
     * Writes this keyring to {@code file} in the format the file has now ({@link #formatOf}), so a Serf
     * keyring file stays one Serf can read; see {@link #toFile(Path, FileFormat)}.
     *
     * @param file the destination; its directory must exist
     * @throws IOException if reading the old file, writing or moving fails
     */
    public void toFile(Path file) throws IOException {
        toFile(file, formatOf(file));
    }

    /**
     * Writes this keyring in {@code format}, atomically: a temporary file in the same directory, readable and
     * writable by the owner only where the file system has POSIX permissions (0600, as Serf), flushed to disk,
     * then moved over {@code file}. A reader never sees a half-written keyring, and a crash leaves either the
     * old file or the new one.
     *
     * @param file   the destination; its directory must exist
     * @param format the file format
     * @throws IOException if writing or moving fails (the temporary file is deleted)
     */
    public void toFile(Path file, FileFormat format) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp", attrs);
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                w.write(format == FileFormat.SERF_JSON ? serfJson() : lines());
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** Key count and fingerprints, primary first: {@code Keyring[primary=3f2a9c1b, others=[a1b2c3d4]]}. */
    @Override
    public String toString() {
        return "Keyring[primary=" + primary().fingerprint() + ", others="
                + keys.stream().skip(1).map(AeadKey::fingerprint).collect(Collectors.joining(", ", "[", "]"))
                + "]";
    }

    /** Equal when the same keys are installed in the same order (so the same primary). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Keyring other && keys.equals(other.keys);
    }

    @Override
    public int hashCode() {
        return keys.hashCode();
    }

    // ---------------------------------------------------------------------------------------------
    // Parsing helpers: every message is "<what>: <problem>"
    // ---------------------------------------------------------------------------------------------

    private static AeadKey parse(byte[] key, String what) {
        try {
            return AeadKey.of(key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage());
        }
    }

    private static AeadKey parse(String base64, String what) {
        try {
            return AeadKey.ofBase64(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage());
        }
    }

    private static void add(List<AeadKey> list, byte[] key, String what) {
        AeadKey k = parse(key, what);
        checkDuplicate(list, k, what);
        list.add(k);
    }

    private static void add(List<AeadKey> list, String base64, String what) {
        AeadKey k = parse(base64, what);
        checkDuplicate(list, k, what);
        list.add(k);
    }

    private static void checkDuplicate(List<AeadKey> list, AeadKey k, String what) {
        int i = list.indexOf(k);
        if (i >= 0) {
            throw new IllegalArgumentException(what + ": duplicate of key " + (i + 1));
        }
    }
}
