package dev.grapevine.roles.metrics;

/**
 * Something that contributes samples to a {@link Metrics} registry: a node, an HTTP server, a DNS responder,
 * the event handlers. Called on the thread that renders (an HTTP request's), once per scrape; it reads its
 * figures (atomic counters, volatile gauges) and writes them, and must neither block nor keep the writer.
 *
 * <p>Label values must come from a small set that is fixed for the process (a status, a drop reason, a server's
 * role): never a member's name, or anything else that grows with the cluster.
 */
@FunctionalInterface
public interface MetricsSource {

    /** Writes this source's current samples. */
    void write(MetricsWriter writer);
}
