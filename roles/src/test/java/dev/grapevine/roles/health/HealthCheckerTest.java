package dev.grapevine.roles.health;

import com.sun.net.httpserver.HttpServer;
import dev.grapevine.HostPort;
import dev.grapevine.roles.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each kind of check against real local targets on 127.0.6.x, on the checker's own threads (real time). */
class HealthCheckerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration FAST = Duration.ofMillis(100);

    private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();

    @AfterEach
    void closeAll() throws Exception {
        while (!cleanup.isEmpty()) {
            cleanup.pop().close();
        }
    }

    private HealthChecker start(String name, HealthCheck... checks) {
        HealthChecker checker = HealthChecker.builder().name(name).checks(List.of(checks)).start();
        cleanup.push(checker);
        return checker;
    }

    /** Waits until the check's last run matches, and says what it was when it never did. */
    private static CheckSnapshot awaitRun(HealthChecker checker, String check, Predicate<CheckSnapshot> test)
            throws InterruptedException {
        boolean ok = Poll.until(() -> checker.check(check).filter(s -> s.lastRun() != null).filter(test).isPresent(),
                WAIT);
        CheckSnapshot last = checker.check(check).orElseThrow();
        assertTrue(ok, () -> "check " + check + " never matched; last: " + last);
        return last;
    }

    private static Predicate<CheckSnapshot> is(HealthStatus status, String outputPart) {
        return s -> s.status() == status && s.output().contains(outputPart);
    }

    private HttpServer httpServer(String address) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 0);
        cleanup.push(() -> server.stop(0));
        return server;
    }

    @Test
    void httpCheckPassesOn2xxOnly() throws Exception {
        AtomicInteger code = new AtomicInteger(200);
        HttpServer server = httpServer("127.0.6.1");
        server.createContext("/health", exchange -> {
            int c = code.get();
            byte[] body = ("status " + c).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(c, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        URI uri = URI.create("http://127.0.6.1:" + server.getAddress().getPort() + "/health");
        HealthChecker checker = start("http", HealthCheck.http("web", uri).interval(FAST).timeout(Duration.ofSeconds(5)));

        CheckSnapshot s = awaitRun(checker, "web", is(HealthStatus.PASSING, "200 Output: status 200"));
        assertEquals(uri.toString(), s.target());
        assertEquals(HealthStatus.PASSING, checker.status());
        code.set(503);
        awaitRun(checker, "web", is(HealthStatus.CRITICAL, "503 Output: status 503"));
        assertEquals(HealthStatus.CRITICAL, checker.status());
        code.set(404);
        awaitRun(checker, "web", is(HealthStatus.CRITICAL, ": 404"));
        code.set(299);
        awaitRun(checker, "web", is(HealthStatus.PASSING, ": 299"));
        assertEquals(HealthStatus.PASSING, checker.status());
    }

    @Test
    void tcpCheckFollowsTheListener() throws Exception {
        InetAddress host = InetAddress.getByName("127.0.6.2");
        ServerSocket listener = new ServerSocket(0, 50, host);
        int port = listener.getLocalPort();
        cleanup.push(listener);
        HealthChecker checker = start("tcp", HealthCheck.tcp("db", new HostPort("127.0.6.2", port)).interval(FAST));

        awaitRun(checker, "db", is(HealthStatus.PASSING, "success"));
        listener.close();
        CheckSnapshot down = awaitRun(checker, "db", is(HealthStatus.CRITICAL, "127.0.6.2:" + port));
        assertTrue(down.output().toLowerCase().contains("refused"), down.output());
        ServerSocket again = new ServerSocket(port, 50, host);
        cleanup.push(again);
        awaitRun(checker, "db", is(HealthStatus.PASSING, "success"));
    }

    @Test
    void commandCheckFollowsTheExitStatusAndKeepsItsOutputBounded(@TempDir Path dir) throws Exception {
        Path ready = dir.resolve("ready");
        String command = "echo checking; test -f '" + ready + "' || { echo 'not ready' >&2; exit 3; }";
        HealthChecker checker = start("cmd", HealthCheck.command("ready", command).interval(FAST),
                HealthCheck.command("chatty", "head -c 99990 /dev/zero; printf 'xxxxxxxxxx'; exit 1").interval(FAST));

        CheckSnapshot s = awaitRun(checker, "ready", is(HealthStatus.CRITICAL, "exit status 3"));
        assertTrue(s.output().contains("checking") && s.output().contains("not ready"),
                "stdout and stderr are both captured: " + s.output());
        Files.writeString(ready, "");
        s = awaitRun(checker, "ready", is(HealthStatus.PASSING, "exit status 0"));
        assertTrue(s.output().contains("checking"), s.output());

        CheckSnapshot chatty = awaitRun(checker, "chatty", is(HealthStatus.CRITICAL, "exit status 1"));
        assertTrue(chatty.output().length() <= HealthCheck.MAX_OUTPUT, "" + chatty.output().length());
        assertTrue(chatty.output().contains("output cut to the first 4096 of 100000 bytes"), chatty.output());
        assertTrue(chatty.output().contains("Output: ????????"), "control characters are masked: " + chatty.output());
        assertFalse(chatty.output().endsWith("xxxxxxxxxx"), "the tail beyond the limit is not kept");
        assertEquals(HealthStatus.CRITICAL, checker.status(), "one critical check makes the whole node critical");
    }

    @Test
    void commandOutputFilesAreDeletedAfterEachRun() throws Exception {
        // The command names the file its standard output goes to.
        HealthChecker checker = start("files", HealthCheck.command("where", "readlink /proc/$$/fd/1")
                .interval(Duration.ofHours(1)));
        CheckSnapshot s = awaitRun(checker, "where", is(HealthStatus.PASSING, "grapevine-check-"));
        Path file = Path.of(s.output().substring(s.output().indexOf("Output: ") + "Output: ".length()));
        assertTrue(file.getFileName().toString().startsWith("grapevine-check-"), s.output());
        assertTrue(Poll.until(() -> !Files.exists(file), WAIT), file + " still there");
    }

    @Test
    void javaChecksPassOnTrueAndFailOnFalseNullOrThrow() throws Exception {
        AtomicBoolean ok = new AtomicBoolean(true);
        AtomicInteger mode = new AtomicInteger();
        HealthChecker checker = start("java", HealthCheck.predicate("flag", ok::get).interval(FAST),
                HealthCheck.callable("db", () -> switch (mode.get()) {
                    case 0 -> Boolean.TRUE;
                    case 1 -> throw new IllegalStateException("db down");
                    default -> null;
                }).interval(FAST));

        awaitRun(checker, "flag", is(HealthStatus.PASSING, "returned true"));
        awaitRun(checker, "db", is(HealthStatus.PASSING, "returned true"));
        ok.set(false);
        awaitRun(checker, "flag", is(HealthStatus.CRITICAL, "returned false"));
        mode.set(1);
        awaitRun(checker, "db", is(HealthStatus.CRITICAL, "IllegalStateException: db down"));
        mode.set(2);
        awaitRun(checker, "db", is(HealthStatus.CRITICAL, "returned null"));
    }

    @Test
    void hangingRunsTimeOutAndDoNotHoldTheOthers(@TempDir Path dir) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = httpServer("127.0.6.3");
        server.createContext("/", exchange -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        cleanup.push(release::countDown);
        Path pidFile = dir.resolve("pid");
        AtomicInteger fastRuns = new AtomicInteger();
        // The command's timeout also covers starting /bin/sh and writing the pid file, so it is generous; should
        // a run still be killed before writing it, the next run (the interval is just past the timeout) does.
        HealthChecker checker = start("hang",
                HealthCheck.http("hangs", URI.create("http://127.0.6.3:" + server.getAddress().getPort() + "/"))
                        .interval(Duration.ofMillis(500)).timeout(Duration.ofMillis(300))
                        .initial(HealthStatus.PASSING),
                HealthCheck.command("sleeps", "echo $$ > '" + pidFile + ".tmp'; mv '" + pidFile + ".tmp' '"
                                + pidFile + "'; exec sleep 60")
                        .interval(Duration.ofMillis(2500)).timeout(Duration.ofSeconds(2))
                        .initial(HealthStatus.PASSING),
                HealthCheck.predicate("fast", () -> fastRuns.incrementAndGet() > 0).interval(FAST));

        awaitRun(checker, "hangs", is(HealthStatus.CRITICAL, "timed out after 300 ms"));
        awaitRun(checker, "sleeps", is(HealthStatus.CRITICAL, "timed out after 2000 ms"));
        assertTrue(Poll.until(() -> Files.exists(pidFile), WAIT), "the command never wrote its pid");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertTrue(Poll.until(() -> ProcessHandle.of(pid).map(ph -> !ph.isAlive()).orElse(true), WAIT),
                "the timed-out command was killed");
        int before = fastRuns.get();
        assertTrue(Poll.until(() -> fastRuns.get() >= before + 5, WAIT), "the fast check runs on");
        assertEquals(1, release.getCount(), "while the HTTP endpoint still hangs");
        awaitRun(checker, "hangs", s -> s.consecutiveFailures() >= 2 && s.output().contains("timed out"));
        assertEquals(HealthStatus.PASSING, checker.check("fast").orElseThrow().status());
    }

    @Test
    void aRunStillBusyAfterItsTimeoutIsNotStartedAgain() throws Exception {
        Semaphore gate = new Semaphore(0);
        AtomicInteger started = new AtomicInteger();
        HealthChecker checker = start("busy", HealthCheck.predicate("stuck", () -> {
            started.incrementAndGet();
            gate.acquireUninterruptibly(); // ignores the interrupt of the timeout
            gate.release();
            return true;
        }).interval(Duration.ofMillis(150)).timeout(Duration.ofMillis(100)));

        CheckSnapshot s = awaitRun(checker, "stuck", is(HealthStatus.CRITICAL, "still busy"));
        awaitRun(checker, "stuck", x -> x.consecutiveFailures() >= s.consecutiveFailures() + 2);
        assertEquals(1, started.get(), "no second run while the first is stuck");
        gate.release();
        awaitRun(checker, "stuck", is(HealthStatus.PASSING, "returned true"));
        assertTrue(started.get() >= 2);
    }

    @Test
    void closeStopsTheThreadsAndKillsTheProcesses(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("pid");
        HealthChecker checker = HealthChecker.builder().name("closing")
                .check(HealthCheck.command("sleeps", "echo $$ > '" + pidFile + "'; exec sleep 60")
                        .timeout(Duration.ofSeconds(60)))
                .check(HealthCheck.predicate("p", () -> true).interval(FAST)).start();
        assertTrue(Poll.until(() -> Files.exists(pidFile) && pidFile.toFile().length() > 0, WAIT));
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertTrue(Poll.until(() -> threads("grapevine-health-closing").size() >= 2, WAIT),
                "a scheduler thread and workers: " + threads("grapevine-health-"));
        checker.close();
        checker.close();
        assertTrue(Poll.until(() -> threads("grapevine-health-closing").isEmpty(), WAIT),
                () -> "still running: " + threads("grapevine-health-closing"));
        assertTrue(Poll.until(() -> ProcessHandle.of(pid).map(ph -> !ph.isAlive()).orElse(true), WAIT),
                "the running command was killed");
    }

    @Test
    void aCheckerWithoutChecksStartsNoThread() {
        HealthChecker checker = start("inert");
        assertEquals(List.of(), threads("grapevine-health-inert"), "no scheduler thread, no worker");
        assertEquals(HealthStatus.PASSING, checker.status());
        assertEquals(List.of(), checker.checks());
        checker.close();
        checker.close();
        assertEquals(List.of(), threads("grapevine-health-inert"));
    }

    private static List<String> threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).toList();
    }

    @Test
    void badChecksFailFastNamingTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HealthCheck.http("x",
                URI.create("ftp://127.0.6.1/"))).getMessage().contains("not an http or https URL"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HealthCheck.tcp("x",
                new HostPort("127.0.6.1", 0))).getMessage().contains("needs a port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HealthCheck.command("x", " "))
                .getMessage().contains("command"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HealthCheck.predicate("", () -> true))
                .getMessage().contains("name"));
        HealthCheck c = HealthCheck.predicate("x", () -> true);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.interval(Duration.ZERO))
                .getMessage().startsWith("interval"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.timeout(Duration.ofSeconds(-1)))
                .getMessage().startsWith("timeout"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.failuresBeforeCritical(0))
                .getMessage().startsWith("failuresBeforeCritical"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> c.successesBeforePassing(0))
                .getMessage().startsWith("successesBeforePassing"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HealthChecker.builder().check(c).check(c)
                .start()).getMessage().contains("'x' is used twice"));
    }

    @Test
    void snapshotsBeforeTheFirstRunShowTheInitialState() {
        Semaphore never = new Semaphore(0);
        cleanup.push(() -> never.release(2));
        HealthChecker checker = start("initial",
                HealthCheck.predicate("a", () -> never.tryAcquire()).interval(Duration.ofHours(1))
                        .initial(HealthStatus.PASSING),
                HealthCheck.callable("b", () -> {
                    never.acquire();
                    return true;
                }).interval(Duration.ofHours(1)));
        CheckSnapshot b = checker.check("b").orElseThrow();
        assertEquals(HealthStatus.CRITICAL, b.status(), "critical until it passes, as in Consul");
        assertEquals("not run yet", b.output());
        assertNull(b.lastRun());
        assertEquals(HealthStatus.CRITICAL, checker.status());
        assertEquals(List.of("a", "b"), checker.checks().stream().map(CheckSnapshot::name).toList());
        assertEquals(Optional.empty(), checker.check("c"));
        assertFalse(checker.toString().isEmpty());
    }
}
