package dev.grapevine.payload;

/**
 * A payload could not be turned back into a value: it was malformed, truncated, hostile, too large, of
 * the wrong type, or followed by trailing bytes. The message says which, for logs.
 *
 * <p>Payloads arrive from other nodes, so a bad one is routine, not exceptional: like the wire codec's
 * {@code DecodeException}, this exception carries no stack trace of its own (a flood of junk would
 * otherwise pay for one each time). The underlying cause, when there is one, is attached.
 */
public final class PayloadException extends Exception {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception saying what was wrong with a payload.
     *
     * @param message what exactly was wrong, e.g. {@code "declared string length 1073741823 exceeds the 3
     *                bytes left in the payload"}
     */
    public PayloadException(String message) {
        super(message, null, false, false);
    }

    /**
     * Creates an exception saying what was wrong with a payload, with the failure that revealed it.
     *
     * @param message what exactly was wrong
     * @param cause   the decoder's own exception, kept for debugging; may be null
     */
    public PayloadException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
