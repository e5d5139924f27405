package dev.grapevine.samples.proxy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scaling down at full load drops nothing: 64 keep-alive connections send {@code GET /hello} through the proxy
 * for 30 s while one app server gets SIGTERM, another kill -9, one front server SIGTERM and another kill -9.
 * Every answer must be a 200 and no connection may fail (wrk when installed, else a Java load generator). It
 * counts; it does not time anything (the data-path benchmark reports the rates).
 */
class ScaleDownUnderLoadIT {

    private static final String NET = "127.0.21.";
    private static final String PROXY = NET + "11";
    private static final Duration FORM = Duration.ofSeconds(90);

    @Test
    void fullLoadThroughTheProxyLosesNoRequestWhileAppsAndFrontsStopAndCrash(@TempDir Path dir) throws Exception {
        Topology.run(dir, List.of("proxyserver", "frontserver", "appserver"), t -> run(t, dir));
    }

    private void run(Topology t, Path dir) throws Exception {
        String[] join = {"--join", PROXY + ":7946"};
        t.startSeed("proxyserver1", "proxyserver", PROXY, "--http", PROXY + ":8080");
        for (int i = 1; i <= 3; i++) {
            t.start("frontserver" + i, "frontserver", NET + (20 + i), "--http", NET + (20 + i) + ":8080", join[0], join[1]);
            t.start("appserver" + i, "appserver", NET + (30 + i), "--http", NET + (30 + i) + ":8080", join[0], join[1]);
        }
        List<String> all = t.running();
        assertTrue(Topology.until(() -> t.members("proxyserver1").values().stream().filter("alive"::equals).count()
                == all.size(), FORM), "all seven alive at the proxy: " + t.members("proxyserver1"));
        // Every front must reach every app before the load starts (each front learns the apps by gossip).
        for (int i = 1; i <= 3; i++) {
            String front = "frontserver" + i;
            assertTrue(Topology.until(() -> t.members(front).values().stream().filter("alive"::equals).count()
                    == all.size(), FORM), front + " sees all seven: " + t.members(front));
        }

        LoadGenerator.Running load = LoadGenerator.start(new InetSocketAddress(PROXY, 8080), "/hello", 64,
                Duration.ofSeconds(30), Duration.ofSeconds(10), dir);
        Thread.sleep(5_000);
        t.stop("appserver2");
        Thread.sleep(5_000);
        t.kill("appserver3");
        Thread.sleep(5_000);
        t.stop("frontserver2");
        Thread.sleep(5_000);
        t.kill("frontserver3");
        LoadGenerator.Counts c = load.await();

        assertTrue(c.requests() > 0, c.report());
        assertEquals(0, c.non2xx(), "answers other than 2xx (" + c.tool() + "):\n" + c.report());
        assertEquals(0, c.socketErrors(), "failed connections (" + c.tool() + "):\n" + c.report());
        for (String stopped : List.of("appserver2", "frontserver2")) {
            assertTrue(t.exited(stopped, Duration.ofSeconds(30)), stopped + " exited after SIGTERM");
            assertTrue(t.exitCode(stopped) == 0 && t.log(stopped).contains(stopped + ": stopped"),
                    stopped + " left and stopped gracefully (exit " + t.exitCode(stopped) + ")");
        }
        assertTrue(Topology.until(() -> {
            Map<String, String> m = t.members("proxyserver1");
            return "left".equals(m.get("appserver2")) && "left".equals(m.get("frontserver2"))
                    && "failed".equals(m.get("appserver3")) && "failed".equals(m.get("frontserver3"));
        }, Duration.ofSeconds(60)), "the proxy sees two left and two failed: " + t.members("proxyserver1"));
        System.out.println("scale-down under load (" + c.tool() + "): " + c.requests() + " requests, " + c.non2xx()
                + " non-2xx, " + c.socketErrors() + " socket errors");
    }
}
