package dev.grapevine.roles.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line flags as Serf's commands take them (Go's {@code flag} package): {@code -name value},
 * {@code -name=value} or {@code --name=value}; a switch is {@code -name} or {@code -name=true|false}; flags come
 * before the arguments, and {@code --} ends them.
 */
final class GoFlags {

    /** A flag the command knows: a switch or one taking a value, repeatable or not. */
    record Spec(String name, boolean takesValue, boolean repeatable, String help) {
    }

    private final String command;
    private final Map<String, Spec> specs = new LinkedHashMap<>();
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> args = new ArrayList<>();

    GoFlags(String command) {
        this.command = command;
    }

    GoFlags value(String name, String help) {
        specs.put(name, new Spec(name, true, false, help));
        return this;
    }

    GoFlags repeatable(String name, String help) {
        specs.put(name, new Spec(name, true, true, help));
        return this;
    }

    GoFlags toggle(String name, String help) {
        specs.put(name, new Spec(name, false, false, help));
        return this;
    }

    /**
     * Reads {@code argv}.
     *
     * @throws CliException with a one-line reason for an unknown flag, a missing value or a flag given twice
     */
    GoFlags parse(List<String> argv) {
        int i = 0;
        while (i < argv.size()) {
            String a = argv.get(i);
            if (a.equals("--")) {
                i++;
                break;
            }
            if (!a.startsWith("-") || a.equals("-")) {
                break;
            }
            String body = a.startsWith("--") ? a.substring(2) : a.substring(1);
            String name = body;
            String value = null;
            int eq = body.indexOf('=');
            if (eq >= 0) {
                name = body.substring(0, eq);
                value = body.substring(eq + 1);
            }
            Spec spec = specs.get(name);
            if (spec == null) {
                if (name.equals("h") || name.equals("help")) {
                    throw new CliException(0, usage());
                }
                throw new CliException(1, "flag provided but not defined: -" + name + " (see grapevine " + command
                        + " -h)");
            }
            if (spec.takesValue()) {
                if (value == null) {
                    if (i + 1 >= argv.size()) {
                        throw new CliException(1, "flag needs an argument: -" + name);
                    }
                    value = argv.get(++i);
                }
            } else if (value == null) {
                value = "true";
            } else if (!value.equals("true") && !value.equals("false")) {
                throw new CliException(1, "invalid boolean value \"" + value + "\" for -" + name);
            }
            List<String> list = values.computeIfAbsent(name, k -> new ArrayList<>());
            if (!list.isEmpty() && !spec.repeatable()) {
                throw new CliException(1, "flag -" + name + " given more than once");
            }
            list.add(value);
            i++;
        }
        args.addAll(argv.subList(i, argv.size()));
        return this;
    }

    /** The value of a single-valued flag, or {@code otherwise}. */
    String get(String name, String otherwise) {
        List<String> v = values.get(name);
        return v == null ? otherwise : v.get(0);
    }

    /** Every value of a repeatable flag. */
    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    /** A switch's value. */
    boolean on(String name) {
        return "true".equals(get(name, "false"));
    }

    /** Whether the flag was given. */
    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The arguments after the flags. */
    List<String> args() {
        return args;
    }

    /** The flags' help text. */
    String usage() {
        StringBuilder sb = new StringBuilder("Options:\n");
        for (Spec s : specs.values()) {
            String left = "  -" + s.name() + (s.takesValue() ? "=<value>" : "");
            sb.append(left);
            sb.append(" ".repeat(Math.max(2, 28 - left.length())));
            sb.append(s.help()).append('\n');
        }
        return sb.toString().stripTrailing();
    }
}
