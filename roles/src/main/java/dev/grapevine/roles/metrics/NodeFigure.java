package dev.grapevine.roles.metrics;

import dev.grapevine.DropReason;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.Stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * One figure of a node, as both exporters show it: {@link NodeMetrics} (Prometheus text) and
 * {@link GrapevineMeterBinder} (Micrometer). One table, so the two always show the same figures.
 *
 * @param name     the base name in snake case, without prefix or {@code _total} ({@code probes_sent})
 * @param help     what it shows, one line
 * @param counter  true for a counter (only grows), false for a gauge
 * @param label    the name of its one label, or null
 * @param value    the label's value, or null
 * @param read     reads the figure from a {@link Reading} of the node
 */
public record NodeFigure(String name, String help, boolean counter, String label, String value,
                         ToDoubleFunction<Reading> read) {

    /**
     * A node as read for one scrape: the member counts are taken from one {@link GossipNode#members()}
     * snapshot, so that the four status gauges add up to one moment's member list.
     */
    public static final class Reading {
        private final GossipNode node;
        private int[] byStatus;

        /** A reading of {@code node}; the members are counted on first use. */
        public Reading(GossipNode node) {
            this.node = node;
        }

        /** The node read. */
        public GossipNode node() {
            return node;
        }

        /** Members with {@code status} in this reading's snapshot (the node itself included). */
        public int members(MemberStatus status) {
            if (byStatus == null) {
                int[] counts = new int[MemberStatus.values().length];
                for (Member m : node.members()) {
                    counts[m.status().ordinal()]++;
                }
                byStatus = counts;
            }
            return byStatus[status.ordinal()];
        }
    }

    private static final List<NodeFigure> ALL = build();

    /** Every figure, in a fixed order: members by status, health, queue, traffic, drops, protocol counters. */
    public static List<NodeFigure> all() {
        return ALL;
    }

    /** The label's value in lower case, as both exporters write enum names. */
    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static List<NodeFigure> build() {
        List<NodeFigure> out = new ArrayList<>();
        for (MemberStatus s : MemberStatus.values()) {
            out.add(new NodeFigure("members", "members this node knows, by status (itself included)", false,
                    "status", lower(s), r -> r.members(s)));
        }
        out.add(gauge("health_score", "Lifeguard local health score: 0 is healthy, higher means missed acks",
                r -> r.node().healthScore()));
        out.add(gauge("broadcast_queue", "broadcasts waiting to be gossiped",
                r -> r.node().stats().queuedBroadcasts()));
        out.add(counter("packets_sent", "datagrams sent", Stats::packetsSent));
        out.add(counter("packets_received", "datagrams received, those later dropped included",
                Stats::packetsReceived));
        out.add(counter("bytes_sent", "bytes sent in datagrams", Stats::bytesSent));
        out.add(counter("bytes_received", "bytes received in datagrams", Stats::bytesReceived));
        out.add(counter("streams_opened", "outbound streams opened (push-pull, fallback probes)",
                Stats::streamsOpened));
        out.add(counter("streams_accepted", "inbound streams accepted", Stats::streamsAccepted));
        for (DropReason r : DropReason.values()) {
            out.add(new NodeFigure("dropped", "packets or streams dropped, by reason", true, "reason", lower(r),
                    reading -> reading.node().stats().dropped(r)));
        }
        for (Stats.Counter c : Stats.Counter.values()) {
            out.add(counter(c.metricName(), c.help(), s -> s.count(c)));
        }
        return List.copyOf(out);
    }

    private static NodeFigure gauge(String name, String help, ToDoubleFunction<Reading> read) {
        return new NodeFigure(name, help, false, null, null, read);
    }

    /** A counter of the node's {@link Stats}. */
    private static NodeFigure counter(String name, String help, ToDoubleFunction<Stats> read) {
        return new NodeFigure(name, help, true, null, null, r -> read.applyAsDouble(r.node().stats()));
    }
}
