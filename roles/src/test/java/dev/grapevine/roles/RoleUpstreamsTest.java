package dev.grapevine.roles;

import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link RoleUpstreams#onRemoved}: every listener hears of every endpoint that leaves the view. */
class RoleUpstreamsTest {

    private static Member app(String name, int i, MemberStatus status) {
        Member m = Fixtures.member(name, i, status, Roles.APP, null);
        Map<String, String> tags = new HashMap<>(m.tags());
        tags.put(Roles.portTag(Roles.HTTP), "8080");
        return new Member(name, m.address(), tags, status, 1);
    }

    @Test
    void everyListenerHearsOfEveryRemovedEndpoint() {
        RoleView view = new RoleView(Roles.APP);
        Member a = app("a", 1, MemberStatus.ALIVE);
        Member b = app("b", 2, MemberStatus.ALIVE);
        view.reset(List.of(a, b));
        RoleUpstreams upstreams = RoleUpstreams.of(view);
        List<InetSocketAddress> first = new ArrayList<>();
        List<InetSocketAddress> second = new ArrayList<>();
        upstreams.onRemoved(first::add);
        upstreams.onRemoved(second::add); // e.g. a proxy's connector and a client's sharing the upstreams

        view.reset(List.of(a, app("b", 2, MemberStatus.FAILED)));
        InetSocketAddress bAt = new InetSocketAddress(b.address().getAddress(), 8080);
        assertEquals(List.of(bAt), first);
        assertEquals(List.of(bAt), second, "the second listener is told too");

        view.reset(List.of(a));
        assertEquals(1, first.size(), "a removal is told once");
        view.reset(List.of());
        InetSocketAddress aAt = new InetSocketAddress(a.address().getAddress(), 8080);
        assertEquals(List.of(bAt, aAt), first);
        assertEquals(List.of(bAt, aAt), second);
    }
}
