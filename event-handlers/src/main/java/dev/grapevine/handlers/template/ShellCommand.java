package dev.grapevine.handlers.template;

import dev.grapevine.roles.Shell;

import java.io.IOException;
import java.time.Duration;

/**
 * Runs one check or reload command line through {@code /bin/sh -c} with a time limit, keeping the start of its
 * output.
 */
final class ShellCommand {

    /** How much of a command's output (stdout and stderr together) is kept for the log. */
    static final int MAX_OUTPUT = 16 * 1024;

    /**
     * How a command ended.
     *
     * @param exitCode its exit status, or -1 when it timed out or could not start
     * @param timedOut true when it was killed for running too long
     * @param output   the start of its output (at most {@link #MAX_OUTPUT} bytes), or why it could not start
     */
    record Result(int exitCode, boolean timedOut, String output) {
        boolean ok() {
            return exitCode == 0 && !timedOut;
        }
    }

    private ShellCommand() {
    }

    /**
     * Runs {@code command} with {@link Shell}: stdin is empty, stdout and stderr go to one temporary file read
     * afterwards (so a daemon the command leaves behind cannot hold a pipe open). On timeout the command and its
     * descendants are killed.
     *
     * @throws InterruptedException when interrupted while waiting (the command is killed first)
     */
    static Result run(String command, Duration timeout) throws InterruptedException {
        Shell.Run run;
        try {
            run = Shell.command(command).tempFiles(null, "grapevine-template-cmd-").outputLimit(MAX_OUTPUT).start();
        } catch (IOException e) {
            return new Result(-1, false, e.getMessage());
        }
        Shell.Result r = run.waitFor(timeout);
        String output = r.outputError() != null ? "(output not readable: " + r.outputError() + ")"
                : r.text().strip() + (r.outputCut() ? " [...]" : "");
        return new Result(r.timedOut() ? -1 : r.exitCode(), r.timedOut(), output);
    }
}
