package dev.grapevine.roles.admin;

import java.util.List;
import java.util.Objects;

/**
 * Where {@link AdminServer} gets the state of this process's health checks for {@code GET /v1/health}. A health
 * checker (for example one probing the process's HTTP port) implements it; the admin server calls
 * {@link #checks()} once per health request, on an HTTP thread, so it should return a snapshot at once rather than
 * run the checks. A failing check makes the node unhealthy (status 503); so does an exception thrown by
 * {@link #checks()}, reported as a check named {@value #SOURCE_CHECK}.
 */
@FunctionalInterface
public interface HealthChecks {

    /** The name under which a failure of {@link #checks()} itself is reported. */
    String SOURCE_CHECK = "health-checks";

    /** No checks: health depends on the node alone. */
    HealthChecks NONE = List::of;

    /** The latest state of every check, in a stable order. */
    List<CheckState> checks();

    /**
     * The state of one check.
     *
     * @param name    the check's name, e.g. {@code http}
     * @param passing whether it passed the last time it ran
     * @param output  what the check said (an error, a status line); may be empty, never null
     */
    record CheckState(String name, boolean passing, String output) {

        /** Validates the fields. */
        public CheckState {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(output, "output");
        }
    }
}
