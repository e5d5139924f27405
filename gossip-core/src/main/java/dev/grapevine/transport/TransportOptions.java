package dev.grapevine.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits a transport enforces on what it accepts.
 *
 * @param maxFrameSize      largest stream frame accepted, in bytes; a peer declaring more is cut off
 * @param streamTimeout     how long an inbound stream may take to deliver its frame before it is closed
 * @param maxInboundStreams how many inbound streams may be open at once; more are refused and counted
 * @param receiveBufferSize largest datagram read, in bytes
 */
public record TransportOptions(int maxFrameSize, Duration streamTimeout, int maxInboundStreams,
                               int receiveBufferSize) {

    /** Defaults: 8 MiB frames, 10 s stream timeout, 128 concurrent inbound streams, 64 KiB datagrams. */
    public static final TransportOptions DEFAULTS =
            new TransportOptions(8 << 20, Duration.ofSeconds(10), 128, 65536);

    /** Checks every limit, naming the field that is out of range. */
    public TransportOptions {
        Objects.requireNonNull(streamTimeout, "streamTimeout");
        if (maxFrameSize < 64) {
            throw new IllegalArgumentException("maxFrameSize must be at least 64 bytes, was " + maxFrameSize);
        }
        if (streamTimeout.isNegative() || streamTimeout.isZero()) {
            throw new IllegalArgumentException("streamTimeout must be positive, was " + streamTimeout);
        }
        if (maxInboundStreams < 1) {
            throw new IllegalArgumentException("maxInboundStreams must be at least 1, was " + maxInboundStreams);
        }
        if (receiveBufferSize < 512 || receiveBufferSize > 65536) {
            throw new IllegalArgumentException(
                    "receiveBufferSize must be between 512 and 65536, was " + receiveBufferSize);
        }
    }
}
