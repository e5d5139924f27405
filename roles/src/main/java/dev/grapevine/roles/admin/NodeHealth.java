package dev.grapevine.roles.admin;

import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.roles.Roles;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * This node's health as {@code GET /v1/health} reports it. The node is healthy when it is open, its own status
 * is alive, its {@link Roles#HEALTH} tag is absent or passing, and every check passes; {@link #problems()} says
 * what is wrong otherwise. The Lifeguard health score is reported but does not make the node unhealthy: it rises
 * for a few probe rounds whenever acks go missing, and the node already slows its probing for it.
 *
 * @param node        the node's name
 * @param status      its own status as it sees itself, null once closed
 * @param healthTag   its {@link Roles#HEALTH} tag, null when absent
 * @param healthScore its Lifeguard health score (0 is best)
 * @param counts      how many known members have each status, self included
 * @param checks      the checks' states, with a failing {@link HealthChecks#SOURCE_CHECK} when the source threw
 * @param problems    why the node is unhealthy; empty when healthy
 */
record NodeHealth(String node, MemberStatus status, String healthTag, int healthScore,
                  Map<MemberStatus, Integer> counts, List<HealthChecks.CheckState> checks, List<String> problems) {

    /** True when nothing is wrong. */
    boolean healthy() {
        return problems.isEmpty();
    }

    /** Evaluates {@code node} with the checks of {@code source}. */
    static NodeHealth of(GossipNode node, HealthChecks source) {
        List<String> problems = new ArrayList<>();
        List<HealthChecks.CheckState> checks = new ArrayList<>();
        try {
            List<HealthChecks.CheckState> reported = source.checks();
            if (reported != null) {
                checks.addAll(reported);
            }
        } catch (RuntimeException e) {
            checks.add(new HealthChecks.CheckState(HealthChecks.SOURCE_CHECK, false, String.valueOf(e)));
        }
        Map<MemberStatus, Integer> counts = new EnumMap<>(MemberStatus.class);
        for (MemberStatus s : MemberStatus.values()) {
            counts.put(s, 0);
        }
        MemberStatus status = null;
        String healthTag = null;
        if (node.isClosed()) {
            problems.add("node is closed");
        } else {
            for (Member m : node.members()) {
                counts.merge(m.status(), 1, Integer::sum);
            }
            Member self = node.localMember();
            status = self.status();
            healthTag = self.tag(Roles.HEALTH);
            if (status != MemberStatus.ALIVE) {
                problems.add("node is " + AdminJson.status(status));
            }
            if (!Roles.isHealthy(self)) {
                problems.add("health tag is '" + healthTag + "'");
            }
        }
        checks.removeIf(Objects::isNull);
        for (HealthChecks.CheckState c : checks) {
            if (!c.passing()) {
                problems.add("check '" + c.name() + "' is failing" + (c.output().isEmpty() ? "" : ": " + c.output()));
            }
        }
        return new NodeHealth(node.name(), status, healthTag, node.healthScore(), counts, List.copyOf(checks),
                List.copyOf(problems));
    }
}
