package dev.grapevine.handlers.template;

import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.grapevine.handlers.template.Await.await;
import static dev.grapevine.handlers.template.Members.front;
import static dev.grapevine.handlers.template.Members.member;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The watcher over a membership the test sets, real files and real /bin/sh commands. */
class TemplateWatcherTest {

    private static final Member SELF = member("proxy", 1, MemberStatus.ALIVE, "role", "proxy");
    private static final Duration LONG = Duration.ofSeconds(20);
    /** Short quiet period so tests run fast; bursts in these tests are back-to-back calls. */
    private static final TemplateWait WAIT = new TemplateWait(Duration.ofMillis(300), Duration.ofSeconds(5));

    @TempDir
    Path dir;

    private final List<Member> members = new CopyOnWriteArrayList<>(List.of(SELF, front("web-a", 2, 18080)));
    private final List<TemplateWatcher> watchers = new ArrayList<>();

    @AfterEach
    void close() {
        watchers.forEach(TemplateWatcher::close);
    }

    private TemplateWatcher start(TemplateSpec spec, TemplateWait wait) {
        return start(TemplateWatcher.builder(spec).wait(wait));
    }

    /** A watcher on virtual time: its quiet period and max wait run out only as the test advances {@code clock}. */
    private TemplateWatcher start(TemplateSpec spec, TemplateWait wait, HeldClock clock) {
        return start(TemplateWatcher.builder(spec).wait(wait).clock(clock));
    }

    private TemplateWatcher start(TemplateWatcher.Builder builder) {
        TemplateWatcher w = builder.membership(() -> members, () -> SELF).start();
        watchers.add(w);
        return w;
    }

    private long serversRendered() throws IOException {
        return Files.readAllLines(out()).stream().filter(l -> l.contains("server 127.0.9.")).count();
    }

    private Path out() {
        return dir.resolve("upstream.conf");
    }

    private Path log() {
        return dir.resolve("reloads.log");
    }

    private TemplateSpec nginx() {
        return TemplateSpec.of(TemplateSpec.NGINX_UPSTREAM, out()).withCommand("echo reload >> '" + log() + "'");
    }

    private long reloadsLogged() throws IOException {
        return Files.exists(log()) ? Files.readAllLines(log()).size() : 0;
    }

    private static long templateThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("grapevine-template-") && t.isAlive()).count();
    }

    @Test
    void rendersAndReloadsAtStartThenOnlyWhenTheOutputChanges() throws Exception {
        TemplateWatcher w = start(nginx(), WAIT);
        assertTrue(Files.readString(out()).contains("server 127.0.9.2:18080; # web-a"));
        assertEquals(new TemplateStats(1, 1, 1, 0, 0, 0, 0), w.stats());
        assertEquals(1, reloadsLogged());

        // A change that does not touch the output (another role joins): rendered, nothing written, no reload.
        members.add(member("app-1", 9, MemberStatus.ALIVE, "role", "app", "http.port", "19000"));
        w.changed();
        assertTrue(await(() -> w.stats().renders() == 2, LONG), w::toString);
        Thread.sleep(WAIT.min().toMillis() * 2);
        assertEquals(new TemplateStats(2, 1, 1, 0, 0, 0, 0), w.stats());
        assertEquals(1, reloadsLogged());

        // A real change: written and reloaded once.
        members.add(front("web-b", 3, 18080));
        w.changed();
        assertTrue(await(() -> w.stats().reloads() == 2, LONG), w::toString);
        assertTrue(Files.readString(out()).contains("server 127.0.9.3:18080; # web-b"));
        assertEquals(2, reloadsLogged());
        assertEquals(new TemplateStats(3, 2, 2, 0, 0, 0, 0), w.stats());
    }

    @Test
    void aBurstOfChangesRendersAndReloadsOnce() throws Exception {
        HeldClock clock = HeldClock.held();
        TemplateWait wait = new TemplateWait(Duration.ofSeconds(1), Duration.ofSeconds(30));
        TemplateWatcher w = start(nginx(), wait, clock);
        // 20 changes, each 1 ms short of the quiet period after the one before (virtual time): one burst.
        Duration gap = wait.min().minusMillis(1);
        for (int i = 0; i < 20; i++) {
            members.add(front("web-" + (char) ('c' + i), 10 + i, 18080));
            w.changed();
            clock.advance(gap, w);
        }
        clock.advance(Duration.ofMillis(1), w);
        assertTrue(await(() -> w.stats().reloads() == 2, LONG), w::toString);
        assertEquals(21, serversRendered());

        // A later change is a burst of its own. Had the first burst rendered more than once, the counts would
        // show it here: the watcher acts on changes in order.
        members.add(front("web-z", 40, 18080));
        w.changed();
        clock.advance(wait.min(), w);
        assertTrue(await(() -> w.stats().reloads() == 3, LONG), w::toString);
        assertEquals(new TemplateStats(3, 3, 3, 0, 0, 0, 0), w.stats());
        assertEquals(22, serversRendered());
        assertEquals(3, reloadsLogged());
    }

    @Test
    void changesThatNeverStopStillRenderByTheMaxWait() throws Exception {
        HeldClock clock = HeldClock.held();
        TemplateWait wait = new TemplateWait(Duration.ofSeconds(1), Duration.ofSeconds(2));
        TemplateWatcher w = start(nginx(), wait, clock);
        // A change every 100 ms of virtual time for 8 s: the quiet period never passes, so each burst is cut
        // by the max wait, 2 s after its first change: 4 renders for 80 changes, each with every change so far.
        Duration gap = Duration.ofMillis(100);
        int perBurst = (int) (wait.max().toMillis() / gap.toMillis());
        for (int i = 1; i <= 80; i++) {
            members.add(front("web-" + i, 10 + i, 18080));
            w.changed();
            clock.advance(gap, w);
            if (i % perBurst == 0) {
                long bursts = 1 + i / perBurst;
                assertTrue(await(() -> w.stats().reloads() == bursts, LONG), w::toString);
                assertEquals(1 + i, serversRendered(), "rendered at the max wait with every change so far");
            }
            assertEquals(1 + i / perBurst, w.stats().renders(), () -> "no render before the max wait: " + w);
        }
        assertEquals(new TemplateStats(5, 5, 5, 0, 0, 0, 0), w.stats());
    }

    @Test
    void aFailedCheckPutsThePreviousFileBackAndSkipsTheReload() throws Exception {
        Path flag = dir.resolve("check-fails");
        TemplateWatcher w = start(nginx().withCheckCommand("test ! -e '" + flag + "'"), WAIT);
        String before = Files.readString(out());
        Files.createFile(flag);
        members.add(front("web-b", 3, 18080));
        w.changed();
        assertTrue(await(() -> w.stats().checkFailures() == 1, LONG), w::toString);
        assertEquals(before, Files.readString(out()));
        assertEquals(new TemplateStats(2, 2, 1, 0, 0, 1, 0), w.stats());
        assertEquals(1, reloadsLogged());

        // The check passes again: the next change writes and reloads.
        Files.delete(flag);
        members.add(front("web-c", 4, 18080));
        w.changed();
        assertTrue(await(() -> w.stats().reloads() == 2, LONG), w::toString);
        assertTrue(Files.readString(out()).contains("web-b") && Files.readString(out()).contains("web-c"));
    }

    @Test
    void aFailedReloadIsRetriedAtTheNextChangeEvenWithTheSameOutput() throws Exception {
        Path flag = dir.resolve("reload-fails");
        Files.createFile(flag);
        TemplateWatcher w = start(TemplateSpec.of(TemplateSpec.NGINX_UPSTREAM, out())
                .withCommand("test ! -e '" + flag + "' && echo reload >> '" + log() + "'"), WAIT);
        assertEquals(new TemplateStats(1, 1, 0, 0, 0, 0, 1), w.stats());
        Files.delete(flag);
        w.changed(); // nothing changed in the membership
        assertTrue(await(() -> w.stats().reloads() == 1, LONG), w::toString);
        assertEquals(new TemplateStats(2, 1, 1, 0, 0, 0, 1), w.stats());
        assertEquals(1, reloadsLogged());
    }

    @Test
    void aCommandThatHangsIsKilledAtItsTimeout() throws Exception {
        TemplateWatcher w = start(TemplateSpec.of(TemplateSpec.NGINX_UPSTREAM, out()).withCommand("sleep 600")
                .withCommandTimeout(Duration.ofMillis(500)), WAIT);
        assertEquals(1, w.stats().reloadFailures());
        assertTrue(ProcessHandle.current().descendants().noneMatch(p ->
                p.info().commandLine().orElse("").contains("sleep 600")), "the command was killed");
    }

    @Test
    void aRenderErrorLaterKeepsTheFileAndIsCounted() throws Exception {
        Path template = dir.resolve("zone.tmpl");
        Files.writeString(template, "<#list service(\"front\") as m>${m.tags.zone}\n</#list>");
        members.set(1, member("web-a", 2, MemberStatus.ALIVE, "role", "front", "zone", "eu"));
        TemplateWatcher w = start(TemplateSpec.of(template.toString(), out()), WAIT);
        assertEquals("eu\n", Files.readString(out()));
        members.add(front("web-b", 3, 18080)); // no zone tag: the template fails on it
        w.changed();
        assertTrue(await(() -> w.stats().renderFailures() == 1, LONG), w::toString);
        assertEquals("eu\n", Files.readString(out()));
        assertEquals(1, w.stats().writes());
    }

    @Test
    void aBadTemplateFailsAtStartWithItsLineAndLeavesNoThread() throws Exception {
        Path template = dir.resolve("bad.tmpl");
        Files.writeString(template, "upstream x {\n  server ${m.address;\n}\n");
        long threads = templateThreads();
        TemplateRenderException e = assertThrows(TemplateRenderException.class,
                () -> start(TemplateSpec.of(template.toString(), out()), WAIT));
        assertEquals(2, e.line());
        assertFalse(Files.exists(out()));
        assertEquals(threads, templateThreads());
    }

    @Test
    void anUnwritableDestinationFailsAtStart() throws Exception {
        Path blocker = Files.writeString(dir.resolve("file"), "x");
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> start(TemplateSpec.of(TemplateSpec.NGINX_UPSTREAM, blocker.resolve("out.conf")), WAIT));
        assertTrue(e.getMessage().contains("out.conf"), e.getMessage());
    }

    @Test
    void closeStopsTheThreadAndLaterChangesDoNothing() throws Exception {
        long threads = templateThreads();
        TemplateWatcher w = start(nginx(), WAIT);
        assertEquals(threads + 1, templateThreads());
        w.close();
        assertEquals(threads, templateThreads());
        members.add(front("web-b", 3, 18080));
        w.changed();
        Thread.sleep(WAIT.min().toMillis() * 2);
        assertEquals(1, w.stats().renders());
        w.close();
    }

    @Test
    void needsAMembership() {
        assertThrows(IllegalStateException.class, () -> TemplateWatcher.builder(nginx()).start());
    }
}
