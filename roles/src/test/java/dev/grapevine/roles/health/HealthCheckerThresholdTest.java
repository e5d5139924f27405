package dev.grapevine.roles.health;

import dev.grapevine.Stats;
import dev.grapevine.sim.SimulatedNetwork;
import dev.grapevine.time.Scheduler;
import dev.grapevine.transport.TransportOptions;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Thresholds on virtual time: the checker's schedule runs on a simulated host's scheduler and its Java checks
 * inline, so every run happens at a known instant and the results are exact.
 */
class HealthCheckerThresholdTest {

    private static final Duration INTERVAL = Duration.ofSeconds(1);

    /** Runs a check that answers {@code script} in turn, and returns its state after each run. */
    private static List<HealthStatus> statesAfterEachRun(List<Boolean> script, int failures, int successes,
                                                         HealthStatus initial, List<HealthStatus> changes)
            throws IOException {
        try (SimulatedNetwork net = new SimulatedNetwork(7)) {
            Scheduler scheduler = net.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[]{127, 0, 6, 100}),
                    1), TransportOptions.DEFAULTS, new Stats()).scheduler();
            int[] next = {0};
            HealthChecker checker = HealthChecker.builder().name("sim").scheduler(scheduler).executor(Runnable::run)
                    .listener(changes::add)
                    .check(HealthCheck.predicate("scripted", () -> script.get(next[0]++)).interval(INTERVAL)
                            .failuresBeforeCritical(failures).successesBeforePassing(successes).initial(initial))
                    .start();
            List<HealthStatus> states = new ArrayList<>();
            net.runFor(Duration.ofMillis(1)); // the first run, at start
            states.add(checker.status());
            for (int i = 1; i < script.size(); i++) {
                net.runFor(INTERVAL);
                states.add(checker.status());
            }
            assertEquals(script.size(), next[0], "one run per interval");
            CheckSnapshot s = checker.check("scripted").orElseThrow();
            int tail = 0;
            boolean last = script.get(script.size() - 1);
            for (int i = script.size() - 1; i >= 0 && script.get(i) == last; i--) {
                tail++;
            }
            assertEquals(last ? tail : 0, s.consecutiveSuccesses());
            assertEquals(last ? 0 : tail, s.consecutiveFailures());
            checker.close();
            return states;
        }
    }

    @Test
    void aCheckChangesStateOnlyAfterEnoughRunsInARow() throws IOException {
        HealthStatus p = HealthStatus.PASSING;
        HealthStatus c = HealthStatus.CRITICAL;
        List<HealthStatus> changes = new ArrayList<>();
        List<Boolean> script = List.of(true, false, false, true, false, false, false, true, false, true, true, false);
        assertEquals(List.of(p, p, p, p, p, p, c, c, c, c, p, p),
                statesAfterEachRun(script, 3, 2, HealthStatus.PASSING, changes));
        assertEquals(List.of(c, p), changes);

        changes.clear();
        assertEquals(List.of(c, c, p, c), statesAfterEachRun(List.of(false, true, true, false), 1, 2, c, changes),
                "starting critical, two passes to come in; one failure goes out");
        assertEquals(List.of(p, c), changes);
    }

    /** The model: the state changes exactly when the last {@code n} runs all disagree with it. */
    @Property(tries = 200)
    void thresholdsMatchTheModel(@ForAll @Size(min = 1, max = 30) List<Boolean> script,
                                 @ForAll @IntRange(min = 1, max = 4) int failures,
                                 @ForAll @IntRange(min = 1, max = 4) int successes,
                                 @ForAll boolean startPassing) throws IOException {
        HealthStatus state = startPassing ? HealthStatus.PASSING : HealthStatus.CRITICAL;
        List<HealthStatus> expected = new ArrayList<>();
        int streak = 0;
        Boolean previous = null;
        for (boolean ok : script) {
            streak = previous != null && previous == ok ? streak + 1 : 1;
            previous = ok;
            if (ok && state == HealthStatus.CRITICAL && streak >= successes) {
                state = HealthStatus.PASSING;
            } else if (!ok && state == HealthStatus.PASSING && streak >= failures) {
                state = HealthStatus.CRITICAL;
            }
            expected.add(state);
        }
        assertEquals(expected, statesAfterEachRun(script, failures, successes,
                startPassing ? HealthStatus.PASSING : HealthStatus.CRITICAL, new ArrayList<>()));
    }
}
