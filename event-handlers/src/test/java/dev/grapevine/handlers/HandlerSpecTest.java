package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.grapevine.handlers.Events.joined;
import static dev.grapevine.handlers.Events.member;
import static dev.grapevine.handlers.Events.query;
import static dev.grapevine.handlers.Events.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Serf's {@code -event-handler} syntax: what parses, what it matches, and the errors. */
class HandlerSpecTest {

    private static final ClusterEvent JOIN = joined("n1");
    private static final ClusterEvent LEAVE = new ClusterEvent.MemberLeft(member("n1"));
    private static final ClusterEvent FAILED = new ClusterEvent.MemberFailed(member("n1"));
    private static final ClusterEvent UPDATE = new ClusterEvent.MemberUpdated(member("n1"));
    private static final ClusterEvent REAP = new ClusterEvent.MemberReaped(member("n1"));
    private static final ClusterEvent DEPLOY = user("deploy", "v2", 3);
    private static final ClusterEvent RESTART = user("restart", "", 4);
    private static final ClusterEvent LOAD = query("load", "", 5);
    private static final ClusterEvent DISK = query("disk", "", 6);
    private static final List<ClusterEvent> ALL = List.of(JOIN, LEAVE, FAILED, UPDATE, REAP, DEPLOY, RESTART, LOAD, DISK);

    private static List<ClusterEvent> matching(String spec) {
        HandlerSpec s = HandlerSpec.parse(spec);
        return ALL.stream().filter(s.filter()::matches).toList();
    }

    @Test
    void aBareScriptGetsEveryEvent() {
        HandlerSpec s = HandlerSpec.parse("/usr/local/bin/handler.sh");
        assertEquals("/usr/local/bin/handler.sh", s.command());
        assertEquals(EventFilter.ALL, s.filter());
        assertEquals(ALL, matching("/usr/local/bin/handler.sh"));
        assertEquals(ALL, matching("*=handler.sh"));
    }

    @Test
    void memberTypes() {
        assertEquals(List.of(JOIN, LEAVE), matching("member-join,member-leave=/path/script.sh"));
        assertEquals(List.of(FAILED), matching("member-failed=x"));
        assertEquals(List.of(UPDATE), matching("member-update=x"));
        assertEquals(List.of(REAP), matching("member-reap=x"));
    }

    @Test
    void userAndQueryWithAndWithoutName() {
        assertEquals(List.of(DEPLOY, RESTART), matching("user=x"));
        assertEquals(List.of(DEPLOY), matching("user:deploy=x"));
        assertEquals(List.of(DEPLOY, RESTART), matching("user:=x"), "an empty name matches every user event");
        assertEquals(List.of(LOAD, DISK), matching("query=x"));
        assertEquals(List.of(LOAD), matching("query:load=x"));
        assertEquals(List.of(JOIN, DEPLOY, LOAD), matching("member-join,user:deploy,query:load=x"));
        assertEquals(List.of(), matching("user:nothing=x"));
    }

    @Test
    void theCommandIsEverythingAfterTheFirstEquals() {
        HandlerSpec s = HandlerSpec.parse("user:deploy=FOO=1 ./deploy.sh --env=prod");
        assertEquals("FOO=1 ./deploy.sh --env=prod", s.command());
        assertEquals("user:deploy", s.filter().toString());
        assertEquals(s, HandlerSpec.parse(s.toString()));
    }

    @Test
    void errorsNameTheBadPart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HandlerSpec.parse("member-jion=x.sh"));
        assertTrue(e.getMessage().contains("unknown event type 'member-jion'"), e.getMessage());
        assertFalse(e.getMessage().contains("explicit filter"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> HandlerSpec.parse("member-join:web=x.sh"));
        assertTrue(e.getMessage().contains("only user and query events take a name"), e.getMessage());
        assertTrue(e.getMessage().contains("'member-join:web'"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> HandlerSpec.parse("member-join, user=x.sh"));
        assertTrue(e.getMessage().contains("unknown event type ' user'"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> HandlerSpec.parse("member-join,,user=x.sh"));
        assertTrue(e.getMessage().contains("unknown event type ''"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> HandlerSpec.parse("member-join="));
        assertTrue(e.getMessage().contains("no command after '='"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> HandlerSpec.parse("  "));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> HandlerSpec.parse("/opt/run.sh --level=3"));
        assertTrue(e.getMessage().contains("unknown event type '/opt/run.sh --level'"), e.getMessage());
        assertTrue(e.getMessage().contains("'*=/opt/run.sh --level=3'"), "suggests the fix: " + e.getMessage());
    }
}
