package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bytes Serf gives a script, checked against what Serf 0.8 (Go) produces for the same input. */
class SerfFormatTest {

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void tagVariablesAreUpperCasedAndSanitisedLikeGo() {
        assertEquals("SERF_TAG_ROLE", SerfFormat.tagVariable("role"));
        assertEquals("SERF_TAG_X_Y_Z", SerfFormat.tagVariable("x-y.z"));
        assertEquals("SERF_TAG_HTTP_PORT", SerfFormat.tagVariable("http.port"));
        assertEquals("SERF_TAG_A_1", SerfFormat.tagVariable("a_1"));
        // Go's strings.ToUpper maps one rune to one rune: ß has no single upper-case rune and stays, then
        // becomes '_' (Serf 0.8 gives SERF_TAG_STRA_E); Java's String.toUpperCase would give STRASSE.
        assertEquals("SERF_TAG_STRA_E", SerfFormat.tagVariable("straße"));
        // Simple case mappings that land in ASCII: dotless i and long s.
        assertEquals("SERF_TAG_I", SerfFormat.tagVariable("\u0131"));
        assertEquals("SERF_TAG_S", SerfFormat.tagVariable("\u017f"));
        assertEquals("SERF_TAG__", SerfFormat.tagVariable("é"));
        assertEquals("SERF_TAG__", SerfFormat.tagVariable("\uD83D\uDE00"), "one code point, one '_'");
        assertEquals("SERF_TAG_", SerfFormat.tagVariable(""));
    }

    @Test
    void environmentOfEachKind() {
        Map<String, String> tags = Map.of("role", "web", "dc", "east");
        assertEquals(Map.of("SERF_EVENT", "member-join", "SERF_SELF_NAME", "n1", "SERF_SELF_ROLE", "web",
                        "SERF_TAG_ROLE", "web", "SERF_TAG_DC", "east"),
                SerfFormat.environment(Events.joined("x"), "n1", tags));
        assertEquals(Map.of("SERF_EVENT", "user", "SERF_SELF_NAME", "n1", "SERF_SELF_ROLE", "",
                        "SERF_USER_EVENT", "deploy", "SERF_USER_LTIME", "42"),
                SerfFormat.environment(Events.user("deploy", "x", 42), "n1", Map.of()));
        assertEquals(Map.of("SERF_EVENT", "query", "SERF_SELF_NAME", "n1", "SERF_SELF_ROLE", "",
                        "SERF_QUERY_NAME", "load", "SERF_QUERY_LTIME", "7"),
                SerfFormat.environment(Events.query("load", "", 7), "n1", Map.of()));
    }

    @Test
    void collidingTagVariablesKeepTheLastKeyInOrder() {
        Map<String, String> env = SerfFormat.environment(Events.joined("x"), "n", Map.of("a-b", "1", "a.b", "2"));
        assertEquals("2", env.get("SERF_TAG_A_B"), "'a.b' sorts after 'a-b'");
    }

    @Test
    void memberLines() throws Exception {
        Member m = new Member("web\t1", new InetSocketAddress(InetAddress.getByName("127.0.8.1"), 7946),
                Map.of("role", "front\nend", "zone", "a", "dc", "x\ty"), MemberStatus.ALIVE, 3);
        assertEquals("web\\t1\t127.0.8.1\tfront\\nend\tdc=x\\ty,role=front\\nend,zone=a\n", SerfFormat.memberLine(m));
        Member bare = new Member("b", new InetSocketAddress(InetAddress.getByName("127.0.8.2"), 1), Map.of(),
                MemberStatus.FAILED, 1);
        assertEquals("b\t127.0.8.2\t\t\n", SerfFormat.memberLine(bare));
        byte[] both = SerfFormat.stdin(List.of(new ClusterEvent.MemberJoined(m), new ClusterEvent.MemberJoined(bare)));
        assertEquals(SerfFormat.memberLine(m) + SerfFormat.memberLine(bare), utf8(both));
    }

    @Test
    void payloadsGetAFinalNewlineWhenMissing() {
        assertEquals("v1.2\n", utf8(SerfFormat.stdin(List.of(Events.user("deploy", "v1.2", 1)))));
        assertEquals("two\nlines\n", utf8(SerfFormat.stdin(List.of(Events.user("d", "two\nlines\n", 1)))));
        assertEquals("", utf8(SerfFormat.stdin(List.of(Events.user("d", "", 1)))));
        assertEquals("q\n", utf8(SerfFormat.stdin(List.of(Events.query("load", "q", 1)))));
        byte[] binary = {0, (byte) 0xff, 10, 13};
        assertArrayEquals(new byte[]{0, (byte) 0xff, 10, 13, 10}, SerfFormat.payload(binary));
    }

    @Test
    void addressesInGoNotation() throws Exception {
        assertEquals("10.0.0.5", ip("10.0.0.5"));
        assertEquals("::1", ip("::1"));
        assertEquals("::", ip("::"));
        assertEquals("2001:db8::1", ip("2001:0db8:0000:0000:0000:0000:0000:0001"));
        assertEquals("2001:db8:0:1:1:1:1:1", ip("2001:db8:0:1:1:1:1:1"), "one zero group stays");
        assertEquals("2001:0:0:1::1", ip("2001:0:0:1:0:0:0:1"), "the longest run is shortened");
        assertEquals("2001:db8::1:0:0:1", ip("2001:db8:0:0:1:0:0:1"), "of equal runs, the first");
        assertEquals("fe80::", ip("fe80:0:0:0:0:0:0:0"));
        assertEquals("1:2:3:4:5:6:7:8", ip("1:2:3:4:5:6:7:8"));
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 8, 1};
        assertEquals("127.0.8.1", SerfFormat.ip(mapped));
        assertEquals("host.example", SerfFormat.address(InetSocketAddress.createUnresolved("host.example", 1)));
    }

    private static String ip(String literal) throws Exception {
        return SerfFormat.address(new InetSocketAddress(InetAddress.getByName(literal), 7946));
    }
}
