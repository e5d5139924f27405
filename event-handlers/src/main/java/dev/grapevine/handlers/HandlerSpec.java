package dev.grapevine.handlers;

import java.util.Objects;

/**
 * One script handler as Serf's {@code -event-handler} writes it: {@code [FILTER=]COMMAND}, for instance
 * {@code member-join,member-leave=/etc/grapevine/lb.sh} or {@code user:deploy=./deploy.sh}; without a filter
 * the command gets every event. The command runs through {@code /bin/sh -c}.
 *
 * <p>As in Serf the text is split at its first {@code '='}: a bare command that itself contains {@code '='}
 * must be written with an explicit filter ({@code *=FOO=1 ./run.sh}).
 *
 * @param filter  which events run the command
 * @param command the shell command
 */
public record HandlerSpec(EventFilter filter, String command) {

    /** Checks that both parts are present. */
    public HandlerSpec {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(command, "command");
        if (command.isBlank()) {
            throw new IllegalArgumentException("event handler '" + filter + "=" + command + "': the command is empty");
        }
    }

    /**
     * Parses {@code [FILTER=]COMMAND}.
     *
     * @throws IllegalArgumentException naming the part at fault: an empty command, an unknown event type, a
     *                                  name on a type that takes none
     */
    public static HandlerSpec parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.isBlank()) {
            throw new IllegalArgumentException("event handler is empty: expected [FILTER=]COMMAND");
        }
        int eq = spec.indexOf('=');
        if (eq < 0) {
            return new HandlerSpec(EventFilter.ALL, spec);
        }
        String command = spec.substring(eq + 1);
        if (command.isBlank()) {
            throw new IllegalArgumentException("event handler '" + spec + "': no command after '='");
        }
        EventFilter filter;
        try {
            filter = EventFilter.parse(spec.substring(0, eq));
        } catch (IllegalArgumentException e) {
            String before = spec.substring(0, eq);
            // "/bin/run --x=1" or "FOO=1 ./run.sh": a bare command split at its own '='.
            String hint = !before.matches("[a-z0-9:*,_.-]*")
                    ? "; a command containing '=' needs an explicit filter, such as '*=" + spec + "'" : "";
            throw new IllegalArgumentException("event handler '" + spec + "': " + e.getMessage() + hint, e);
        }
        return new HandlerSpec(filter, command);
    }

    /** The spec as Serf writes it; {@link #parse} reads it back to an equal spec. */
    @Override
    public String toString() {
        return filter + "=" + command;
    }
}
