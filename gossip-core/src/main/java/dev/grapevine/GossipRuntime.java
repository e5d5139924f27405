package dev.grapevine;

import dev.grapevine.time.Scheduler;
import dev.grapevine.transport.Transport;
import dev.grapevine.transport.TransportOptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * The threads and network that nodes run on. Many nodes can share one runtime, and so share its threads:
 * a node costs no thread of its own.
 *
 * <p>Two implementations ship: {@code dev.grapevine.transport.NetworkRuntime} (real UDP and TCP, one protocol
 * thread and one listener thread per runtime) and {@code dev.grapevine.sim.SimulatedNetwork} (virtual time,
 * a seeded in-memory network). A node built without a runtime gets a private {@code NetworkRuntime} that it
 * closes with itself.
 */
public interface GossipRuntime extends AutoCloseable {

    /**
     * Binds a transport at {@code address} and returns it with the scheduler that drives it.
     *
     * @throws IOException when the address cannot be bound
     */
    Binding bind(InetSocketAddress address, TransportOptions options, Stats stats) throws IOException;

    /** Where cluster listeners run: in order, off the protocol thread (inline in a simulation). */
    Executor listenerExecutor();

    /**
     * Where the nodes bound here keep their canonical member names, addresses and tags, so that equal values
     * decoded by many nodes of this runtime are held once. A runtime shares one interner among its nodes; this
     * default returns a new one on each call (nothing shared, nothing wrong).
     */
    default Interner interner() {
        return new Interner();
    }

    /** Stops the runtime's threads. Nodes still bound to it stop working. */
    @Override
    void close();

    /** A bound transport and the protocol thread that drives it. */
    interface Binding {

        /** The protocol thread of the node bound here. */
        Scheduler scheduler();

        /** The node's transport. */
        Transport transport();
    }
}
