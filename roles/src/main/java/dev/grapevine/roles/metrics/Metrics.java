package dev.grapevine.roles.metrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The metrics of one process (one node): a registry of {@link MetricsSource}s, rendered on demand in the
 * Prometheus text exposition format 0.0.4 ({@link #CONTENT_TYPE}), every name prefixed {@value #PREFIX}. The
 * launcher makes one per launch and registers the node ({@link NodeMetrics}), the HTTP servers
 * ({@link HttpMetrics}) and whatever else implements {@link MetricsSource}; the admin server serves it on
 * {@code GET /v1/metrics}. There is no global registry: an embedder running several nodes in one JVM makes one
 * registry for each (the samples carry no node label, so one registry describes one node).
 *
 * <pre>{@code
 * Metrics metrics = new Metrics();
 * metrics.register(new NodeMetrics(node));
 * AdminServer.builder(node).metrics(metrics).start();   // GET /v1/metrics
 * }</pre>
 *
 * <p>Thread-safe: sources may be registered at any time, and scrapes may run concurrently (each has its own
 * {@link MetricsWriter}).
 */
public final class Metrics {

    private static final Logger LOG = LoggerFactory.getLogger(Metrics.class);

    /** The content type of {@link #render()}'s text. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** The prefix of every metric name. */
    public static final String PREFIX = "grapevine_";

    private final List<MetricsSource> sources = new CopyOnWriteArrayList<>();

    /** An empty registry. */
    public Metrics() {
    }

    /**
     * Adds a source; it is asked for its samples on every scrape from now on, after the ones added before it.
     *
     * @return {@code source}
     */
    public <T extends MetricsSource> T register(T source) {
        sources.add(Objects.requireNonNull(source, "source"));
        return source;
    }

    /** Removes a source added by {@link #register}; true when it was there. */
    public boolean unregister(MetricsSource source) {
        return sources.remove(source);
    }

    /** The sources, in the order they were added. */
    public List<MetricsSource> sources() {
        return List.copyOf(sources);
    }

    /**
     * Asks every source for its samples and renders them. A source that fails is logged and left out of this
     * scrape (the samples it wrote before failing stay); the others still render.
     */
    public String render() {
        MetricsWriter w = new MetricsWriter();
        for (MetricsSource s : sources) {
            try {
                s.write(w);
            } catch (RuntimeException e) {
                LOG.warn("metrics source {} failed: {}", s, e.toString());
            }
        }
        StringBuilder out = new StringBuilder(4096);
        w.render(out);
        return out.toString();
    }

    /** {@link #render()} as UTF-8 bytes, for an HTTP body. */
    public byte[] renderUtf8() {
        return render().getBytes(StandardCharsets.UTF_8);
    }
}
