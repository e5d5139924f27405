package dev.grapevine.roles;

import com.sun.net.httpserver.HttpServer;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.roles.http.HttpLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RoleClient} against real HTTP servers on 127.0.11.x. */
class RoleClientTest {

    private final List<HttpServer> servers = new ArrayList<>();
    private final HttpLoop loop = HttpLoop.create("role-client-test", 1);

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
        loop.close();
    }

    /** An HTTP server on 127.0.11.{i} answering every path with {@code status} and its name; returns its member. */
    private Member server(String name, int i, int status, AtomicInteger hits) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(ip(i), 0), 16);
        s.createContext("/", ex -> {
            hits.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            byte[] body = (ex.getRequestMethod() + " " + name).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
        servers.add(s);
        return member(name, i, s.getAddress().getPort());
    }

    private static InetAddress ip(int i) throws IOException {
        return InetAddress.getByAddress(new byte[]{127, 0, 11, (byte) i});
    }

    private static Member member(String name, int i, int httpPort) throws IOException {
        return new Member(name, new InetSocketAddress(ip(i), 7946),
                Map.of(Roles.ROLE, Roles.FRONT, Roles.portTag(Roles.HTTP), Integer.toString(httpPort)),
                MemberStatus.ALIVE, 1);
    }

    /** A port on 127.0.11.{i} where nothing listens (bound, then closed). */
    private static int deadPort(int i) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, ip(i))) {
            return s.getLocalPort();
        }
    }

    @Test
    void spreadsRequestsOverEveryMember() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        RoleView view = new RoleView(Roles.FRONT);
        view.reset(List.of(server("f1", 1, 200, hits), server("f2", 2, 200, hits), server("f3", 3, 200, hits)));
        RoleClient client = RoleClient.builder(view).loop(loop).build();
        Set<String> answered = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            RoleClient.Reply r = client.get("/hello");
            assertEquals(200, r.status());
            assertEquals("GET " + r.member(), r.body());
            answered.add(r.member());
        }
        assertEquals(Set.of("f1", "f2", "f3"), answered);
    }

    @Test
    void refusedConnectionIsRetriedElsewhereAndEjected() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        AtomicLong now = new AtomicLong();
        Member dead = member("dead", 4, deadPort(4));
        RoleView view = new RoleView(Roles.FRONT);
        view.reset(List.of(dead, server("live", 5, 200, hits)));
        RoleClient client = RoleClient.builder(view).loop(loop).nanoClock(now::get)
                .ejectFor(java.time.Duration.ofSeconds(5)).build();
        for (int i = 0; i < 10; i++) {
            // Even a POST is retried when the connection was refused: nothing was sent.
            RoleClient.Reply r = client.send("POST", "/x", Map.of(), "b".getBytes(StandardCharsets.UTF_8));
            assertEquals("POST live", r.body());
        }
        assertEquals(10, hits.get());
        assertTrue(client.isEjected("dead"), "a refused member is kept out of rotation");
        now.addAndGet(java.time.Duration.ofSeconds(6).toNanos());
        assertFalse(client.isEjected("dead"), "ejection ends after ejectFor");
    }

    @Test
    void unavailableAnswerIsRetriedForIdempotentMethodsOnly() throws Exception {
        AtomicInteger busyHits = new AtomicInteger();
        AtomicInteger okHits = new AtomicInteger();
        RoleView view = new RoleView(Roles.FRONT);
        view.reset(List.of(server("a-busy", 6, 503, busyHits), server("b-ok", 7, 200, okHits)));
        RoleClient client = RoleClient.builder(view).loop(loop).build();
        for (int i = 0; i < 4; i++) {
            assertEquals("GET b-ok", client.get("/hello").body());
        }
        int posts503 = 0;
        for (int i = 0; i < 4; i++) {
            var r = client.send("POST", "/x", Map.of(), new byte[0]);
            if (r.status() == 503) {
                posts503++;
            }
        }
        assertTrue(posts503 > 0, "a POST answered 503 is handed back, not replayed elsewhere");
    }

    @Test
    void emptyRoleAndAllDeadFailWithAClearError() throws Exception {
        RoleView empty = new RoleView(Roles.APP);
        RoleClient.NoMemberException e = assertThrows(RoleClient.NoMemberException.class,
                () -> RoleClient.builder(empty).loop(loop).build().get("/"));
        assertTrue(e.getMessage().contains("no healthy member of role 'app'"), e.getMessage());

        RoleView dead = new RoleView(Roles.FRONT);
        dead.reset(List.of(member("d1", 8, deadPort(8)), member("d2", 9, deadPort(9))));
        RoleClient.NoMemberException all = assertThrows(RoleClient.NoMemberException.class,
                () -> RoleClient.builder(dead).loop(loop).build().get("/"));
        assertTrue(all.getMessage().contains("d1") && all.getMessage().contains("d2"), all.getMessage());
    }

    @Test
    void badSettingsNameTheField() {
        RoleView view = new RoleView(Roles.FRONT);
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> RoleClient.builder(view).maxAttempts(0)).getMessage().contains("maxAttempts"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> RoleClient.builder(view).requestTimeout(java.time.Duration.ZERO)).getMessage()
                .contains("requestTimeout"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> RoleClient.builder(view).build()).getMessage().contains("connector"));
    }
}
