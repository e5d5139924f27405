package dev.grapevine.roles;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One command-line flag of a Grapevine process: {@code --name VALUE} (or {@code --name=VALUE}), with an optional
 * environment variable that stands in when the flag is absent, a help line, and a parser that turns the text
 * into a value or rejects it. Immutable; the configuring methods return a changed copy.
 *
 * <p>{@link LaunchOptions} declares the flags every process shares; modules and role servers declare their own
 * and pass them to {@link LaunchOptions#parse(String[], java.util.Map, java.util.List)}, then read the values
 * with {@link LaunchOptions#get(Flag)} and {@link LaunchOptions#all(Flag)}. {@code --help} lists every declared
 * flag. For example:
 * <pre>{@code
 * static final Flag<Path> TEMPLATE = Flag.value("template", "PATH", "a template to render", Path::of)
 *         .env("GRAPEVINE_TEMPLATE").repeatable();
 * }</pre>
 *
 * @param <T> the type of the parsed value
 */
public final class Flag<T> {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");
    private static final Pattern ENV = Pattern.compile("[A-Z_][A-Z0-9_]*");

    private final String name;
    private final String valueName;
    private final String help;
    private final Function<String, ? extends T> parser;
    private final String env;
    private final String envSeparator;
    private final boolean repeatable;
    private final String defaultText;

    private Flag(String name, String valueName, String help, Function<String, ? extends T> parser, String env,
                 String envSeparator, boolean repeatable, String defaultText) {
        this.name = name;
        this.valueName = valueName;
        this.help = help;
        this.parser = parser;
        this.env = env;
        this.envSeparator = envSeparator;
        this.repeatable = repeatable;
        this.defaultText = defaultText;
    }

    /**
     * A flag that takes a value.
     *
     * @param name      the flag without its dashes: lower case words joined by '-', e.g. {@code event-handler}
     * @param valueName how the value is shown in help, e.g. {@code HOST:PORT}
     * @param help      one line of help
     * @param parser    turns the text into the value; throws {@link IllegalArgumentException} with the reason
     *                  (the parser prefixes the flag's name) when the text is bad
     * @throws IllegalArgumentException when the name or help is malformed
     */
    public static <T> Flag<T> value(String name, String valueName, String help, Function<String, ? extends T> parser) {
        if (valueName == null || valueName.isBlank()) {
            throw new IllegalArgumentException("flag --" + name + ": valueName must not be empty");
        }
        return new Flag<T>(checkName(name), valueName, checkHelp(name, help), Objects.requireNonNull(parser, "parser"),
                null, ",", false, null);
    }

    /** A flag that takes any text that is not blank. */
    public static Flag<String> string(String name, String valueName, String help) {
        return value(name, valueName, help, text -> {
            if (text.isBlank()) {
                throw new IllegalArgumentException("must not be empty");
            }
            return text;
        });
    }

    /** A switch: present or absent, with no value ({@code --name}); reads as {@code true} when present. */
    public static Flag<Boolean> toggle(String name, String help) {
        return new Flag<>(checkName(name), null, checkHelp(name, help), text -> Boolean.TRUE, null, ",", false, null);
    }

    /**
     * The environment variable read when the flag is absent. For a repeatable flag it holds several values,
     * separated as given to {@link #repeatable(String)}.
     *
     * @throws IllegalArgumentException when the name is not upper case letters, digits and '_'
     */
    public Flag<T> env(String variable) {
        if (variable == null || !ENV.matcher(variable).matches()) {
            throw new IllegalArgumentException("flag --" + name + ": environment variable '" + variable
                    + "' must be upper case letters, digits and '_'");
        }
        if (valueName == null) {
            throw new IllegalArgumentException("flag --" + name + " is a switch: it has no environment variable");
        }
        return new Flag<>(name, valueName, help, parser, variable, envSeparator, repeatable, defaultText);
    }

    /** Lets the flag be given several times; its environment variable separates values by commas. */
    public Flag<T> repeatable() {
        return repeatable(",");
    }

    /**
     * Lets the flag be given several times; its environment variable separates values by {@code separator}
     * (e.g. {@code "\n"} for values that may hold commas).
     */
    public Flag<T> repeatable(String separator) {
        if (separator == null || separator.isEmpty()) {
            throw new IllegalArgumentException("flag --" + name + ": separator must not be empty");
        }
        if (valueName == null) {
            throw new IllegalArgumentException("flag --" + name + " is a switch: it cannot repeat");
        }
        return new Flag<>(name, valueName, help, parser, env, separator, true, defaultText);
    }

    /**
     * The value when neither the flag nor its variable is given, as text (it goes through the parser, and is
     * shown in help).
     */
    public Flag<T> defaultValue(String text) {
        if (valueName == null || repeatable) {
            throw new IllegalArgumentException("flag --" + name + ": only a single-valued flag has a default");
        }
        return new Flag<>(name, valueName, help, parser, env, envSeparator, repeatable, Objects.requireNonNull(text));
    }

    /** The name without its dashes. */
    public String name() {
        return name;
    }

    /** How the value is shown in help; empty for a switch. */
    public Optional<String> valueName() {
        return Optional.ofNullable(valueName);
    }

    /** The help line. */
    public String help() {
        return help;
    }

    /** The environment variable, if any. */
    public Optional<String> envVariable() {
        return Optional.ofNullable(env);
    }

    /** True when the flag may be given several times. */
    public boolean isRepeatable() {
        return repeatable;
    }

    /** True for a switch, which takes no value. */
    public boolean isToggle() {
        return valueName == null;
    }

    /** The default, as text, if any. */
    public Optional<String> defaultText() {
        return Optional.ofNullable(defaultText);
    }

    String envSeparator() {
        return envSeparator;
    }

    /**
     * Parses one value, given by the flag or ({@code fromEnv}) by its variable.
     *
     * @throws IllegalArgumentException starting with the flag's name
     */
    T parse(String text, boolean fromEnv) {
        String where = fromEnv ? "--" + name + " (" + env + ")" : "--" + name;
        T value;
        try {
            value = parser.apply(text);
        } catch (IllegalArgumentException e) {
            String why = String.valueOf(e.getMessage());
            // Parsers shared with the API (TemplateSpec.parse...) may already name the flag: not twice.
            String prefix = "--" + name;
            if (why.startsWith(prefix + ":") || why.startsWith(prefix + " ")) {
                why = why.substring(prefix.length()).replaceFirst("^:? ", "");
            }
            throw new IllegalArgumentException(where + ": " + why, e);
        }
        if (value == null) {
            throw new IllegalArgumentException(where + ": '" + text + "' gives no value");
        }
        return value;
    }

    /** The line of {@code --help}. */
    String usageLine() {
        String left = "  --" + name + (valueName == null ? "" : " " + valueName);
        StringBuilder right = new StringBuilder(help);
        if (repeatable) {
            right.append("; repeatable");
        }
        StringBuilder extra = new StringBuilder();
        if (env != null) {
            extra.append(env);
            if (repeatable) {
                extra.append(envSeparator.equals(",") ? ", comma separated"
                        : envSeparator.equals("\n") ? ", one a line" : ", separated by '" + envSeparator + "'");
            }
        }
        if (defaultText != null) {
            extra.append(extra.length() > 0 ? ", " : "").append("default ").append(defaultText);
        }
        if (extra.length() > 0) {
            right.append(" (").append(extra).append(')');
        }
        return left.length() < 27 ? String.format("%-27s%s", left, right) : left + "\n" + " ".repeat(27) + right;
    }

    private static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("flag name '" + name
                    + "' must be lower case words joined by '-', without the leading dashes");
        }
        return name;
    }

    private static String checkHelp(String name, String help) {
        if (help == null || help.isBlank() || help.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("flag --" + name + ": help must be one line of text");
        }
        return help;
    }

    @Override
    public String toString() {
        return "--" + name;
    }
}
