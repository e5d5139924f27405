package dev.grapevine.roles;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Shell}: real {@code /bin/sh} processes; waits poll with generous limits, no timing assertion. */
class ShellTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    /** SIGKILL as an exit status of the shell. */
    private static final int KILLED = 128 + 9;

    @TempDir
    Path dir;
    private final List<Long> leftovers = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        leftovers.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }

    private Shell shell(String command) {
        return Shell.command(command).tempFiles(dir, "t-");
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The pids a command wrote to {@code file}, one a line, once there are {@code count} of them. */
    private List<Long> pids(Path file, int count) throws Exception {
        assertTrue(Poll.until(() -> lines(file).size() >= count, WAIT), () -> "pids in " + file + ": " + lines(file));
        List<Long> pids = lines(file).stream().map(Long::parseLong).toList();
        leftovers.addAll(pids);
        return pids;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList() : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static boolean dead(long pid) {
        return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
    }

    @Test
    void exitStatusAndBothStreamsTogether() throws Exception {
        Shell.Result r = shell("echo out; echo err >&2; exit 3").start().waitFor();
        assertEquals(3, r.exitCode());
        assertFalse(r.timedOut());
        assertNull(r.outputError());
        assertEquals("out\nerr\n", r.text());
        assertEquals(8, r.outputSize());
        assertFalse(r.outputCut());
    }

    @Test
    void outputIsKeptUpToTheLimitAndCountedBeyond() throws Exception {
        Shell.Result r = shell("head -c 100000 /dev/zero | tr '\\0' a; printf zzz").outputLimit(1000).start()
                .waitFor();
        assertEquals(0, r.exitCode());
        assertEquals(1000, r.output().length);
        assertEquals(100_003, r.outputSize());
        assertTrue(r.outputCut());
        assertEquals("a".repeat(1000), r.text());
    }

    @Test
    void stdinAndEnvironmentReachTheCommandAndTheJvmEnvironmentIsKept() throws Exception {
        Shell.Result r = shell("cat; printf '[%s]' \"$GRAPEVINE_TEST\"; test -n \"$PATH\" || exit 9")
                .stdin("line one\n".getBytes(StandardCharsets.UTF_8))
                .environment(Map.of("GRAPEVINE_TEST", "x y")).start().waitFor();
        assertEquals(0, r.exitCode(), r.text());
        assertEquals("line one\n[x y]", r.text());

        Shell.Result empty = shell("cat; echo done").start().waitFor(WAIT);
        assertFalse(empty.timedOut(), "a command reading stdin gets end of file at once");
        assertEquals("done\n", empty.text());
    }

    @Test
    void theTemporaryFilesAreNamedByThePrefixAndDeletedAfterTheRun() throws Exception {
        Shell.Result r = shell("ls '" + dir + "'").stdin(new byte[]{1}).start().waitFor();
        String[] listed = r.text().split("\n");
        assertEquals(2, listed.length, r.text());
        assertTrue(listed[0].startsWith("t-") && listed[1].startsWith("t-"), r.text());
        assertEquals(List.of(), files(), "deleted once the run is over");

        Shell.Result async = shell("echo async").start().onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals("async\n", async.text());
        assertEquals(List.of(), files());
    }

    @Test
    void badEnvironmentsMissingDirectoriesAndBadOptionsFailClearly() {
        IllegalArgumentException env = assertThrows(IllegalArgumentException.class,
                () -> shell("true").environment(Map.of("X", "nul\0inside")).start());
        assertTrue(env.getMessage().startsWith("environment"), env.getMessage());
        Path missing = dir.resolve("missing");
        IOException io = assertThrows(IOException.class, () -> Shell.command("true").tempFiles(missing, "t-").start());
        assertTrue(io.getMessage().contains(missing.toString()), io.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Shell.command(" ")).getMessage()
                .contains("command"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Shell.command("true").outputLimit(-1))
                .getMessage().startsWith("outputLimit"));
    }

    @Test
    void aTimeoutKillsTheShellAndItsWholeTree() throws Exception {
        Path pidFile = dir.resolve("pids");
        // A child and a grandchild; the shell waits for them, so it never ends by itself.
        Shell.Run run = Shell.command("sleep 600 & echo $! >> '" + pidFile + "'; "
                + "sh -c 'sleep 600 & echo $! >> \"$0\"; wait' '" + pidFile + "' & wait").start();
        leftovers.add(run.pid());
        List<Long> tree = pids(pidFile, 2);
        Shell.Result r = run.waitFor(Duration.ofMillis(1));
        assertTrue(r.timedOut());
        assertEquals(KILLED, r.exitCode());
        for (long pid : tree) {
            assertTrue(Poll.until(() -> dead(pid), WAIT), "process " + pid + " killed with the shell");
        }
    }

    @Test
    void killEndsTheRunAndOnExitReportsIt() throws Exception {
        Path pidFile = dir.resolve("pids");
        Shell.Run run = shell("echo started; sleep 600 & echo $! > '" + pidFile + "'; wait").start();
        leftovers.add(run.pid());
        long child = pids(pidFile, 1).get(0);
        run.kill();
        Shell.Result r = run.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(KILLED, r.exitCode());
        assertFalse(r.timedOut());
        assertEquals("started\n", r.text(), "what it wrote before the kill");
        assertTrue(Poll.until(() -> dead(child), WAIT), "the child was killed too");
        assertEquals(List.of(), filesBut("pids"), "the temporary files are deleted after a kill too");
    }

    private List<String> filesBut(String name) {
        try {
            return files().stream().filter(f -> !f.equals(name)).toList();
        } catch (IOException e) {
            return List.of("unreadable: " + e);
        }
    }

    @Test
    void anInterruptedWaitKillsTheRun() throws Exception {
        Path pidFile = dir.resolve("pids");
        Shell.Run run = Shell.command("echo $$ > '" + pidFile + "'; exec sleep 600").start();
        leftovers.add(run.pid());
        pids(pidFile, 1);
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                run.waitFor();
                thrown.complete(null);
            } catch (Throwable e) {
                thrown.complete(e);
            }
        }, "shell-test-waiter");
        waiter.start();
        waiter.interrupt();
        assertTrue(thrown.get(WAIT.toSeconds(), TimeUnit.SECONDS) instanceof InterruptedException);
        assertEquals(KILLED, run.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS).exitCode());
    }

    @Test
    void aNormalEndLeavesBackgroundProcessesRunningAndDoesNotWaitForThem() throws Exception {
        // The daemon keeps the output file open; the run still ends with the shell.
        Shell.Result r = shell("sleep 600 & echo $!").start().waitFor(WAIT);
        assertFalse(r.timedOut(), "the background process does not hold the run");
        assertEquals(0, r.exitCode());
        long daemon = Long.parseLong(r.text().trim());
        leftovers.add(daemon);
        assertTrue(ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false), "left running");
    }

    @Test
    void oneShellStartsManyIndependentRuns() throws Exception {
        Shell base = shell("printf %s \"$N\"");
        Shell one = base.environment(Map.of("N", "1"));
        Shell two = base.environment(Map.of("N", "2"));
        assertArrayEquals("1".getBytes(StandardCharsets.UTF_8), one.start().waitFor().output());
        assertArrayEquals("2".getBytes(StandardCharsets.UTF_8), two.start().waitFor().output());
        assertEquals("", base.start().waitFor().text(), "the base is unchanged");
    }
}
