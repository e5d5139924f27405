package dev.grapevine.roles.metrics;

import dev.grapevine.GossipNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Objects;

/**
 * The figures of one node ({@link NodeFigure#all()}, the same as {@link NodeMetrics} renders) as Micrometer
 * meters, for an application that embeds a node and already exports through Micrometer. Names are the
 * Prometheus ones in Micrometer's dotted form, without {@code _total}: {@code grapevine.members} (tag
 * {@code status}), {@code grapevine.health.score}, {@code grapevine.probes.sent}, {@code grapevine.dropped}
 * (tag {@code reason})... so a Prometheus registry renders them under the same names as {@code /v1/metrics}.
 * Counters are {@link FunctionCounter}s and gauges {@link Gauge}s reading the node when scraped; nothing is
 * copied in between. Micrometer reads its meters one by one, so the four {@code grapevine.members} gauges come
 * from four member lists: while members change they may not add up for a moment ({@code /v1/metrics} renders
 * them from one list). Micrometer is an optional dependency of this module: add {@code micrometer-core} to use
 * this class.
 *
 * <pre>{@code
 * new GrapevineMeterBinder(node).bindTo(meterRegistry);
 * }</pre>
 */
public final class GrapevineMeterBinder implements MeterBinder {

    private final GossipNode node;
    private final Tags tags;

    /** Meters for {@code node}, without extra tags. */
    public GrapevineMeterBinder(GossipNode node) {
        this(node, Tags.empty());
    }

    /** Meters for {@code node} with {@code tags} added to each (the application's own common tags, say). */
    public GrapevineMeterBinder(GossipNode node, Iterable<io.micrometer.core.instrument.Tag> tags) {
        this.node = Objects.requireNonNull(node, "node");
        this.tags = Tags.of(tags);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (NodeFigure f : NodeFigure.all()) {
            String name = "grapevine." + f.name().replace('_', '.');
            Tags t = f.label() == null ? tags : tags.and(f.label(), f.value());
            if (f.counter()) {
                FunctionCounter.builder(name, node, n -> f.read().applyAsDouble(new NodeFigure.Reading(n)))
                        .description(f.help()).tags(t).register(registry);
            } else {
                Gauge.builder(name, node, n -> f.read().applyAsDouble(new NodeFigure.Reading(n)))
                        .description(f.help()).tags(t).register(registry);
            }
        }
    }
}
