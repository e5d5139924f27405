package dev.grapevine.roles;

import dev.grapevine.ClusterEvent;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Random member-event sequences over a few members, and the model of what a view of "app" should hold. */
final class Churn {

    static final int MEMBERS = 8;

    enum Kind { JOINED, UPDATED, FAILED, LEFT, REAPED, USER_EVENT }

    /** One step: an event about member {@code index}, carrying the given role, health and status. */
    record Step(int index, Kind kind, String role, String health, MemberStatus status) {

        Member member() {
            MemberStatus s = switch (kind) {
                case FAILED -> MemberStatus.FAILED;
                case LEFT, REAPED -> MemberStatus.LEFT;
                default -> status;
            };
            return Fixtures.member("m" + index, index, s, role, health);
        }

        ClusterEvent event() {
            Member m = member();
            return switch (kind) {
                case JOINED -> new ClusterEvent.MemberJoined(m);
                case UPDATED -> new ClusterEvent.MemberUpdated(m);
                case FAILED -> new ClusterEvent.MemberFailed(m);
                case LEFT -> new ClusterEvent.MemberLeft(m);
                case REAPED -> new ClusterEvent.MemberReaped(m);
                case USER_EVENT -> new ClusterEvent.UserEvent("deploy", new byte[0], 1);
            };
        }
    }

    private Churn() {
    }

    static Arbitrary<Step> steps() {
        return Combinators.combine(
                Arbitraries.integers().between(0, MEMBERS - 1),
                Arbitraries.of(Kind.class),
                Arbitraries.of("app", "app", "front", "dns").injectNull(0.15),
                Arbitraries.of("passing", "critical", "PASSING", "bogus").injectNull(0.4),
                Arbitraries.of(MemberStatus.ALIVE, MemberStatus.ALIVE, MemberStatus.SUSPECT))
                .as(Step::new);
    }

    static Arbitrary<List<Step>> sequences() {
        return steps().list().ofMinSize(0).ofMaxSize(60);
    }

    /** The latest state of each member: what the events said last, or nothing after a failure, leave or reap. */
    static final class Model {
        final Map<String, Member> latest = new TreeMap<>();

        void apply(Step step) {
            Member m = step.member();
            switch (step.kind()) {
                case JOINED, UPDATED -> latest.put(m.name(), m);
                case FAILED, LEFT, REAPED -> latest.remove(m.name());
                case USER_EVENT -> { }
            }
        }

        /** Names of the members serving {@code role}, sorted, computed without {@link Roles}. */
        List<String> expected(String role) {
            List<String> out = new ArrayList<>();
            for (Member m : latest.values()) {
                boolean up = m.status() == MemberStatus.ALIVE || m.status() == MemberStatus.SUSPECT;
                String health = m.tags().get("health");
                boolean healthy = health == null || health.equalsIgnoreCase("passing");
                if (up && healthy && role.equals(m.tags().get("role"))) {
                    out.add(m.name());
                }
            }
            return out;
        }
    }
}
