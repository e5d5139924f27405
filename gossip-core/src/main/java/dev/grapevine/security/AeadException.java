package dev.grapevine.security;

/**
 * A sealed packet could not be opened: wrong key, wrong associated data (another cluster), a flipped bit,
 * a truncated packet or an unknown version byte. The transport drops such a packet and counts it.
 *
 * <p>Thrown for hostile or corrupt input, which is routine on an open UDP port, so it carries no stack
 * trace (filling one in would make a flood of junk packets needlessly expensive) and never a cause from
 * the underlying crypto library. The message says what was wrong in terms that leak nothing useful to
 * an attacker (no key material, no plaintext).
 */
public final class AeadException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message what was wrong, for logs, e.g. {@code "authentication failed"}
     */
    public AeadException(String message) {
        // No cause, no suppression, no stack trace: see the class comment.
        super(message, null, false, false);
    }
}
