package dev.grapevine.roles;

import dev.grapevine.HostPort;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link HttpService} on 127.0.11.20-29: graceful drain and push-back. */
class HttpServiceTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private CompletableFuture<HttpResponse<String>> get(HttpService s) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://" + s.address().getAddress().getHostAddress() + ":" + s.address().getPort() + "/x"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void closeLetsTheRequestInProgressFinishThenStops() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        HttpService s = HttpService.start("t1", new HostPort("127.0.11.20", 0), 2, 4, Duration.ofSeconds(30), ex -> {
            entered.countDown();
            try {
                Thread.sleep(700);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] b = "done".getBytes();
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        CompletableFuture<HttpResponse<String>> slow = get(s);
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        long started = System.nanoTime();
        s.close();
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertEquals("done", slow.get(10, TimeUnit.SECONDS).body(), "the request in progress was answered");
        assertTrue(tookMs < 20_000, "close returned once quiet, not after the whole 30 s drain: " + tookMs + " ms");
        assertEquals(0, s.inFlight());
        assertTrue(get(s).handle((r, e) -> e != null).get(10, TimeUnit.SECONDS), "closed: no longer serving");
    }

    @Test
    void beyondThreadsAndQueueTheAnswerIs503WithRetryAfter() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpService s = HttpService.start("t2", new HostPort("127.0.11.21", 0), 1, 1, Duration.ofSeconds(5), ex -> {
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        try {
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                all.add(get(s));
            }
            // One running, one waiting, three answered 503 at once; released only when all five have arrived.
            assertTrue(Poll.until(() -> s.rejected() == 3, Duration.ofSeconds(20)),
                    () -> "three pushed back; rejected " + s.rejected() + ", in flight " + s.inFlight());
            release.countDown();
            int ok = 0;
            int busy = 0;
            for (CompletableFuture<HttpResponse<String>> f : all) {
                HttpResponse<String> r = f.get(20, TimeUnit.SECONDS);
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertEquals(503, r.statusCode());
                    assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
                    busy++;
                }
            }
            assertEquals(2, ok, "the one running and the one waiting are served");
            assertEquals(3, busy);
        } finally {
            release.countDown();
            s.close();
        }
    }
}
