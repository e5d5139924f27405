package dev.grapevine.roles;

import org.slf4j.LoggerFactory;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The log of a launched process ({@link NodeLauncher#main}), when SLF4J writes through {@code java.util.logging}
 * (the {@code slf4j-jdk14} binding the sample servers ship): one line per record on standard error, and the
 * level of {@code --log-level}, which SIGHUP can change while the process runs, as Serf's agent does.
 *
 * <p>{@code debug} and {@code trace} apply to Grapevine's loggers ({@code dev.grapevine.*}); other libraries'
 * (Netty's) stay at {@code info}, so a debug log is about the cluster. A process whose {@code java.util.logging}
 * is configured by the user ({@code -Djava.util.logging.config.file} or {@code .class}) keeps its handlers and
 * formats; only the levels of the two loggers are set. With another SLF4J binding the level belongs to that
 * binding's configuration, and {@code --log-level} says so in the log once.
 *
 * <p>This is process state: only the launcher's {@code main} configures it, never a node embedded in an
 * application; {@link #julBacked()} may be asked by anyone.
 */
public final class ProcessLog {

    private static final String JUL_FACTORY = "org.slf4j.jul.JDK14LoggerFactory";
    /** Held strongly: {@code java.util.logging} keeps loggers weakly, and a collected one forgets its level. */
    private static final Logger GRAPEVINE = Logger.getLogger("dev.grapevine");
    private static final Logger ROOT = Logger.getLogger("");
    private static volatile Handler ownHandler;

    private ProcessLog() {
    }

    /** True when SLF4J logs through {@code java.util.logging} in this process. */
    public static boolean julBacked() {
        return LoggerFactory.getILoggerFactory().getClass().getName().equals(JUL_FACTORY);
    }

    /**
     * At process start: the one-line format on standard error (unless the user configured
     * {@code java.util.logging}) and {@code level}.
     *
     * @param level    the level to log at
     * @param explicit whether the command line or configuration gave the level (for the warning when it cannot
     *                 be applied)
     */
    static synchronized void configure(LogLevel level, boolean explicit) {
        if (!julBacked()) {
            if (explicit) {
                LoggerFactory.getLogger(ProcessLog.class).warn("--log-level {}: this process logs through {},"
                        + " whose own configuration sets the level", level,
                        LoggerFactory.getILoggerFactory().getClass().getName());
            }
            return;
        }
        if (ownHandler == null && System.getProperty("java.util.logging.config.file") == null
                && System.getProperty("java.util.logging.config.class") == null) {
            for (Handler h : ROOT.getHandlers()) {
                ROOT.removeHandler(h);
            }
            Handler h = new ConsoleHandler(); // standard error, flushed per record
            h.setFormatter(new LogLineFormat());
            ROOT.addHandler(h);
            ownHandler = h;
        }
        setLevel(level);
    }

    /**
     * Sets the level of the process's log.
     *
     * @return false when SLF4J does not log through {@code java.util.logging} here (nothing changed)
     */
    static synchronized boolean setLevel(LogLevel level) {
        if (!julBacked()) {
            return false;
        }
        GRAPEVINE.setLevel(level.jul());
        ROOT.setLevel(level.compareTo(LogLevel.INFO) < 0 ? Level.INFO : level.jul());
        Handler h = ownHandler;
        if (h != null) {
            h.setLevel(level.jul());
        }
        return true;
    }
}
