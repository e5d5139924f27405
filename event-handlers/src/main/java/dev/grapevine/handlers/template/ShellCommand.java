package dev.grapevine.handlers.template;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Runs one command line through {@code /bin/sh -c} with a time limit, keeping the start of its output. */
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
     * Runs {@code command}; stdin is empty, stdout and stderr go to one temporary file read afterwards (so a
     * daemon the command leaves behind cannot hold a pipe open). On timeout the command and its descendants
     * are killed.
     *
     * @throws InterruptedException when interrupted while waiting (the command is killed first)
     */
    static Result run(String command, Duration timeout) throws InterruptedException {
        Path out;
        try {
            out = Files.createTempFile("grapevine-template-cmd", ".out");
        } catch (IOException e) {
            return new Result(-1, false, "no temporary file for the output: " + e);
        }
        try {
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                return new Result(-1, false, "could not start /bin/sh: " + e.getMessage());
            }
            try {
                if (!p.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                    kill(p);
                    return new Result(-1, true, read(out));
                }
            } catch (InterruptedException e) {
                kill(p);
                throw e;
            }
            return new Result(p.exitValue(), false, read(out));
        } finally {
            try {
                Files.deleteIfExists(out);
            } catch (IOException ignored) {
                // A leftover empty temporary file is harmless.
            }
        }
    }

    private static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
    }

    private static String read(Path out) {
        try (InputStream in = Files.newInputStream(out)) {
            byte[] head = in.readNBytes(MAX_OUTPUT);
            boolean more = in.read() >= 0;
            String text = new String(head, StandardCharsets.UTF_8).strip();
            return more ? text + " [...]" : text;
        } catch (IOException e) {
            return "(output not readable: " + e + ")";
        }
    }
}
