package dev.grapevine.roles.health;

import dev.grapevine.roles.Roles;

/** The state of one health check, or of all of a node's checks together. */
public enum HealthStatus {

    /** In rotation: the check passes (tag value {@value Roles#PASSING}). */
    PASSING(Roles.PASSING),
    /** Out of rotation: the check fails (tag value {@value Roles#CRITICAL}). */
    CRITICAL(Roles.CRITICAL);

    private final String tagValue;

    HealthStatus(String tagValue) {
        this.tagValue = tagValue;
    }

    /** The value of the {@link Roles#HEALTH} tag for this state. */
    public String tagValue() {
        return tagValue;
    }

    /**
     * The aggregate of several checks: {@link #CRITICAL} when any is critical, otherwise {@link #PASSING}
     * (also when there are none).
     */
    public static HealthStatus worstOf(Iterable<HealthStatus> states) {
        for (HealthStatus s : states) {
            if (s == CRITICAL) {
                return CRITICAL;
            }
        }
        return PASSING;
    }

    /**
     * Parses {@code passing} or {@code critical}, ignoring case.
     *
     * @throws IllegalArgumentException for any other text
     */
    public static HealthStatus parse(String text) {
        for (HealthStatus s : values()) {
            if (s.tagValue.equalsIgnoreCase(text == null ? "" : text.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("'" + text + "' must be passing or critical");
    }
}
