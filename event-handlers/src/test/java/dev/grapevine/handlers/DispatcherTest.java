package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static dev.grapevine.handlers.Dump.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dispatcher's guarantees, with events handed to it directly (a lone real node on 127.0.8.1 supplies
 * the self name, tags and limits): per-handler order under a burst, batching, bounded queues that drop the
 * oldest, timeouts that kill the process tree, failure isolation, Java handlers and their discovery, close.
 */
class DispatcherTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static GossipNode node;

    private final List<EventDispatcher> dispatchers = new ArrayList<>();

    @TempDir
    Path dir;

    @BeforeAll
    static void startNode() throws IOException {
        node = GossipNode.builder().name("solo").bind("127.0.8.1:0").tag("role", "app").config(GossipConfig.local())
                .start();
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    @AfterEach
    void closeDispatchers() {
        dispatchers.forEach(EventDispatcher::close);
    }

    private EventDispatcher attach(EventDispatcher.Builder b) {
        EventDispatcher d = b.build();
        dispatchers.add(d);
        return d.attach(node);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> numbers(long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(Long::toString).toList();
    }

    @Test
    void aBurstRunsInOrderOnEachHandlerAndHandlersRunSideBySide() throws Exception {
        Path out = dir.resolve("ltimes");
        List<String> javaSeen = new CopyOnWriteArrayList<>();
        EventDispatcher d = attach(EventDispatcher.builder()
                .script("user=echo $SERF_USER_LTIME >> " + out)
                .handler("user", e -> javaSeen.add(Long.toString(((ClusterEvent.UserEvent) e).ltime()))));
        for (long i = 1; i <= 200; i++) {
            d.onEvent(Events.user("burst", "", i));
        }
        // A run counts once it is over, just after its output is written: wait for the counters.
        assertTrue(await(() -> d.stats().stream().allMatch(s -> s.invocations() == 200), WAIT), () -> "" + d.stats());
        assertEquals(numbers(1, 200), lines(out));
        assertEquals(numbers(1, 200), javaSeen);
        for (HandlerStats s : d.stats()) {
            assertEquals(200, s.invocations(), s::toString);
            assertEquals(0, s.dropped() + s.failures() + s.timeouts(), s::toString);
        }
    }

    @Test
    void memberEventsOfOneTypeWaitingTogetherRunAsOneBatchInOrder() throws Exception {
        Path go = dir.resolve("go");
        // Every run first waits for the go file, so that the events queue up behind the first one.
        Dump dump = Dump.create(dir, "while [ ! -f " + go + " ]; do sleep 0.05; done");
        EventDispatcher d = attach(EventDispatcher.builder().script("member-join,member-leave=" + dump.script())
                .maxBatch(3));
        List<String> sent = List.of("+a", "+b", "+c", "+d", "+e", "-f", "+g");
        for (String e : sent) {
            d.onEvent(e.startsWith("+") ? Events.joined(e.substring(1)) : Events.left(e.substring(1)));
        }
        Files.createFile(go);
        assertTrue(await(() -> d.stats().get(0).events() == 7, WAIT), () -> d.stats() + " " + dump.runs());
        List<String> runs = dump.runs().stream().map(r -> r.event() + " " + r.stdin().lines()
                .map(l -> l.substring(0, l.indexOf('\t'))).collect(Collectors.joining(","))).toList();
        // However many the first run took, all follow in order, at most 3 per run, one type per run.
        List<String> flat = new ArrayList<>();
        for (String r : runs) {
            String[] parts = r.split(" ");
            String[] names = parts[1].split(",");
            assertTrue(names.length <= 3, r);
            for (String n : names) {
                flat.add((parts[0].equals("member-join") ? "+" : "-") + n);
            }
        }
        assertEquals(sent, flat, runs::toString);
        assertTrue(runs.size() <= 5, "the joins waiting together were batched: " + runs);
        assertEquals(runs.size(), d.stats().get(0).invocations());
        assertEquals(7, d.stats().get(0).events());
    }

    @Test
    void aFullQueueDropsTheOldestWithoutBlockingTheListener() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Long> handled = new CopyOnWriteArrayList<>();
        EventDispatcher d = attach(EventDispatcher.builder().queueCapacity(2).handler(e -> {
            long t = ((ClusterEvent.UserEvent) e).ltime();
            if (t == 1) {
                entered.countDown();
                release.await();
            }
            handled.add(t);
        }));
        d.onEvent(Events.user("x", "", 1));
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (long i = 2; i <= 6; i++) {
                d.onEvent(Events.user("x", "", i));
            }
        }, "the listener thread never waits for a handler");
        assertEquals(3, d.stats().get(0).dropped());
        assertEquals(2, d.stats().get(0).queued());
        release.countDown();
        assertTrue(await(() -> handled.size() == 3, WAIT));
        assertEquals(List.of(1L, 5L, 6L), handled, "the newest two waited; 2, 3 and 4 were dropped");
    }

    @Test
    void aHangingScriptIsKilledWithItsChildrenAndLaterEventsStillRun() throws Exception {
        Path pids = dir.resolve("pids");
        Path done = dir.resolve("done");
        Path script = dir.resolve("hang.sh");
        Files.writeString(script, String.join("\n", "#!/bin/bash",
                "if [ \"$SERF_USER_EVENT\" = hang ]; then",
                "  sleep 600 & echo $! >> " + pids,
                "  bash -c 'sleep 600' & echo $! >> " + pids,
                "  wait",
                "fi",
                "echo \"$SERF_USER_EVENT\" >> " + done, ""));
        assertTrue(script.toFile().setExecutable(true));
        EventDispatcher d = attach(EventDispatcher.builder().script("user=" + script)
                .timeout(Duration.ofSeconds(5)));
        d.onEvent(Events.user("hang", "", 1));
        d.onEvent(Events.user("after", "", 2));
        assertTrue(await(() -> lines(done).equals(List.of("after")), WAIT), () -> lines(done) + " " + d.stats());
        HandlerStats s = d.stats().get(0);
        assertEquals(1, s.timeouts(), s::toString);
        assertEquals(0, s.failures(), s::toString);
        List<String> children = lines(pids);
        assertEquals(2, children.size());
        for (String pid : children) {
            assertTrue(await(() -> ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)
                    == false, WAIT), "process " + pid + " was killed with the script");
        }
    }

    @Test
    void aFailingScriptIsCountedAndStopsNeitherItselfNorOthers() throws Exception {
        Path out = dir.resolve("out");
        EventDispatcher d = attach(EventDispatcher.builder()
                .script("user=echo boom; exit 3")
                .script("user=echo $SERF_USER_LTIME >> " + out)
                .script("user=/no/such/command"));
        for (long i = 1; i <= 3; i++) {
            d.onEvent(Events.user("x", "", i));
        }
        assertTrue(await(() -> d.stats().stream().allMatch(s -> s.invocations() == 3), WAIT), () -> "" + d.stats());
        assertEquals(numbers(1, 3), lines(out));
        assertEquals(List.of(3L, 0L, 3L), d.stats().stream().map(HandlerStats::failures).toList());
    }

    @Test
    void javaHandlersGetTheSameIsolationAndTimeout() throws Exception {
        List<Long> handled = new CopyOnWriteArrayList<>();
        List<Long> interrupted = new CopyOnWriteArrayList<>();
        EventDispatcher d = attach(EventDispatcher.builder().timeout(Duration.ofSeconds(1)).handler(e -> {
            long t = ((ClusterEvent.UserEvent) e).ltime();
            if (t == 1) {
                throw new IllegalStateException("handler bug");
            }
            if (t == 2) {
                try {
                    Thread.sleep(600_000);
                } catch (InterruptedException x) {
                    interrupted.add(t);
                    throw x;
                }
            }
            handled.add(t);
        }));
        for (long i = 1; i <= 3; i++) {
            d.onEvent(Events.user("x", "", i));
        }
        assertTrue(await(() -> d.stats().get(0).invocations() == 3, WAIT), () -> handled + " " + d.stats());
        assertEquals(List.of(3L), handled);
        assertEquals(List.of(2L), interrupted);
        HandlerStats s = d.stats().get(0);
        assertEquals(1, s.failures(), s::toString);
        assertEquals(1, s.timeouts(), s::toString);
        assertEquals(3, s.invocations(), s::toString);
    }

    @Test
    void javaHandlersUseSerfFiltersAndSeeTheirNode() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        List<String> attachedTo = new CopyOnWriteArrayList<>();
        EventDispatcher d = attach(EventDispatcher.builder().handler(new EventHandler() {
            @Override
            public void handle(ClusterEvent event) {
                seen.add(EventType.of(event) + (event instanceof ClusterEvent.UserEvent u ? ":" + u.name() : ""));
            }

            @Override
            public String events() {
                return "member-leave,user:deploy";
            }

            @Override
            public void attached(GossipNode n) {
                attachedTo.add(n.name());
            }
        }));
        for (ClusterEvent e : List.of(Events.joined("a"), Events.user("other", "", 1), Events.left("a"),
                Events.user("deploy", "", 2), Events.query("deploy", "", 3))) {
            d.onEvent(e);
        }
        assertTrue(await(() -> seen.size() == 2, WAIT), seen::toString);
        assertEquals(List.of("member-leave", "user:deploy"), seen);
        assertEquals(List.of("solo"), attachedTo);
    }

    @Test
    void serviceLoaderFindsHandlersAndTheDispatcherClosesThem() throws Exception {
        DiscoveredHandler.reset();
        EventDispatcher d = attach(EventDispatcher.builder().discover());
        d.onEvent(Events.user("other", "", 1));
        d.onEvent(Events.user("discovered", "", 2));
        assertTrue(await(() -> DiscoveredHandler.SEEN.size() == 1, WAIT), DiscoveredHandler.SEEN::toString);
        assertEquals(List.of(2L), DiscoveredHandler.SEEN);
        d.close();
        assertTrue(DiscoveredHandler.CLOSED.get());
    }

    @Test
    void eventsBeforeAttachWaitAndRunInOrder() throws Exception {
        List<Long> handled = new CopyOnWriteArrayList<>();
        EventDispatcher d = EventDispatcher.builder().handler(e -> handled.add(((ClusterEvent.UserEvent) e).ltime()))
                .build();
        dispatchers.add(d);
        for (long i = 1; i <= 3; i++) {
            d.onEvent(Events.user("x", "", i));
        }
        assertEquals(3, d.stats().get(0).queued());
        assertTrue(handled.isEmpty());
        d.attach(node);
        assertTrue(await(() -> handled.size() == 3, WAIT));
        assertEquals(List.of(1L, 2L, 3L), handled);
        assertThrows(IllegalStateException.class, () -> d.attach(node));
    }

    @Test
    void closeKillsRunningScriptsAndStopsEveryThread() throws Exception {
        Path pid = dir.resolve("pid");
        EventDispatcher d = attach(EventDispatcher.builder()
                .script("user=sleep 600 & echo $! > " + pid + "; wait")
                .handler(e -> Thread.sleep(600_000)));
        d.onEvent(Events.user("x", "", 1));
        assertTrue(await(() -> lines(pid).size() == 1, WAIT));
        long sleeper = Long.parseLong(lines(pid).get(0));
        d.close();
        assertFalse(d.running());
        assertTrue(await(() -> ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false) == false, WAIT));
        assertTrue(Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .noneMatch(t -> t.getName().startsWith("grapevine-handler")), "no handler or watchdog thread left");
        d.onEvent(Events.user("x", "", 2)); // ignored
        assertEquals(0, d.stats().get(0).queued());
    }

    @Test
    void badSettingsFailNamingTheField() {
        EventDispatcher.Builder b = EventDispatcher.builder();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.timeout(Duration.ZERO)).getMessage()
                .startsWith("timeout"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.slowWarning(Duration.ofSeconds(-1)))
                .getMessage().startsWith("slowWarning"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.queueCapacity(0)).getMessage()
                .startsWith("queueCapacity"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.maxBatch(0)).getMessage()
                .startsWith("maxBatch"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.handler("member-joined", x -> { }));
        assertTrue(e.getMessage().contains("'member-joined'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ScriptHandlers.install(node, List.of("user=ok.sh", "users=bad.sh")));
        assertTrue(e.getMessage().contains("'users=bad.sh'"), e.getMessage());
        assertEquals(2, ScriptHandlers.parse(List.of("a.sh", "user=b.sh")).size());
        e = assertThrows(IllegalArgumentException.class, () -> ScriptHandlers.parse(List.of("a.sh", "usr=b.sh")));
        assertTrue(e.getMessage().contains("'usr=b.sh'"), e.getMessage());
    }
}
