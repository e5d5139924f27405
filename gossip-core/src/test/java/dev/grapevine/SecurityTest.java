package dev.grapevine;

import dev.grapevine.security.Keyring;
import dev.grapevine.transport.NetworkRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static dev.grapevine.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Encrypted clusters over real UDP and TCP on loopback (127.0.4.N). */
class SecurityTest {

    private static final int PORT = 17960;
    private static final String KEY = Keyring.generateKeyBase64();

    private final NetworkRuntime runtime = NetworkRuntime.create("security-test");
    private final List<GossipNode> nodes = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        nodes.forEach(GossipNode::close);
        runtime.close();
    }

    private GossipNode start(String name, int host, Consumer<GossipNode.Builder> setup) throws IOException {
        GossipNode.Builder b = GossipNode.builder().name(name)
                .bind(new InetSocketAddress("127.0.4." + host, PORT)).config(GossipConfig.local()).runtime(runtime);
        setup.accept(b);
        GossipNode n = b.start();
        nodes.add(n);
        return n;
    }


    @Test
    void clustersWithDifferentNamesAndTheSameKeyNeverMerge() throws Exception {
        GossipNode shop = start("shop1", 1, b -> b.keyring(Keyring.ofBase64(KEY)).cluster("shop"));
        GossipNode bank = start("bank1", 2, b -> b.keyring(Keyring.ofBase64(KEY)).cluster("bank"));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> bank.join("127.0.4.1:" + PORT).get(10, TimeUnit.SECONDS));
        assertInstanceOf(JoinException.class, e.getCause());
        Thread.sleep(2000);
        assertEquals(1, shop.members().size());
        assertEquals(1, bank.members().size());
        assertTrue(shop.stats().dropped(DropReason.DECRYPT_FAILED) > 0, "the seed counted why: " + shop.stats());
    }

    @Test
    void nodeWithAWrongKeyCannotJoinAndTheClusterCountsWhy() throws Exception {
        GossipNode seed = start("seed", 3, b -> b.keyring(Keyring.ofBase64(KEY)));
        GossipNode intruder = start("intruder", 4, b -> b.keyring(Keyring.ofBase64(Keyring.generateKeyBase64())));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> intruder.join("127.0.4.3:" + PORT).get(10, TimeUnit.SECONDS));
        assertInstanceOf(JoinException.class, e.getCause());
        assertTrue(seed.stats().dropped(DropReason.DECRYPT_FAILED) > 0, seed.stats().toString());
        assertEquals(1, seed.members().size(), "nothing of the intruder got in");
    }

    @Test
    void plaintextNodeCannotJoinAnEncryptedCluster() throws Exception {
        GossipNode seed = start("seed", 5, b -> b.keyring(Keyring.ofBase64(KEY)));
        GossipNode plain = start("plain", 6, b -> { });
        assertThrows(ExecutionException.class, () -> plain.join("127.0.4.5:" + PORT).get(10, TimeUnit.SECONDS));
        assertEquals(1, seed.members().size());
    }

    @Test
    void keyRotationAcrossTenNodesLosesNoEventOfAStreamThatKeepsFlowing() throws Exception {
        int n = 10;
        Map<String, Set<String>> received = new ConcurrentHashMap<>();
        Path keyFile = dir.resolve("node0.keys");
        Path serfKeyFile = dir.resolve("keyring.json"); // node1's, in Serf's format
        Files.writeString(serfKeyFile, "[\"" + KEY + "\"]");
        for (int i = 0; i < n; i++) {
            String name = "k" + i;
            received.put(name, ConcurrentHashMap.newKeySet());
            int index = i;
            start(name, 10 + i, b -> {
                b.keyring(Keyring.ofBase64(KEY)).cluster("rotation")
                        .listener(e -> {
                            if (e instanceof ClusterEvent.UserEvent u) {
                                received.get(name).add(new String(u.payload(), StandardCharsets.UTF_8));
                            }
                        });
                if (index == 0) {
                    b.keyringFile(keyFile);
                } else if (index == 1) {
                    b.keyringFile(serfKeyFile);
                }
            });
            if (i > 0) {
                nodes.get(i).join("127.0.4.10:" + PORT).get(10, TimeUnit.SECONDS);
            }
        }
        assertTrue(await(() -> nodes.stream().allMatch(x -> x.liveMembers().size() == n), Duration.ofSeconds(20)));

        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        Thread sender = new Thread(() -> {
            while (sending.get()) {
                int k = sent.get();
                try {
                    nodes.get(k % n).sendEvent("tick", ("e" + k).getBytes(StandardCharsets.UTF_8), false);
                } catch (IllegalStateException closed) {
                    return;
                }
                sent.incrementAndGet();
                try {
                    Thread.sleep(40);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "event-sender");
        sender.start();

        String next = Keyring.generateKeyBase64();
        KeyResult install = nodes.get(3).installKey(next).get(30, TimeUnit.SECONDS);
        assertTrue(install.complete(), install.toString());
        assertEquals(n, install.succeeded().size());
        KeyResult use = nodes.get(5).useKey(next).get(30, TimeUnit.SECONDS);
        assertTrue(use.complete(), use.toString());
        KeyResult remove = nodes.get(7).removeKey(KEY).get(30, TimeUnit.SECONDS);
        assertTrue(remove.complete(), remove.toString());
        KeyResult removePrimary = nodes.get(7).removeKey(next).get(30, TimeUnit.SECONDS);
        assertEquals(n, removePrimary.failed().size(), "the primary cannot be removed: " + removePrimary);

        Thread.sleep(500);
        sending.set(false);
        sender.join();
        assertTrue(sender.isAlive() == false && sent.get() > 20, "the stream kept flowing: " + sent.get());
        int total = sent.get();
        assertTrue(await(() -> received.values().stream().allMatch(s -> s.size() == total), Duration.ofSeconds(30)),
                () -> "every node gets all " + total + " events: " + received.values().stream().map(Set::size).toList());

        KeyListing listing = nodes.get(0).listKeys().get(30, TimeUnit.SECONDS);
        assertTrue(listing.silent().isEmpty(), listing.toString());
        assertEquals(1, listing.installed().size(), listing.toString());
        assertEquals(Map.of(listing.primary().keySet().iterator().next(), n), listing.primary());
        assertEquals(Keyring.ofBase64(next), Keyring.fromFile(keyFile), "node0 persisted its new keyring");
        assertTrue(Files.readString(keyFile).startsWith("#"), "node0's file keeps Grapevine's format");
        assertEquals("[\n  \"" + next + "\"\n]", Files.readString(serfKeyFile),
                "node1's Serf keyring file is written back as Serf writes it");
    }

    @Test
    void plaintextClusterMovesToEncryptionWithoutARestart() throws Exception {
        int n = 4;
        List<String> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < n; i++) {
            start("m" + i, 30 + i, b -> b.keyring(Keyring.ofBase64(KEY)).encryptOutgoing(false).requireIncoming(false)
                    .listener(e -> {
                        if (e instanceof ClusterEvent.MemberFailed f && f.member().name().startsWith("m")) {
                            failed.add(f.member().name());
                        }
                    }));
            if (i > 0) {
                nodes.get(i).join("127.0.4.30:" + PORT).get(10, TimeUnit.SECONDS);
            }
        }
        GossipNode plainOutsider = start("outsider", 40, b -> { });
        plainOutsider.join("127.0.4.30:" + PORT).get(10, TimeUnit.SECONDS);
        assertTrue(await(() -> nodes.stream().allMatch(x -> x.liveMembers().size() == n + 1), Duration.ofSeconds(20)),
                "while migrating, plaintext is still accepted");
        plainOutsider.close();
        nodes.remove(plainOutsider);
        assertTrue(await(() -> nodes.get(0).member("outsider").map(m -> !m.isUp()).orElse(false), Duration.ofSeconds(30)));

        for (GossipNode x : nodes) {
            x.encryptOutgoing(true);   // step 1: everyone seals, still accepting both
        }
        Thread.sleep(2000);
        for (GossipNode x : nodes) {
            x.requireIncoming(true);   // step 2: plaintext refused
        }
        Thread.sleep(3000);
        assertTrue(await(() -> nodes.stream().allMatch(x -> java.util.stream.IntStream.range(0, n).allMatch(i ->
                x.member("m" + i).orElseThrow().status() == MemberStatus.ALIVE)), Duration.ofSeconds(20)),
                "every member alive to every other once encryption is required");
        assertTrue(failed.isEmpty(), "no member was declared failed during the migration: " + failed);
        GossipNode late = start("late-plain", 41, b -> { });
        assertThrows(ExecutionException.class, () -> late.join("127.0.4.30:" + PORT).get(10, TimeUnit.SECONDS));
    }
}
