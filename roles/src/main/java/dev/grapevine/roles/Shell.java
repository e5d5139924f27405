package dev.grapevine.roles;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A command line run through {@code /bin/sh -c}, as Grapevine runs every outside command (health checks, event
 * handler scripts, template check and reload commands).
 *
 * <ul>
 *   <li>Standard output and error go together to a temporary file, not a pipe: no thread has to drain a pipe,
 *       and a background process the command leaves behind (a daemon a reload command starts) cannot hold the
 *       run open by keeping the pipe. When the shell ends, the first {@link #outputLimit} bytes are read and
 *       the size of the whole output noted.</li>
 *   <li>Standard input is empty ({@code /dev/null}), or {@link #stdin bytes} written to a temporary file
 *       first; either way a command that does not read it cannot hang, and one that reads it gets end of
 *       file.</li>
 *   <li>The environment is the JVM's, plus the {@link #environment variables} given.</li>
 *   <li>The temporary files (named after {@link #tempFiles the prefix}) are deleted once the shell ended.</li>
 *   <li>{@link Run#kill()}, a {@link Run#waitFor(Duration) timeout} or an interrupt of the waiting thread kills
 *       the shell and its descendants; a normal end leaves any background process running.</li>
 * </ul>
 *
 * <p>Immutable: each setter returns a changed copy, so one {@code Shell} can be started many times.
 */
public final class Shell {

    /** How long a killed process is waited for before its run is reported without an exit status. */
    static final Duration KILL_WAIT = Duration.ofSeconds(5);
    private static final File NO_INPUT = new File("/dev/null");

    private final String command;
    private final Map<String, String> environment;
    private final byte[] stdin;
    private final Path tempDir;
    private final String tempPrefix;
    private final int outputLimit;

    private Shell(String command, Map<String, String> environment, byte[] stdin, Path tempDir, String tempPrefix,
                  int outputLimit) {
        this.command = command;
        this.environment = environment;
        this.stdin = stdin;
        this.tempDir = tempDir;
        this.tempPrefix = tempPrefix;
        this.outputLimit = outputLimit;
    }

    /**
     * A run of {@code commandLine}: empty input, the JVM's environment, temporary files named {@code grapevine-}
     * in the system's temporary directory, 16 KiB of output kept.
     *
     * @throws IllegalArgumentException when the command line is blank
     */
    public static Shell command(String commandLine) {
        Objects.requireNonNull(commandLine, "command");
        if (commandLine.isBlank()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        return new Shell(commandLine, Map.of(), null, null, "grapevine-", 16 * 1024);
    }

    /** Variables added to the JVM's environment (replacing those of the same name). */
    public Shell environment(Map<String, String> variables) {
        return new Shell(command, Map.copyOf(variables), stdin, tempDir, tempPrefix, outputLimit);
    }

    /** What the command reads on its standard input (default: nothing). */
    public Shell stdin(byte[] input) {
        return new Shell(command, environment, input.clone(), tempDir, tempPrefix, outputLimit);
    }

    /**
     * Where the temporary files go ({@code null}: the system's temporary directory) and how their names start.
     */
    public Shell tempFiles(Path directory, String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        return new Shell(command, environment, stdin, directory, prefix, outputLimit);
    }

    /**
     * How many bytes of output {@link Result#output()} keeps at most; the rest is only counted.
     *
     * @throws IllegalArgumentException when negative
     */
    public Shell outputLimit(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("outputLimit must not be negative, was " + bytes);
        }
        return new Shell(command, environment, stdin, tempDir, tempPrefix, bytes);
    }

    /** The command line. */
    public String command() {
        return command;
    }

    /**
     * Starts the shell. Blocks only for the process start (and writing the input file).
     *
     * @throws IllegalArgumentException when a variable cannot be in a process environment (a NUL character, an
     *                                  '=' in a name); no file is made then
     * @throws IOException              when the temporary files cannot be made or the shell cannot start (the
     *                                  message says which); the files made are deleted
     */
    public Run start() throws IOException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true);
        try {
            pb.environment().putAll(environment);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("environment: " + e.getMessage(), e);
        }
        List<Path> files = new ArrayList<>(2);
        try {
            Path out = createTemp(".out");
            files.add(out);
            pb.redirectOutput(out.toFile());
            if (stdin != null) {
                Path in = createTemp(".in");
                files.add(in);
                Files.write(in, stdin);
                pb.redirectInput(in.toFile());
            } else {
                pb.redirectInput(NO_INPUT);
            }
            Process process;
            try {
                process = pb.start();
            } catch (IOException e) {
                throw new IOException("could not start /bin/sh: " + e.getMessage(), e);
            }
            return new Run(process, out, files, outputLimit);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(files);
            throw e;
        }
    }

    private Path createTemp(String suffix) throws IOException {
        try {
            return tempDir == null ? Files.createTempFile(tempPrefix, suffix)
                    : Files.createTempFile(tempDir, tempPrefix, suffix);
        } catch (IOException e) {
            throw new IOException("no temporary file for the command in "
                    + (tempDir == null ? System.getProperty("java.io.tmpdir") : tempDir) + ": " + e, e);
        }
    }

    private static void deleteQuietly(List<Path> files) {
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                // a leftover temporary file is harmless
            }
        }
    }

    @Override
    public String toString() {
        return "sh -c '" + command + "'";
    }

    /**
     * Kills a process and its descendants. The tree is listed first, then killed parents first: no process of
     * it is left to start a new child once its own children are gone, and a child is killed even when its
     * parent died before it (it is then no longer a descendant). A process that left the tree before the call
     * (a daemon whose parent already ended) is left alone.
     */
    public static void killTree(ProcessHandle root) {
        List<ProcessHandle> tree = new ArrayList<>();
        collect(root, tree);
        for (ProcessHandle h : tree) {
            h.destroyForcibly();
        }
    }

    private static void collect(ProcessHandle h, List<ProcessHandle> into) {
        into.add(h);
        h.children().forEach(c -> collect(c, into));
    }

    /** A started shell. */
    public static final class Run {

        private final Process process;
        private final CompletableFuture<Result> exit;

        private Run(Process process, Path out, List<Path> files, int limit) {
            this.process = process;
            // On the JDK's process reaper thread: a read of at most `limit` bytes and the deletes.
            this.exit = process.onExit().handle((p, e) -> collect(process, out, files, limit));
        }

        /** The shell's process id. */
        public long pid() {
            return process.pid();
        }

        /**
         * Completes (on the JDK's process reaper thread) once the shell ended and its output was read and the
         * files deleted; never completes exceptionally. {@link Result#timedOut()} is false: the caller that
         * keeps time {@link #kill kills} the run itself.
         */
        public CompletableFuture<Result> onExit() {
            return exit;
        }

        /** Kills the shell and its descendants (see {@link Shell#killTree}). Idempotent; safe from any thread. */
        public void kill() {
            killTree(process.toHandle());
        }

        /**
         * Waits for the shell to end.
         *
         * @throws InterruptedException when interrupted while waiting; the run is killed first
         */
        public Result waitFor() throws InterruptedException {
            try {
                return exit.get();
            } catch (InterruptedException e) {
                kill();
                throw e;
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot happen: the exit handler catches everything", e);
            }
        }

        /**
         * Waits at most {@code timeout} for the shell to end; then kills it and its descendants and waits up to
         * five seconds more for it to go, reporting {@link Result#timedOut()} with what it wrote.
         *
         * @throws InterruptedException when interrupted while waiting; the run is killed first
         */
        public Result waitFor(Duration timeout) throws InterruptedException {
            try {
                return exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                kill();
            } catch (InterruptedException e) {
                kill();
                throw e;
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot happen: the exit handler catches everything", e);
            }
            try {
                Result r = exit.get(KILL_WAIT.toNanos(), TimeUnit.NANOSECONDS);
                return new Result(r.exitCode(), true, r.output(), r.outputSize(), r.outputError());
            } catch (TimeoutException e) {
                return new Result(-1, true, new byte[0], 0, "the shell did not end within " + KILL_WAIT.toSeconds()
                        + " s of being killed");
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot happen: the exit handler catches everything", e);
            }
        }

        private static Result collect(Process process, Path out, List<Path> files, int limit) {
            int exitCode = process.isAlive() ? -1 : process.exitValue();
            try (InputStream in = Files.newInputStream(out)) {
                byte[] head = in.readNBytes(limit);
                long size = Math.max(head.length, Files.size(out));
                return new Result(exitCode, false, head, size, null);
            } catch (IOException | RuntimeException e) {
                return new Result(exitCode, false, new byte[0], 0, e.toString());
            } finally {
                deleteQuietly(files);
            }
        }
    }

    /**
     * How a run ended.
     *
     * @param exitCode    the shell's exit status (128 + the signal when killed), or -1 when it did not end
     * @param timedOut    true when {@link Run#waitFor(Duration)} killed it for running too long
     * @param output      the first bytes of standard output and error together, at most the output limit
     * @param outputSize  how many bytes it wrote in all
     * @param outputError why the output could not be read (then {@code output} is empty), or null
     */
    public record Result(int exitCode, boolean timedOut, byte[] output, long outputSize, String outputError) {

        /** True when it wrote more than {@link #output()} holds. */
        public boolean outputCut() {
            return outputSize > output.length;
        }

        /** {@link #output()} as UTF-8 text (malformed bytes replaced). */
        public String text() {
            return new String(output, StandardCharsets.UTF_8);
        }
    }
}
