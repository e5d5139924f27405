package dev.grapevine.roles.metrics;

import dev.grapevine.GossipNode;

import java.util.Objects;

/**
 * The figures of one node ({@link NodeFigure#all()}) as a {@link MetricsSource}: {@code grapevine_members} by
 * status (all four always present), the health score, the broadcast queue, traffic, drops by reason and the
 * protocol counters of {@link dev.grapevine.Stats}. No label names a member.
 */
public final class NodeMetrics implements MetricsSource {

    private final GossipNode node;

    /** The metrics of {@code node}. */
    public NodeMetrics(GossipNode node) {
        this.node = Objects.requireNonNull(node, "node");
    }

    @Override
    public void write(MetricsWriter w) {
        NodeFigure.Reading reading = new NodeFigure.Reading(node);
        for (NodeFigure f : NodeFigure.all()) {
            double v = f.read().applyAsDouble(reading);
            String[] labels = f.label() == null ? new String[0] : new String[]{f.label(), f.value()};
            if (f.counter()) {
                w.counter(f.name() + "_total", f.help(), v, labels);
            } else {
                w.gauge(f.name(), f.help(), v, labels);
            }
        }
    }

    @Override
    public String toString() {
        return "NodeMetrics[" + node.name() + "]";
    }
}
