package dev.grapevine.roles.admin;

import dev.grapevine.roles.http.Request;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Objects;

/**
 * The admin API's access token. Calls that change anything, and key listing, must carry it as
 * {@code Authorization: Bearer <token>} (or {@code X-Grapevine-Token: <token>}). The check hashes both sides with
 * SHA-256 and compares the digests with {@link MessageDigest#isEqual}, so neither the token's bytes nor its length
 * leak through timing. {@link #toString()} never shows the token, and neither does any message of this class.
 */
public final class AdminToken {

    /** The header a client may use instead of {@code Authorization}. */
    public static final String HEADER = "X-Grapevine-Token";

    private final byte[] digest;

    private AdminToken(String token) {
        this.digest = sha256(token);
    }

    /**
     * A token given as text.
     *
     * @throws IllegalArgumentException when it is blank, shorter than 16 characters, or holds whitespace or
     *                                  control characters (it must survive an HTTP header unchanged)
     */
    public static AdminToken of(String token) {
        Objects.requireNonNull(token, "token");
        if (token.length() < 16) {
            throw new IllegalArgumentException("the admin token is " + token.length()
                    + " characters long; use at least 16 (e.g. the output of --keygen)");
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                throw new IllegalArgumentException("the admin token must be printable ASCII without spaces");
            }
        }
        return new AdminToken(token);
    }

    /**
     * The token in {@code file}: its first line, surrounding whitespace removed.
     *
     * @throws IOException              when the file cannot be read (the message names it)
     * @throws IllegalArgumentException when the file holds no valid token (the message names the file)
     */
    public static AdminToken fromFile(Path file) throws IOException {
        String first;
        try {
            first = firstLine(file);
        } catch (IOException e) {
            throw new IOException("admin token file " + file + " cannot be read: " + e.getMessage(), e);
        }
        try {
            return of(first);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("admin token file " + file + ": " + e.getMessage());
        }
    }

    /**
     * What a token file holds: its first line, surrounding whitespace removed (empty for an empty file), unchecked.
     * The node's launcher and the {@code grapevine} command read token files alike through it.
     */
    public static String firstLine(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8).strip().lines().findFirst().orElse("").strip();
    }

    /** True when {@code candidate} is this token (constant time in the candidate's content and length). */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(digest, sha256(candidate));
    }

    /** The token a request carries, or null. */
    static String presented(Request req) {
        String auth = req.header("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).strip();
        }
        String h = req.header(HEADER);
        return h == null ? null : h.strip();
    }

    /** Passes a request that carries the token; otherwise throws a 401 (without saying which part was wrong). */
    void check(Request req) {
        String t = presented(req);
        if (t == null) {
            throw new AdminError(401, "this call needs the admin token (Authorization: Bearer <token>)",
                    Map.of("WWW-Authenticate", "Bearer realm=\"grapevine\""));
        }
        if (!matches(t)) {
            throw new AdminError(401, "the admin token is wrong",
                    Map.of("WWW-Authenticate", "Bearer realm=\"grapevine\", error=\"invalid_token\""));
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Equal when both hold the same token. */
    @Override
    public boolean equals(Object o) {
        return o instanceof AdminToken t && MessageDigest.isEqual(digest, t.digest);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(digest);
    }

    @Override
    public String toString() {
        return "AdminToken[hidden]";
    }
}
