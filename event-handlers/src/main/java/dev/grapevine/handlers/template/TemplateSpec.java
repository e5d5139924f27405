package dev.grapevine.handlers.template;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One template to keep rendered: where it comes from, where the output goes, what to run when the output
 * changes. Immutable; the {@code with...} methods return changed copies.
 *
 * <pre>{@code
 * TemplateSpec spec = TemplateSpec.parse("classpath:templates/nginx-upstream.conf.tmpl:/etc/nginx/conf.d/front.conf:nginx -s reload")
 *         .withCheckCommand("nginx -t")
 *         .withParam("role", "front");
 * }</pre>
 */
public final class TemplateSpec {

    /** The shipped nginx upstream template (parameters: role, service, upstream). */
    public static final String NGINX_UPSTREAM = "classpath:templates/nginx-upstream.conf.tmpl";
    /** The shipped HAProxy backend template (parameters: role, service, backend, balance). */
    public static final String HAPROXY_BACKEND = "classpath:templates/haproxy-backend.cfg.tmpl";
    /** How long a command may run unless told otherwise. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final String source;
    private final Path destination;
    private final String command;
    private final String checkCommand;
    private final Map<String, String> params;
    private final Duration commandTimeout;

    private TemplateSpec(String source, Path destination, String command, String checkCommand,
                         Map<String, String> params, Duration commandTimeout) {
        this.source = source;
        this.destination = destination;
        this.command = command;
        this.checkCommand = checkCommand;
        this.params = params;
        this.commandTimeout = commandTimeout;
    }

    /**
     * A template from {@code source} ({@code classpath:NAME} or a file path) rendered to {@code destination},
     * with no command.
     *
     * @throws IllegalArgumentException when either is empty
     */
    public static TemplateSpec of(String source, Path destination) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("template source is empty");
        }
        Objects.requireNonNull(destination, "template destination");
        if (destination.toString().isEmpty()) {
            throw new IllegalArgumentException("template destination is empty");
        }
        return new TemplateSpec(source, destination, null, null, Map.of(), DEFAULT_COMMAND_TIMEOUT);
    }

    /**
     * Parses {@code SRC:DEST[:COMMAND]}, consul-template's syntax, as the {@code --template} flag takes it.
     * {@code SRC} may be {@code classpath:NAME} (the colon after {@code classpath} does not count as a
     * separator); {@code COMMAND} is everything after the second separator, colons included, and runs
     * through {@code /bin/sh -c} when the output changed.
     *
     * @throws IllegalArgumentException naming the flag and the part that is missing
     */
    public static TemplateSpec parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("--template: empty, expected SRC:DEST[:COMMAND]");
        }
        int from = text.startsWith(TemplateRenderer.CLASSPATH_PREFIX) ? TemplateRenderer.CLASSPATH_PREFIX.length() : 0;
        int first = text.indexOf(':', from);
        if (first < 0) {
            throw new IllegalArgumentException("--template " + text + ": no destination, expected SRC:DEST[:COMMAND]");
        }
        String source = text.substring(0, first);
        int second = text.indexOf(':', first + 1);
        String dest = second < 0 ? text.substring(first + 1) : text.substring(first + 1, second);
        String command = second < 0 ? null : text.substring(second + 1);
        if (source.isBlank() || source.equals(TemplateRenderer.CLASSPATH_PREFIX)) {
            throw new IllegalArgumentException("--template " + text + ": the source (SRC) is empty");
        }
        if (dest.isBlank()) {
            throw new IllegalArgumentException("--template " + text + ": the destination (DEST) is empty");
        }
        if (command != null && command.isBlank()) {
            throw new IllegalArgumentException("--template " + text + ": the command after the second ':' is empty");
        }
        TemplateSpec spec = of(source, Path.of(dest));
        return command == null ? spec : spec.withCommand(command);
    }

    /** Where the template comes from: {@code classpath:NAME} or a file path. */
    public String source() {
        return source;
    }

    /** Where the output is written. */
    public Path destination() {
        return destination;
    }

    /** The command run through {@code /bin/sh -c} after the output changed (a reload), if any. */
    public Optional<String> command() {
        return Optional.ofNullable(command);
    }

    /**
     * The command run after the new output is written and before {@link #command()}, if any (say
     * {@code nginx -t}); when it fails, the previous output is put back and the command is not run.
     */
    public Optional<String> checkCommand() {
        return Optional.ofNullable(checkCommand);
    }

    /** The template's parameters, as {@code params} in the template; sorted by name. */
    public Map<String, String> params() {
        return params;
    }

    /** How long each command may run before it is killed and counted as failed. */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** A copy with {@code command} as the reload command. */
    public TemplateSpec withCommand(String newCommand) {
        return new TemplateSpec(source, destination, nonBlank(newCommand, "template command"), checkCommand, params,
                commandTimeout);
    }

    /** A copy with {@code check} as the check command. */
    public TemplateSpec withCheckCommand(String check) {
        return new TemplateSpec(source, destination, command, nonBlank(check, "template check command"), params,
                commandTimeout);
    }

    /** A copy with the parameter {@code name} set to {@code value}. */
    public TemplateSpec withParam(String name, String value) {
        nonBlank(name, "template parameter name");
        Objects.requireNonNull(value, "template parameter " + name);
        Map<String, String> next = new TreeMap<>(params);
        next.put(name, value);
        return new TemplateSpec(source, destination, command, checkCommand, java.util.Collections.unmodifiableMap(next),
                commandTimeout);
    }

    /** A copy whose commands may run for {@code timeout}. */
    public TemplateSpec withCommandTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "template command timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("template command timeout must be positive, was " + timeout);
        }
        return new TemplateSpec(source, destination, command, checkCommand, params, timeout);
    }

    private static String nonBlank(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        return value;
    }

    @Override
    public String toString() {
        return "TemplateSpec[" + source + " -> " + destination + (command != null ? ", command=" + command : "")
                + (checkCommand != null ? ", check=" + checkCommand : "") + (params.isEmpty() ? "" : ", params=" + params)
                + "]";
    }
}
