package dev.grapevine.roles;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * The one-line log format of launched processes: {@code 2026-12-07 19:25:01.123 [INFO] NodeLauncher: message},
 * then the stack trace if any. Levels are named as {@link LogLevel} names them (ERROR, WARN, INFO, DEBUG, TRACE).
 */
public final class LogLineFormat extends Formatter {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    /** Formats a record as one line (plus the stack trace), ending with a line separator. */
    @Override
    public String format(LogRecord r) {
        StringBuilder sb = new StringBuilder(128);
        TIME.formatTo(r.getInstant(), sb);
        sb.append(" [").append(name(r.getLevel())).append("] ");
        String logger = r.getLoggerName();
        if (logger != null) {
            sb.append(logger, logger.lastIndexOf('.') + 1, logger.length()).append(": ");
        }
        sb.append(formatMessage(r)).append(System.lineSeparator());
        if (r.getThrown() != null) {
            StringWriter w = new StringWriter();
            r.getThrown().printStackTrace(new PrintWriter(w));
            sb.append(w);
        }
        return sb.toString();
    }

    /** The name this format gives a {@code java.util.logging} level. */
    public static String name(Level l) {
        int v = l.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (v >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (v >= Level.INFO.intValue()) {
            return "INFO";
        }
        return v >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
    }
}
