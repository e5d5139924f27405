package dev.grapevine.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads one length-prefixed frame (4-byte big-endian length, then that many bytes) from a non-blocking
 * channel, across as many readiness events as it takes.
 *
 * <p>The declared length is validated before anything is allocated for the payload, and the payload buffer
 * then grows (doubling, from {@value #INITIAL_CAPACITY} bytes) as bytes actually arrive: a peer that
 * declares a large frame and sends a few bytes costs a few kilobytes, not the declared size. The reader
 * never consumes bytes beyond the frame. Not thread-safe; one reader per stream.
 */
final class FrameReader {

    /** Payload bytes allocated up front (or the declared length, if smaller). */
    static final int INITIAL_CAPACITY = 4096;

    private final int maxFrameSize;
    private final ByteBuffer header = ByteBuffer.allocate(Integer.BYTES);
    private ByteBuffer payload;
    private int length = -1;

    FrameReader(int maxFrameSize) {
        this.maxFrameSize = maxFrameSize;
    }

    /**
     * Reads what is available.
     *
     * @return true once the whole frame has arrived
     * @throws FrameTooLargeException when the declared length is negative or above the limit
     * @throws EOFException           when the stream ends before the frame does
     * @throws IOException            when reading fails
     */
    boolean readFrom(ReadableByteChannel channel) throws IOException {
        if (payload == null) {
            if (channel.read(header) < 0) {
                throw new EOFException("stream ended after " + header.position() + " of 4 length bytes");
            }
            if (header.hasRemaining()) {
                return false;
            }
            int declared = header.getInt(0);
            if (declared < 0 || declared > maxFrameSize) {
                throw new FrameTooLargeException(declared, maxFrameSize);
            }
            length = declared;
            payload = ByteBuffer.allocate(Math.min(length, INITIAL_CAPACITY));
        }
        while (payload.position() < length) {
            if (!payload.hasRemaining()) {
                grow();
            }
            int n = channel.read(payload);
            if (n < 0) {
                throw new EOFException("stream ended after " + payload.position() + " of " + length
                        + " frame bytes");
            }
            if (n == 0) {
                return false;
            }
        }
        return true;
    }

    /** The complete frame's payload, ready to read. Only after {@link #readFrom} returned true. */
    ByteBuffer frame() {
        return payload.flip();
    }

    private void grow() {
        int capacity = (int) Math.min(length, Math.max(INITIAL_CAPACITY, 2L * payload.capacity()));
        ByteBuffer bigger = ByteBuffer.allocate(capacity);
        bigger.put(payload.flip());
        payload = bigger;
    }

    /** Encodes {@code payload}'s remaining bytes as a frame, without moving its position. */
    static ByteBuffer encode(ByteBuffer payload) {
        int n = payload.remaining();
        ByteBuffer out = ByteBuffer.allocate(Integer.BYTES + n);
        out.putInt(n).put(payload.duplicate()).flip();
        return out;
    }
}
