package dev.grapevine.transport;

import java.io.IOException;

/**
 * A stream frame declared a length that is negative or larger than the transport's
 * {@linkplain Transport#maxFrameSize() maximum frame size}. The declared size is never allocated: the stream
 * is cut off as soon as the 4-byte length prefix has been read.
 */
public final class FrameTooLargeException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int declaredLength;
    private final int maxFrameSize;

    /**
     * Describes the offending frame.
     *
     * @param declaredLength the length the peer announced (may be negative)
     * @param maxFrameSize   the limit it broke
     */
    public FrameTooLargeException(int declaredLength, int maxFrameSize) {
        super("frame declares " + declaredLength + " bytes; the limit is " + maxFrameSize);
        this.declaredLength = declaredLength;
        this.maxFrameSize = maxFrameSize;
    }

    /** The length the peer announced. */
    public int declaredLength() {
        return declaredLength;
    }

    /** The limit that was broken. */
    public int maxFrameSize() {
        return maxFrameSize;
    }
}
