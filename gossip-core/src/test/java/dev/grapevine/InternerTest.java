package dev.grapevine;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InternerTest {

    private static InetSocketAddress address(int last, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByAddress(new byte[]{127, 0, 13, (byte) last}), port);
    }

    @Test
    void equalValuesComeBackAsTheFirstInstance() throws Exception {
        Interner in = new Interner();
        String first = new String("node-1");
        String second = new String("node-1");
        assertNotSame(first, second);
        assertSame(first, in.string(first));
        assertSame(first, in.string(second));
        assertSame(in.string("other"), in.string(new String("other")));

        InetSocketAddress a = address(7, 7946);
        assertSame(a, in.address(a));
        assertSame(a, in.address(address(7, 7946)));
        InetSocketAddress otherPort = address(7, 7947);
        assertSame(otherPort, in.address(otherPort), "another port is another address");
    }

    @Test
    void tagMapsAreCanonicalImmutableCopiesThatMemberDoesNotCopyAgain() {
        Interner in = new Interner();
        Map<String, String> decoded = new LinkedHashMap<>();
        decoded.put(new String("role"), new String("app"));
        decoded.put(new String("app.port"), new String("8080"));
        Map<String, String> canonical = in.tags(decoded);
        assertEquals(decoded, canonical);
        assertThrows(UnsupportedOperationException.class, () -> canonical.put("x", "y"));
        decoded.put("later", "change");
        assertEquals(2, canonical.size(), "a copy, not a view of the caller's map");
        decoded.remove("later");

        // Same content in another order, another map type: the same instance.
        Map<String, String> reordered = new LinkedHashMap<>();
        reordered.put(new String("app.port"), new String("8080"));
        reordered.put(new String("role"), new String("app"));
        assertSame(canonical, in.tags(reordered));
        assertSame(canonical, in.tags(Map.copyOf(decoded)));
        // Keys and values are canonical strings as well.
        assertSame(in.string("role"), canonical.keySet().stream().filter("role"::equals).findFirst().orElseThrow());
        assertSame(in.string("8080"), canonical.get("app.port"));
        // Member copies its tags with Map.copyOf, which keeps a canonical map as it is.
        Member m = new Member("n", new InetSocketAddress(InetAddress.getLoopbackAddress(), 1), canonical,
                MemberStatus.ALIVE, 1);
        assertSame(canonical, m.tags());
        assertSame(Map.of(), in.tags(new LinkedHashMap<>()));
        assertTrue(in.tags(Map.of("role", "db")) != canonical);
    }

    @Test
    void equalMemberSnapshotsAreOneInstanceAndAnyDifferenceIsAnother() throws Exception {
        Interner in = new Interner();
        String name = in.string("n1");
        InetSocketAddress at = in.address(address(1, 7946));
        Map<String, String> tags = in.tags(Map.of("role", "app"));
        Member first = new Member(name, at, tags, MemberStatus.ALIVE, 1);
        assertSame(first, in.member(first));
        assertSame(first, in.member(new Member(name, at, tags, MemberStatus.ALIVE, 1)));
        List<Member> others = List.of(new Member(name, at, tags, MemberStatus.SUSPECT, 1),
                new Member(name, at, tags, MemberStatus.ALIVE, 2),
                new Member(name, in.address(address(1, 7947)), tags, MemberStatus.ALIVE, 1),
                new Member(name, at, in.tags(Map.of("role", "db")), MemberStatus.ALIVE, 1),
                new Member(in.string("n2"), at, tags, MemberStatus.ALIVE, 1));
        for (Member other : others) {
            Member canonical = in.member(other);
            assertSame(other, canonical, "a member differing in one field is not merged: " + other);
            assertNotSame(first, canonical);
        }
    }

    @Test
    void byteStringsAreSharedByContentAndForgottenWhenUnused() throws Exception {
        Interner in = new Interner();
        byte[] first = {1, 2, 3, 4};
        assertSame(first, in.bytes(first));
        assertSame(first, in.bytes(new byte[]{1, 2, 3, 4}));
        // Same Arrays.hashCode, different contents: both kept, neither confused with the other.
        byte[] a = {0, 31};
        byte[] b = {1, 0};
        assertEquals(java.util.Arrays.hashCode(a), java.util.Arrays.hashCode(b));
        assertSame(a, in.bytes(a));
        assertSame(b, in.bytes(b));
        assertSame(a, in.bytes(new byte[]{0, 31}));
        assertSame(b, in.bytes(new byte[]{1, 0}));
        byte[] empty = in.bytes(new byte[0]);
        assertSame(empty, in.bytes(new byte[0]));

        // Many more than the initial table: the table grows and keeps every entry findable.
        List<byte[]> held = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            held.add(in.bytes(new byte[]{(byte) i, (byte) (i >> 8), 7}));
        }
        for (int i = 0; i < 5000; i++) {
            assertSame(held.get(i), in.bytes(new byte[]{(byte) i, (byte) (i >> 8), 7}), "entry " + i);
        }
        int before = in.size();
        held.subList(0, 4000).clear();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (in.size() > before - 4000 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(before - 4000, in.size(), "weakly held: unused byte strings leave");
        for (int i = 4000; i < 5000; i++) {
            assertSame(held.get(i - 4000), in.bytes(new byte[]{(byte) i, (byte) (i >> 8), 7}), "entry " + i);
        }
        // (Also keeps the first ones reachable up to here.)
        for (byte[] kept : List.of(first, a, b, empty)) {
            assertSame(kept, in.bytes(kept.clone()));
        }
    }

    @Test
    void valuesNoNodeHoldsAreReleased() throws Exception {
        Interner in = new Interner();
        List<Object> held = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            held.add(in.string("member-" + i));
            held.add(in.address(address(i, 7946)));
            held.add(in.tags(Map.of("role", "r" + i)));
        }
        // 100 names, 100 addresses, 100 maps; their 100 role values and the one key.
        assertEquals(100 + 100 + 100 + 100 + 1, in.size());
        held.subList(0, 150).clear();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (in.size() > 50 + 50 + 50 + 50 + 1 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        // Left: the 50 of each kind still held, the role values of the 50 maps still held, and the key.
        assertEquals(50 + 50 + 50 + 50 + 1, in.size(), "weakly held: forgotten once nothing refers to them");
        for (int i = 50; i < 100; i++) {
            assertSame(held.get(3 * i - 150), in.string("member-" + i), "what is still held stays canonical");
        }

        // Member snapshots likewise: one kept, one dropped.
        Member kept = in.member(new Member("member-99", address(99, 7946), Map.of(), MemberStatus.ALIVE, 1));
        in.member(new Member("member-99", address(99, 7946), Map.of(), MemberStatus.FAILED, 1));
        int withBoth = in.size();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (in.size() > withBoth - 1 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(withBoth - 1, in.size(), "a snapshot no node publishes any more leaves");
        assertSame(kept, in.member(new Member("member-99", address(99, 7946), Map.of(), MemberStatus.ALIVE, 1)));
    }

    @Test
    void concurrentCallersAgreeOnOneInstance() throws Exception {
        Interner in = new Interner();
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> new Thread(r, "interner-test"));
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<Object>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    go.await();
                    List<Object> got = new ArrayList<>();
                    for (int i = 0; i < 2000; i++) {
                        got.add(in.string(new String("n" + i)));
                        got.add(in.address(address(i % 250, 7000 + i / 250)));
                        got.add(in.tags(Map.of("role", "r" + (i % 10))));
                    }
                    return got;
                }));
            }
            go.countDown();
            List<Object> reference = results.get(0).get(60, TimeUnit.SECONDS);
            for (Future<List<Object>> f : results) {
                List<Object> got = f.get(60, TimeUnit.SECONDS);
                for (int i = 0; i < got.size(); i++) {
                    assertSame(reference.get(i), got.get(i), "element " + i);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
