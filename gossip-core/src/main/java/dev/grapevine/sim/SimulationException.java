package dev.grapevine.sim;

import java.net.InetSocketAddress;

/**
 * A task or callback of a simulated node threw. Raised from {@link SimulatedNetwork#runFor} and
 * {@link SimulatedNetwork#runUntil} (unless {@link SimulatedNetwork#setFailOnTaskException} turned it off),
 * with the original exception as its cause.
 */
public final class SimulationException extends RuntimeException {

    private final InetSocketAddress address;
    private final long virtualTimeNanos;

    SimulationException(InetSocketAddress address, long virtualTimeNanos, Throwable cause) {
        super("task of simulated host " + address + " failed at virtual time " + virtualTimeNanos + " ns: "
                + cause, cause);
        this.address = address;
        this.virtualTimeNanos = virtualTimeNanos;
    }

    /** The address of the host whose code threw. */
    public InetSocketAddress address() {
        return address;
    }

    /** The virtual time, in nanoseconds, at which it threw. */
    public long virtualTimeNanos() {
        return virtualTimeNanos;
    }
}
