package dev.grapevine;

import dev.grapevine.transport.NetworkRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.grapevine.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Restarting from a snapshot over real UDP on loopback (127.0.3.N). */
class SnapshotRejoinTest {

    private static final int PORT = 17950;
    private final NetworkRuntime runtime = NetworkRuntime.create("snapshot-test");
    private final List<GossipNode> nodes = new ArrayList<>();
    private final List<String> restartedSaw = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        nodes.forEach(GossipNode::close);
        runtime.close();
    }

    private GossipNode start(String name, int host, Path snapshot, boolean record) throws IOException {
        return start(name, host, snapshot, record, false);
    }

    private GossipNode start(String name, int host, Path snapshot, boolean record, boolean replay)
            throws IOException {
        GossipNode.Builder b = GossipNode.builder().name(name).replayEventsOnJoin(replay)
                .bind(new InetSocketAddress("127.0.3." + host, PORT)).config(GossipConfig.local()).runtime(runtime);
        if (snapshot != null) {
            b.snapshot(snapshot);
        }
        if (record) {
            b.listener(e -> {
                if (e instanceof ClusterEvent.UserEvent u) {
                    restartedSaw.add(new String(u.payload(), StandardCharsets.UTF_8));
                }
            });
        }
        GossipNode n = b.start();
        nodes.add(n);
        return n;
    }


    private static boolean alive(GossipNode observer, String member) {
        return observer.member(member).map(m -> m.status() == MemberStatus.ALIVE).orElse(false);
    }

    @Test
    void restartedNodeRejoinsFromItsSnapshotWithoutJoinAddressAndReplaysNoEvent() throws Exception {
        Path snap = dir.resolve("c.snapshot");
        GossipNode a = start("a", 1, null, false);
        GossipNode b = start("b", 2, null, false);
        GossipNode c = start("c", 3, snap, true);
        b.join("127.0.3.1:" + PORT).get(5, TimeUnit.SECONDS);
        c.join("127.0.3.1:" + PORT).get(5, TimeUnit.SECONDS);
        assertTrue(await(() -> a.liveMembers().size() == 3 && c.liveMembers().size() == 3, Duration.ofSeconds(10)));
        for (int i = 0; i < 3; i++) {
            a.sendEvent("deploy", ("before" + i).getBytes(StandardCharsets.UTF_8), false);
        }
        assertTrue(await(() -> restartedSaw.size() == 3, Duration.ofSeconds(10)), restartedSaw.toString());
        c.close();
        nodes.remove(c);
        restartedSaw.clear();
        // Sent while c is down: a rejoin from the snapshot catches up on it.
        a.sendEvent("deploy", "during".getBytes(StandardCharsets.UTF_8), false);

        // Even asking for a replay of the cluster's recent events, it gets none it already delivered: the
        // snapshot's event clock says which it saw. What it missed while down does arrive.
        GossipNode again = start("c", 3, snap, true, true);
        assertTrue(await(() -> alive(again, "a") && alive(again, "b") && alive(a, "c"), Duration.ofSeconds(15)),
                "rejoined from the snapshot, no join address given");
        a.sendEvent("deploy", "after".getBytes(StandardCharsets.UTF_8), false);
        assertTrue(await(() -> restartedSaw.contains("after"), Duration.ofSeconds(10)));
        Thread.sleep(2000);
        assertEquals(java.util.Set.of("during", "after"), java.util.Set.copyOf(restartedSaw),
                "the missed event arrives, none seen before the restart is delivered again");
        assertEquals(2, restartedSaw.size(), restartedSaw.toString());
    }

    @Test
    void restartWithoutReplayStillCatchesUpOnWhatItMissed() throws Exception {
        Path snap = dir.resolve("f.snapshot");
        GossipNode a = start("a", 8, null, false);
        GossipNode f = start("f", 9, snap, true);
        f.join("127.0.3.8:" + PORT).get(5, TimeUnit.SECONDS);
        assertTrue(await(() -> f.liveMembers().size() == 2, Duration.ofSeconds(10)));
        a.sendEvent("deploy", "before".getBytes(StandardCharsets.UTF_8), false);
        assertTrue(await(() -> restartedSaw.contains("before"), Duration.ofSeconds(10)));
        f.close();
        nodes.remove(f);
        restartedSaw.clear();
        a.sendEvent("deploy", "during".getBytes(StandardCharsets.UTF_8), false);
        Thread.sleep(500);
        start("f", 9, snap, true, false);
        assertTrue(await(() -> restartedSaw.contains("during"), Duration.ofSeconds(15)), restartedSaw.toString());
        Thread.sleep(1000);
        assertEquals(List.of("during"), restartedSaw);
    }

    @Test
    void corruptSnapshotTailIsSurvived() throws Exception {
        Path snap = dir.resolve("d.snapshot");
        GossipNode a = start("a", 4, null, false);
        GossipNode d = start("d", 5, snap, false);
        d.join("127.0.3.4:" + PORT).get(5, TimeUnit.SECONDS);
        assertTrue(await(() -> d.liveMembers().size() == 2, Duration.ofSeconds(10)));
        Thread.sleep(1000);
        d.close();
        nodes.remove(d);
        Files.write(snap, new byte[]{'a', 'l', 'i', 'v', 'e', ' ', 'x', ' ', (byte) 0xff, 0, 17, '*'},
                StandardOpenOption.APPEND);
        GossipNode again = start("d", 5, snap, false);
        assertTrue(await(() -> alive(again, "a") && alive(a, "d"), Duration.ofSeconds(15)),
                "started with what was readable and rejoined");
    }

    @Test
    void nodeThatLeftDoesNotRejoinFromItsSnapshot() throws Exception {
        Path snap = dir.resolve("e.snapshot");
        GossipNode a = start("a", 6, null, false);
        GossipNode e = start("e", 7, snap, false);
        e.join("127.0.3.6:" + PORT).get(5, TimeUnit.SECONDS);
        assertTrue(await(() -> e.liveMembers().size() == 2, Duration.ofSeconds(10)));
        e.leave().get(10, TimeUnit.SECONDS);
        e.close();
        nodes.remove(e);
        assertTrue(await(() -> a.member("e").map(m -> m.status() == MemberStatus.LEFT).orElse(false),
                Duration.ofSeconds(10)));
        GossipNode again = start("e", 7, snap, false);
        Thread.sleep(3000);
        assertEquals(1, again.members().size(), "a node that left stays out unless asked to rejoin");
    }
}
