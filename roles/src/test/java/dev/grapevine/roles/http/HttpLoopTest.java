package dev.grapevine.roles.http;

import dev.grapevine.HostPort;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both transports serve and call over real loopback TCP; the loop's threads are named and end on close. */
class HttpLoopTest {

    private static void servesAndCalls(HttpLoop loop, int host) throws Exception {
        try (HttpService s = HttpService.builder("loop-" + host, new HostPort("127.0.14." + host, 0)).loop(loop)
                .drain(Duration.ZERO).handler((req, out) -> out.text(200, "on " + loop.transport())).start();
             HttpConnector c = HttpConnector.builder(loop).build()) {
            for (int i = 0; i < 3; i++) {
                HttpReply r = c.call(s.address(), "GET", "/", Map.of(), new byte[0], Duration.ofSeconds(5))
                        .get(10, TimeUnit.SECONDS);
                assertEquals(200, r.status());
                assertEquals("on " + loop.transport(), new String(r.body(), StandardCharsets.UTF_8));
            }
            assertEquals(1, c.connectionsOpened(), "three calls, one kept-alive connection");
        }
    }

    @Test
    void nioServesAndCalls() throws Exception {
        try (HttpLoop loop = HttpLoop.create("loop-nio", 1, false)) {
            assertEquals("nio", loop.transport());
            servesAndCalls(loop, 1);
        }
    }

    @Test
    void theDefaultIsEpollOnLinuxAndServesAndCalls() throws Exception {
        try (HttpLoop loop = HttpLoop.create("loop-auto", 1)) {
            String os = System.getProperty("os.name").toLowerCase();
            String arch = System.getProperty("os.arch");
            if (os.contains("linux") && (arch.equals("amd64") || arch.equals("aarch64"))) {
                assertEquals("epoll", loop.transport(), "the native transport ships for this platform");
            }
            servesAndCalls(loop, 2);
        }
    }

    @Test
    void threadsAreNamedAndEndOnClose() throws Exception {
        HttpLoop loop = HttpLoop.create("loop-threads", 2);
        loop.next().submit(() -> { }).get(5, TimeUnit.SECONDS);
        loop.next().submit(() -> { }).get(5, TimeUnit.SECONDS);
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("grapevine-loop-threads-http-2")));
        loop.close();
        assertTrue(loop.isClosed());
        assertFalse(loopThreadsAlive(), "close() returns once the loop threads have ended");
        assertThrows(IllegalArgumentException.class, () -> HttpLoop.create("x", 0));
    }

    private static boolean loopThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("grapevine-loop-threads-http-") && t.isAlive());
    }
}
