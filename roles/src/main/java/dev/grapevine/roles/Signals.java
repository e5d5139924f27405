package dev.grapevine.roles;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signals of a launched process, handled as Serf's agent handles them: SIGHUP reloads the configuration
 * ({@link Launch#reload()}) and keeps running; SIGINT leaves the cluster gracefully unless
 * {@code --skip-leave-on-interrupt}; SIGTERM leaves gracefully unless {@code --leave-on-terminate false}; in
 * both cases the servers then drain and close and the process exits, with status 0 after a graceful leave and
 * 1 after a stop without one (Serf's). A second SIGINT or SIGTERM while the first is being handled stops the
 * process at once with status 1, as Serf's agent does.
 *
 * <p>Only {@link NodeLauncher#main} installs these: signals are the process's, not an embedded node's. It uses
 * {@code sun.misc.Signal} (module {@code jdk.unsupported}, exported, no JVM flag needed), the only way the JDK
 * offers to see SIGHUP and to tell SIGTERM from SIGINT; javac warns that it is internal. Where the JVM refuses a
 * handler ({@code -Xrs}), the shutdown hook's graceful leave stays in place and the refusal is logged.
 */
final class Signals {

    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    /** Installs the three handlers for {@code launch}. */
    static void install(Launch launch) {
        Object stopping = new Object();
        boolean[] stopped = {false};
        handle("HUP", s -> {
            LOG.info("{}: caught SIGHUP, reloading the configuration", launch.node().name());
            launch.reload();
        });
        for (String name : new String[] {"INT", "TERM"}) {
            handle(name, s -> {
                synchronized (stopping) {
                    if (stopped[0]) {
                        LOG.warn("{}: caught SIG{} again while stopping: exiting now", launch.node().name(), name);
                        Runtime.getRuntime().halt(1);
                    }
                    stopped[0] = true;
                }
                // Handled on a thread of its own, so a second signal finds the handler free.
                Thread t = new Thread(() -> stop(launch, name), "grapevine-" + launch.node().name() + "-sig" + name);
                t.start();
            });
        }
    }

    private static void stop(Launch launch, String signal) {
        LaunchOptions o = launch.options();
        boolean graceful = signal.equals("INT") ? !o.skipLeaveOnInterrupt() : o.leaveOnTerminate();
        LOG.info("{}: caught SIG{}, {}", launch.node().name(), signal, graceful ? "leaving gracefully"
                : "stopping without leaving (" + (signal.equals("INT") ? "--skip-leave-on-interrupt"
                : "--leave-on-terminate false") + ")");
        launch.close(graceful);
        System.exit(graceful ? 0 : 1);
    }

    private static void handle(String name, sun.misc.SignalHandler handler) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), handler);
        } catch (IllegalArgumentException e) {
            LOG.info("SIG{} is not handled here ({}); the shutdown hook leaves gracefully", name, e.getMessage());
        }
    }
}
