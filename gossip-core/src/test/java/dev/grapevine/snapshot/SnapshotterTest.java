package dev.grapevine.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.grapevine.snapshot.Snapshotter.Recovered;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotterTest {

    private static final long BIG = 1 << 20;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("snapshot");
    }

    static InetSocketAddress addr(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private Recovered reopen() throws IOException {
        try (Snapshotter s = Snapshotter.open(file(), BIG)) {
            return s.recovered();
        }
    }

    private static String lineWithCrc(String record) {
        CRC32 crc = new CRC32();
        crc.update(record.getBytes(StandardCharsets.US_ASCII));
        return record + " *" + String.format("%08x", crc.getValue()) + "\n";
    }

    @Test
    void freshFileRecoversEmptyState() throws IOException {
        try (Snapshotter s = Snapshotter.open(file(), BIG)) {
            assertEquals(new Recovered(Map.of(), 0, 0, 0, false, List.of()), s.recovered());
        }
        assertTrue(Files.exists(file()));
    }

    @Test
    void roundTripWithAwkwardNamesAndIpv6() throws IOException {
        Map<String, InetSocketAddress> expected = new LinkedHashMap<>();
        expected.put("node 1", addr("127.0.0.1", 7946));
        expected.put("100% sure", addr("10.0.0.2", 1));
        expected.put("ünïcødé-節点-😀", addr("::1", 7946));
        expected.put("tab\tnew\nline\r\u0000", addr("fe80::1:2:3:4", 65535));
        expected.put("star *deadbeef", addr("2001:db8::7", 0));
        expected.put("%41", addr("192.168.1.254", 8080));
        try (Snapshotter s = Snapshotter.open(file(), BIG)) {
            expected.forEach(s::aliveMember);
            s.aliveMember("gone", addr("10.0.0.9", 7946));
            s.aliveMember("moved", addr("10.0.0.10", 7946));
            s.aliveMember("moved", addr("10.0.0.11", 7947));
            s.notAliveMember("gone");
            s.clocks(5, 7, 9);
            s.clocks(12, 3, 9); // event clock going back is ignored
        }
        expected.put("moved", addr("10.0.0.11", 7947));
        Recovered r = reopen();
        assertEquals(expected, r.aliveMembers());
        assertEquals(12, r.memberClock());
        assertEquals(7, r.eventClock());
        assertEquals(9, r.queryClock());
        assertFalse(r.left());
        assertEquals(List.of(), r.problems());

        // The file is human-readable ASCII with no raw space, '%' or non-ASCII inside a name.
        String text = Files.readString(file(), StandardCharsets.US_ASCII);
        assertTrue(text.contains("alive node%201 127.0.0.1:7946 *15e6e226\n"), text); // the javadoc example
        assertTrue(text.contains("alive 100%25%20sure 10.0.0.2:1 *"), text);
        assertTrue(text.chars().allMatch(c -> c == '\n' || (c >= ' ' && c < 0x7F)), text);
    }

    @Test
    void lineFormatIsTheDocumentedOne() throws IOException {
        try (Snapshotter s = Snapshotter.open(file(), BIG)) {
            s.aliveMember("node1", addr("127.0.0.1", 7946));
            s.aliveMember("v6", addr("::1", 7946));
            s.notAliveMember("v6");
            s.clocks(1, 2, 3);
            s.leave();
        }
        String expected = lineWithCrc("alive node1 127.0.0.1:7946")
                + lineWithCrc("alive v6 [0:0:0:0:0:0:0:1]:7946")
                + lineWithCrc("not-alive v6")
                + lineWithCrc("clock 1")
                + lineWithCrc("event-clock 2")
                + lineWithCrc("query-clock 3")
                + lineWithCrc("leave");
        assertEquals(expected, Files.readString(file(), StandardCharsets.US_ASCII));
    }

    @Test
    void handWrittenFileWithScopedIpv6IsRead() throws IOException {
        Files.writeString(file(), lineWithCrc("alive a [fe80::1%251]:7946") + lineWithCrc("clock 4"));
        Recovered r = reopen();
        assertEquals(List.of(), r.problems());
        assertEquals(addr("fe80::1", 7946), r.aliveMembers().get("a"));
        assertEquals(4, r.memberClock());
    }

    @Test
    void leaveClearsMembersAndALaterAliveRejoins() throws IOException {
        try (Snapshotter s = Snapshotter.open(file(), BIG)) {
            s.aliveMember("a", addr("10.0.0.1", 1));
            s.aliveMember("b", addr("10.0.0.2", 2));
            s.clocks(3, 4, 5);
            s.leave();
        }
        Recovered r = reopen();
        assertTrue(r.left());
        assertEquals(Map.of(), r.aliveMembers());
        assertEquals(3, r.memberClock()); // clocks survive a leave: events already seen stay seen

        try (Snapshotter s = Snapshotter.open(file(), BIG)) {
            s.aliveMember("c", addr("10.0.0.3", 3));
        }
        r = reopen();
        assertFalse(r.left());
        assertEquals(Map.of("c", addr("10.0.0.3", 3)), r.aliveMembers());
    }

    @Test
    void recordsStayInMemoryUntilFlush() throws IOException {
        try (Snapshotter s = Snapshotter.open(file(), BIG)) {
            s.aliveMember("a", addr("10.0.0.1", 1));
            s.clocks(1, 1, 1);
            assertEquals(0, Files.size(file()));
            s.flush();
            long size = Files.size(file());
            assertTrue(size > 0);
            // Nothing changed: nothing written.
            s.aliveMember("a", addr("10.0.0.1", 1));
            s.clocks(1, 1, 1);
            s.notAliveMember("never-seen");
            s.flush();
            assertEquals(size, Files.size(file()));
        }
    }

    @Test
    void tornLastLineIsSkippedCutAndAppendsStartOnAFreshLine() throws IOException {
        try (Snapshotter s = Snapshotter.open(file(), BIG)) {
            s.aliveMember("a", addr("10.0.0.1", 1));
            s.aliveMember("b", addr("10.0.0.2", 2));
            s.clocks(7, 0, 0);
        }
        byte[] bytes = Files.readAllBytes(file());
        Files.write(file(), Arrays.copyOf(bytes, bytes.length - 5)); // mid "clock 7 *xxxxxxxx"

        try (Snapshotter s = Snapshotter.open(file(), BIG)) {
            Recovered r = s.recovered();
            assertEquals(Map.of("a", addr("10.0.0.1", 1), "b", addr("10.0.0.2", 2)), r.aliveMembers());
            assertEquals(0, r.memberClock());
            assertEquals(1, r.problems().size(), r.problems().toString());
            assertTrue(r.problems().get(0).startsWith("line 3: torn"), r.problems().toString());
            s.aliveMember("c", addr("10.0.0.3", 3));
            s.clocks(8, 0, 0);
        }
        String text = Files.readString(file());
        assertTrue(text.endsWith("\n"));
        assertEquals(4, text.lines().count(), text);

        Recovered r = reopen();
        assertEquals(List.of(), r.problems());
        assertEquals(3, r.aliveMembers().size());
        assertEquals(addr("10.0.0.3", 3), r.aliveMembers().get("c"));
        assertEquals(8, r.memberClock());
    }

    @Test
    void corruptedMiddleLineIsSkippedWithItsLineNumber() throws IOException {
        try (Snapshotter s = Snapshotter.open(file(), BIG)) {
            s.aliveMember("a", addr("10.0.0.1", 1));
            s.aliveMember("b", addr("10.0.0.2", 2));
            s.aliveMember("c", addr("10.0.0.3", 3));
            s.clocks(1, 2, 3);
        }
        byte[] bytes = Files.readAllBytes(file());
        int secondLine = new String(bytes, StandardCharsets.US_ASCII).indexOf('\n') + 1;
        bytes[secondLine + 6] ^= 0x01; // "alive b" -> "alive c": still parses, only the checksum can tell
        Files.write(file(), bytes);

        Recovered r = reopen();
        assertEquals(Map.of("a", addr("10.0.0.1", 1), "c", addr("10.0.0.3", 3)), r.aliveMembers());
        assertEquals(3, r.queryClock());
        assertEquals(1, r.problems().size());
        assertTrue(r.problems().get(0).startsWith("line 2: checksum mismatch"), r.problems().get(0));
    }

    @Test
    void unparseableLinesWithGoodChecksumsAreSkipped() throws IOException {
        Files.writeString(file(), lineWithCrc("alive a 10.0.0.1:7946")
                + lineWithCrc("alive b 10.0.0.300:1")
                + lineWithCrc("alive c example.com:1")
                + lineWithCrc("alive d [zz::1]:1")
                + lineWithCrc("alive e 10.0.0.1:65536")
                + lineWithCrc("alive %ZZ 10.0.0.1:1")
                + lineWithCrc("alive %FF 10.0.0.1:1")
                + lineWithCrc("alive  10.0.0.1:1")
                + lineWithCrc("clock -1")
                + lineWithCrc("clock +1")
                + lineWithCrc("clock 99999999999999999999")
                + lineWithCrc("leave now")
                + lineWithCrc("vote a")
                + "\n"
                + "alive f 10.0.0.6:1\n"
                + lineWithCrc("event-clock 6"));
        Recovered r = reopen();
        assertEquals(Map.of("a", addr("10.0.0.1", 7946)), r.aliveMembers());
        assertEquals(6, r.eventClock());
        assertEquals(14, r.problems().size(), String.join("\n", r.problems()));
        for (int i = 0; i < 14; i++) {
            assertTrue(r.problems().get(i).startsWith("line " + (i + 2) + ":"), r.problems().get(i));
        }
    }

    @Test
    void garbageFileRecoversEmptyStateAndStaysUsable() throws IOException {
        byte[] garbage = new byte[20_000];
        new Random(42).nextBytes(garbage);
        Files.write(file(), garbage);
        try (Snapshotter s = Snapshotter.open(file(), BIG)) {
            Recovered r = s.recovered();
            assertEquals(Map.of(), r.aliveMembers());
            assertEquals(0, r.memberClock() + r.eventClock() + r.queryClock());
            assertFalse(r.left());
            assertFalse(r.problems().isEmpty());
            assertTrue(r.problems().stream().allMatch(p -> p.length() < 400), "excerpts are bounded");
            s.aliveMember("a", addr("10.0.0.1", 1));
        }
        Recovered r = reopen();
        assertEquals(Map.of("a", addr("10.0.0.1", 1)), r.aliveMembers());
    }

    @Test
    void overlongGarbageLineIsReportedOnce() throws IOException {
        byte[] junk = new byte[200_000];
        Arrays.fill(junk, (byte) 'x');
        Files.write(file(), junk);
        Files.writeString(file(), "\n" + lineWithCrc("clock 3"), StandardOpenOption.APPEND);
        Recovered r = reopen();
        assertEquals(3, r.memberClock());
        assertEquals(1, r.problems().size());
        assertTrue(r.problems().get(0).startsWith("line 1: line longer than"), r.problems().get(0));
    }

    @Test
    void compactionKeepsTheFileBoundedAndTheStateIntact() throws IOException {
        long threshold = 2048;
        Map<String, InetSocketAddress> model = new LinkedHashMap<>();
        int compactions = 0;
        long lastSize = 0;
        try (Snapshotter s = Snapshotter.open(file(), threshold)) {
            for (int i = 0; i < 1_000; i++) {
                String name = "member " + (i % 5);
                if (i % 3 == 0) {
                    s.notAliveMember(name);
                    model.remove(name);
                } else {
                    InetSocketAddress a = addr("10.0.0." + (i % 7), 7000 + i % 11);
                    s.aliveMember(name, a);
                    model.put(name, a);
                }
                s.clocks(i, i / 2, i / 3);
                if (i % 4 == 0) {
                    s.flush();
                    long size = Files.size(file());
                    assertTrue(size <= threshold, "size " + size);
                    compactions += size < lastSize ? 1 : 0;
                    lastSize = size;
                }
            }
        }
        assertTrue(compactions >= 5, "compactions: " + compactions);
        assertTrue(Files.size(file()) <= threshold);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file()), files.toList(), "no temp file left behind");
        }
        Recovered r = reopen();
        assertEquals(model, r.aliveMembers());
        assertEquals(999, r.memberClock());
        assertEquals(499, r.eventClock());
        assertEquals(333, r.queryClock());
        assertEquals(List.of(), r.problems());
    }

    @Test
    void compactionKeepsTheLeaveMarker() throws IOException {
        try (Snapshotter s = Snapshotter.open(file(), 300)) {
            for (int i = 1; i <= 50; i++) {
                s.clocks(i, i, i);
            }
            s.leave();
        }
        Recovered r = reopen();
        assertTrue(r.left());
        assertEquals(50, r.eventClock());
        assertTrue(Files.size(file()) <= 300);
    }

    @Test
    void stateLargerThanTheThresholdDoesNotCompactOnEveryFlush() throws IOException {
        try (Snapshotter s = Snapshotter.open(file(), 100)) {
            for (int i = 0; i < 20; i++) {
                s.aliveMember("member-" + i, addr("10.0.1." + i, 7946));
            }
            s.flush(); // compacts: 20 lines are far past 100 bytes
            long compacted = Files.size(file());
            s.clocks(1, 0, 0);
            s.flush(); // appends, since the limit is now twice the compacted size
            assertTrue(Files.size(file()) > compacted);
        }
        assertEquals(20, reopen().aliveMembers().size());
    }

    @Test
    void fileOverTheThresholdAtOpenIsCompactedAtFirstFlush() throws IOException {
        try (Snapshotter s = Snapshotter.open(file(), BIG)) {
            for (int i = 0; i < 100; i++) {
                s.aliveMember("a", addr("10.0.0.1", i + 1));
            }
        }
        long before = Files.size(file());
        try (Snapshotter s = Snapshotter.open(file(), 500)) {
            s.flush();
        }
        assertTrue(Files.size(file()) < before);
        assertEquals(Map.of("a", addr("10.0.0.1", 100)), reopen().aliveMembers());
    }

    @Test
    void staleTempFileIsRemovedAtOpen() throws IOException {
        Path tmp = dir.resolve("snapshot.tmp");
        Files.writeString(tmp, "half a compaction");
        reopen();
        assertFalse(Files.exists(tmp));
    }

    @Test
    void missingDirectoryIsAnIOExceptionNamingThePath() {
        Path missing = dir.resolve("no-such-dir").resolve("snapshot");
        IOException e = assertThrows(IOException.class, () -> Snapshotter.open(missing, BIG));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void directoryInsteadOfFileIsAnIOException() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        IOException e = assertThrows(IOException.class, () -> Snapshotter.open(sub, BIG));
        assertTrue(e.getMessage().contains(sub.toString()), e.getMessage());
    }

    @Test
    void badArgumentsAndUseAfterCloseAreRejected() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> Snapshotter.open(file(), 0));
        Snapshotter s = Snapshotter.open(file(), BIG);
        assertThrows(IllegalArgumentException.class, () -> s.aliveMember("", addr("10.0.0.1", 1)));
        assertThrows(IllegalArgumentException.class, () -> s.aliveMember("\uD800", addr("10.0.0.1", 1)));
        assertThrows(IllegalArgumentException.class,
                () -> s.aliveMember("a", InetSocketAddress.createUnresolved("example.com", 1)));
        assertThrows(IllegalArgumentException.class, () -> s.clocks(-1, 0, 0));
        s.close();
        s.close(); // idempotent
        s.flush(); // harmless after close
        assertThrows(IllegalStateException.class, () -> s.aliveMember("a", addr("10.0.0.1", 1)));
        assertThrows(IllegalStateException.class, s::leave);
    }
}
