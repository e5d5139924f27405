package dev.grapevine.benchmarks.sidebyside;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The facts read from Serf's and Grapevine's output lines. */
class LineParsingTest {

    @TempDir
    Path dir;

    @Test
    void serfAgentLinesBecomeFacts() throws Exception {
        try (SerfFleet f = new SerfFleet(3, 17946, dir.resolve("serf.log"), "serf", null)) {
            String[] lines = {
                    "==> Serf agent running!",
                    "    2026/11/22 02:00:22 [INFO] agent: joining: [127.0.100.1:7946] replay: false",
                    "    2026/11/22 02:00:22 [INFO] serf: EventMemberJoin: s2 127.0.100.2",
                    "    2026/11/22 02:00:24 [DEBUG] agent: Requesting user event send: ev1. Coalesced: false. Payload: \"x\"",
                    "    2026/11/22 02:00:25 [DEBUG] serf: messageUserEventType: ev1",
                    "    2026/11/22 02:00:25 [DEBUG] serf: messageUserEventType: ev1",
                    "    2026/11/22 02:00:30 [INFO] serf: EventMemberFailed: s3 127.0.100.3",
                    "    2026/11/22 02:00:31 [INFO] serf: EventMemberLeave: s2 127.0.100.2",
                    "    2026/11/22 02:00:31 [DEBUG] memberlist: Stream connection from=127.0.0.1:50468",
                    "    2026/11/22 02:00:32 [INFO] serf: EventMemberLeave (forced): s3 127.0.100.3",
            };
            for (int i = 0; i < lines.length; i++) {
                f.parse("s1", lines[i], 1000 + i);
            }
            Observations o = f.obs;
            assertEquals(1000L, o.at("s1", "ready"));
            assertEquals(1001L, o.at("s1", "joining"));
            assertEquals(1002L, o.at("s1", "joined s2"));
            assertEquals(1003L, o.at("s1", "sending ev1"));
            assertEquals(1004L, o.at("s1", "event ev1"), "the first copy counts");
            assertEquals(1006L, o.at("s1", "failed s3"));
            assertEquals(1007L, o.at("s1", "left s2"));
            assertNull(o.at("s2", "joined s2"), "facts belong to the agent whose log said them");
            assertNull(o.at("s1", "left s3"), "a forced leave of a member already reported failed is no clean leave");
            assertEquals(1, o.failureCount());
            assertEquals(0, o.failuresExcept(List.of("s3")));
            assertEquals(1, o.failuresExcept(List.of("s2")));
            assertEquals("127.0.100.2:17946", f.address(2));
        }
    }

    @Test
    void grapevineLinesBecomeFactsOfTheirObserver() throws Exception {
        try (GrapevineFleet f = new GrapevineFleet(3, 17946, dir.resolve("g.log"), List.of("java"), true, null, false)) {
            f.parse("jvm1", "@5000 e1 ready", 5100);
            f.parse("jvm1", "@5200 e2 joined e3", 5250);
            f.parse("jvm1", "@5300 e3 event ev2", 5400);
            f.parse("jvm1", "@5500 all status 2 3", 5600);
            f.parse("jvm1", "[bench-protocol] WARN dev.grapevine.GossipNode - some library line", 5700);
            f.parse("jvm1", "@notanumber e1 joined e2", 5800);
            Observations o = f.obs;
            assertEquals(5100L, o.at("e1", "ready"), "timed on arrival");
            assertEquals(5250L, o.at("e2", "joined e3"));
            assertEquals(5400L, o.at("e3", "event ev2"));
            assertNull(o.at("e1", "joined e2"));
            assertArrayEquals(new int[]{2, 3}, o.status());
            assertEquals(0.1, o.maxLagMillis(), 1e-9, "lag taken from the event line only");
            assertEquals("127.0.102.3:17946", f.address(3));
        }
    }

    @Test
    void addressesFillAnOctetThenMoveToTheNextPort() {
        assertEquals("127.0.102.1:7946", BenchNodes.address("127.0.102", 7946, 1));
        assertEquals("127.0.102.250:7946", BenchNodes.address("127.0.102", 7946, 250));
        assertEquals("127.0.102.1:7947", BenchNodes.address("127.0.102", 7946, 251));
        assertEquals("127.0.102.250:7949", BenchNodes.address("127.0.102", 7946, 1000));
    }
}
