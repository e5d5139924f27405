package dev.grapevine.roles.health;

import dev.grapevine.HostPort;
import dev.grapevine.roles.Durations;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

/**
 * One local health check, as Consul has them: what to test, how often, how long a run may take, and how many
 * runs in a row must agree before the check changes state. Immutable: the {@code with}-style methods return a
 * changed copy. Run by a {@link HealthChecker}.
 *
 * <p>Four kinds:
 * <ul>
 *   <li>{@link #http}: an HTTP GET; passes on a 2xx status (redirects are followed), fails on any other status,
 *       a connection error or the timeout.</li>
 *   <li>{@link #tcp}: a TCP connect; passes when the connection is accepted.</li>
 *   <li>{@link #command}: {@code /bin/sh -c COMMAND}; passes on exit status 0. Standard output and error are
 *       captured (the first {@value #MAX_OUTPUT} bytes); on timeout the process and its descendants are killed.</li>
 *   <li>{@link #predicate} and {@link #callable}: Java code; passes when it returns true. Thrown exceptions fail
 *       the run; on timeout the thread running it is interrupted.</li>
 * </ul>
 *
 * <p>Defaults: every {@value #DEFAULT_INTERVAL_SECONDS} s, {@value #DEFAULT_TIMEOUT_SECONDS} s timeout, one failure
 * makes it critical, one pass makes it passing, and it starts {@link HealthStatus#CRITICAL} (as in Consul: a
 * node is out of rotation until its checks have passed once).
 */
public final class HealthCheck {

    /** The most characters of output kept per run (Consul's default as well). */
    public static final int MAX_OUTPUT = 4096;
    /** Default interval between runs, in seconds. */
    public static final int DEFAULT_INTERVAL_SECONDS = 10;
    /** Default timeout of a run, in seconds. */
    public static final int DEFAULT_TIMEOUT_SECONDS = 5;

    private final String name;
    private final String target;
    private final Probe probe;
    private final Duration interval;
    private final Duration timeout;
    private final int failuresBeforeCritical;
    private final int successesBeforePassing;
    private final HealthStatus initial;

    private HealthCheck(String name, String target, Probe probe, Duration interval, Duration timeout,
                        int failuresBeforeCritical, int successesBeforePassing, HealthStatus initial) {
        this.name = name;
        this.target = target;
        this.probe = probe;
        this.interval = interval;
        this.timeout = timeout;
        this.failuresBeforeCritical = failuresBeforeCritical;
        this.successesBeforePassing = successesBeforePassing;
        this.initial = initial;
    }

    private static HealthCheck of(String name, String target, Probe probe) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("check name must not be empty");
        }
        return new HealthCheck(name, target, probe, Duration.ofSeconds(DEFAULT_INTERVAL_SECONDS),
                Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS), 1, 1, HealthStatus.CRITICAL);
    }

    /**
     * An HTTP GET of {@code uri}; passes on a 2xx status.
     *
     * @throws IllegalArgumentException when the URI is not an absolute http or https URI with a host
     */
    public static HealthCheck http(String name, URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("'" + uri + "' is not an http or https URL");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("'" + uri + "' has no host");
        }
        return of(name, uri.toString(), new Probes.Http(uri));
    }

    /**
     * A TCP connect to {@code address}; passes when the connection is accepted.
     *
     * @throws IllegalArgumentException when the port is 0
     */
    public static HealthCheck tcp(String name, HostPort address) {
        Objects.requireNonNull(address, "address");
        if (address.port() == 0) {
            throw new IllegalArgumentException("'" + address + "' needs a port (1-65535)");
        }
        return of(name, address.toString(), new Probes.Tcp(address));
    }

    /**
     * A shell command, run as {@code /bin/sh -c command}; passes on exit status 0.
     *
     * @throws IllegalArgumentException when the command is blank
     */
    public static HealthCheck command(String name, String command) {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        return of(name, command, new Probes.Command(command));
    }

    /** Java code; passes when {@code test} returns true. It runs on a worker thread and should not ignore interrupts. */
    public static HealthCheck predicate(String name, BooleanSupplier test) {
        Objects.requireNonNull(test, "test");
        return of(name, "predicate", Probes.Java.of(test));
    }

    /** Java code; passes when {@code test} returns {@code Boolean.TRUE}; null or an exception fails. */
    public static HealthCheck callable(String name, Callable<Boolean> test) {
        Objects.requireNonNull(test, "test");
        return of(name, "callable", new Probes.Java(test));
    }

    /**
     * The time between the starts of two runs.
     *
     * @throws IllegalArgumentException when not positive
     */
    public HealthCheck interval(Duration every) {
        positive("interval", every);
        return new HealthCheck(name, target, probe, every, timeout, failuresBeforeCritical, successesBeforePassing,
                initial);
    }

    /**
     * How long one run may take before it counts as failed (and is aborted).
     *
     * @throws IllegalArgumentException when not positive
     */
    public HealthCheck timeout(Duration limit) {
        positive("timeout", limit);
        return new HealthCheck(name, target, probe, interval, limit, failuresBeforeCritical, successesBeforePassing,
                initial);
    }

    /**
     * How many failed runs in a row turn a passing check critical.
     *
     * @throws IllegalArgumentException when below 1
     */
    public HealthCheck failuresBeforeCritical(int runs) {
        atLeastOne("failuresBeforeCritical", runs);
        return new HealthCheck(name, target, probe, interval, timeout, runs, successesBeforePassing, initial);
    }

    /**
     * How many passed runs in a row turn a critical check passing.
     *
     * @throws IllegalArgumentException when below 1
     */
    public HealthCheck successesBeforePassing(int runs) {
        atLeastOne("successesBeforePassing", runs);
        return new HealthCheck(name, target, probe, interval, timeout, failuresBeforeCritical, runs, initial);
    }

    /** The state before the first run (default {@link HealthStatus#CRITICAL}). */
    public HealthCheck initial(HealthStatus state) {
        return new HealthCheck(name, target, probe, interval, timeout, failuresBeforeCritical, successesBeforePassing,
                Objects.requireNonNull(state, "initial"));
    }

    /** The check's name, unique on its node. */
    public String name() {
        return name;
    }

    /** What it checks: the URL, address, command, or {@code predicate}/{@code callable}. */
    public String target() {
        return target;
    }

    /** The time between the starts of two runs. */
    public Duration interval() {
        return interval;
    }

    /** How long one run may take. */
    public Duration timeout() {
        return timeout;
    }

    /** Failed runs in a row that turn a passing check critical. */
    public int failuresBeforeCritical() {
        return failuresBeforeCritical;
    }

    /** Passed runs in a row that turn a critical check passing. */
    public int successesBeforePassing() {
        return successesBeforePassing;
    }

    /** The state before the first run. */
    public HealthStatus initial() {
        return initial;
    }

    /** True for an HTTP check (it uses the checker's pooled HTTP client). */
    public boolean isHttp() {
        return probe instanceof Probes.Http;
    }

    Probe probe() {
        return probe;
    }

    private static void positive(String field, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(field + " must be positive, was " + d);
        }
    }

    private static void atLeastOne(String field, int runs) {
        if (runs < 1) {
            throw new IllegalArgumentException(field + " must be at least 1, was " + runs);
        }
    }

    @Override
    public String toString() {
        return "HealthCheck[" + name + ": " + target + " every " + Durations.format(interval) + ", timeout "
                + Durations.format(timeout) + "]";
    }
}
