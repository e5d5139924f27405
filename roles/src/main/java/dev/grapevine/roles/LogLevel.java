package dev.grapevine.roles;

import java.util.Locale;

/**
 * The log levels of {@code --log-level} and Serf's {@code log_level}, with Serf's names: {@code trace},
 * {@code debug}, {@code info}, {@code warn}, {@code err} (case does not matter; {@code error} and
 * {@code warning} are taken too).
 */
public enum LogLevel {
    /** Everything, SLF4J's trace. */
    TRACE(java.util.logging.Level.FINEST),
    /** SLF4J's debug and above. */
    DEBUG(java.util.logging.Level.FINE),
    /** SLF4J's info and above: the default. */
    INFO(java.util.logging.Level.INFO),
    /** Warnings and errors. */
    WARN(java.util.logging.Level.WARNING),
    /** Errors only. */
    ERR(java.util.logging.Level.SEVERE);

    private final java.util.logging.Level jul;

    LogLevel(java.util.logging.Level jul) {
        this.jul = jul;
    }

    /** The {@code java.util.logging} level SLF4J's JDK binding maps this level to. */
    public java.util.logging.Level jul() {
        return jul;
    }

    /**
     * The level named {@code text}.
     *
     * @throws IllegalArgumentException listing the valid names
     */
    public static LogLevel parse(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        switch (t) {
            case "ERROR":
                return ERR;
            case "WARNING":
                return WARN;
            default:
                for (LogLevel l : values()) {
                    if (l.name().equals(t)) {
                        return l;
                    }
                }
                throw new IllegalArgumentException("'" + text + "' is no log level; valid: trace, debug, info,"
                        + " warn, err");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
