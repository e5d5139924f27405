package dev.grapevine.roles.health;

import java.time.Instant;

/**
 * What one check last reported, for the admin API and logs.
 *
 * @param name                 the check's name, unique on its node
 * @param target               what it checks, e.g. {@code http://127.0.0.1:8080/health}
 * @param status               its current state (after thresholds)
 * @param output               the last run's output (bounded to {@link HealthCheck#MAX_OUTPUT} characters), or
 *                             {@code "not run yet"}
 * @param lastChange           when {@code status} last changed (the start time before any change)
 * @param lastRun              when the last run ended, or null before the first
 * @param consecutiveFailures  failed runs in a row (0 after a pass)
 * @param consecutiveSuccesses passed runs in a row (0 after a failure)
 */
public record CheckSnapshot(String name, String target, HealthStatus status, String output, Instant lastChange,
                            Instant lastRun, int consecutiveFailures, int consecutiveSuccesses) {
}
