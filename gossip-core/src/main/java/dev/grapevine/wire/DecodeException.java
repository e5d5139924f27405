package dev.grapevine.wire;

import dev.grapevine.DropReason;

import java.util.Objects;

/**
 * An inbound packet or frame could not be decoded; {@link #reason()} says why, for the drop counters.
 *
 * <p>Thrown for hostile or corrupt input, which is routine on an open UDP port, so it carries no stack
 * trace: filling one in would make a flood of junk packets needlessly expensive.
 */
public final class DecodeException extends Exception {

    private static final long serialVersionUID = 1L;

    private final DropReason reason;

    /**
     * Creates an exception for a packet dropped for {@code reason}.
     *
     * @param reason  why the input was rejected; never null
     * @param message what exactly was wrong, for logs
     */
    public DecodeException(DropReason reason, String message) {
        // No cause, no suppression, no stack trace: see the class comment.
        super(message, null, false, false);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the input was rejected. */
    public DropReason reason() {
        return reason;
    }

    /** The reason and the message, e.g. {@code TRUNCATED: string length 9 exceeds 2 remaining bytes}. */
    @Override
    public String toString() {
        return reason + ": " + getMessage();
    }
}
