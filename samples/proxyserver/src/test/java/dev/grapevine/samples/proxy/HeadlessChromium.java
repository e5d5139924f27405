package dev.grapevine.samples.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Debian's Chromium, headless, with one page open and driven over the DevTools protocol (a WebSocket on
 * loopback, with the JDK's own client): the page keeps running, so a test can read it again after the cluster
 * changed, without a reload.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/bin/chromium");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, WebSocket socket) {
        this.process = process;
        this.socket = socket;
    }

    /** Starts Chromium on {@code url}, with a fresh profile in {@code dir}. */
    static HeadlessChromium open(String url, Path dir) throws IOException, InterruptedException {
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        Process p = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, url)
                .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
        try {
            Path portFile = profile.resolve("DevToolsActivePort");
            if (!Topology.until(() -> Files.exists(portFile) && lines(portFile).size() >= 2, Duration.ofSeconds(60))) {
                throw new IOException("Chromium wrote no DevToolsActivePort; log: "
                        + Files.readString(dir.resolve("chromium.log")));
            }
            int port = Integer.parseInt(lines(portFile).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            String wsUrl = null;
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (wsUrl == null && System.nanoTime() < end) {
                JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode t : targets) {
                    if ("page".equals(t.path("type").asText()) && t.path("url").asText().startsWith(url)) {
                        wsUrl = t.get("webSocketDebuggerUrl").asText();
                    }
                }
                if (wsUrl == null) {
                    Thread.sleep(200);
                }
            }
            if (wsUrl == null) {
                throw new IOException("no page for " + url + " in Chromium");
            }
            HeadlessChromium[] self = new HeadlessChromium[1];
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(wsUrl), new WebSocket.Listener() {
                private final StringBuilder text = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    text.append(data);
                    if (last) {
                        self[0].received(text.toString());
                        text.setLength(0);
                    }
                    w.request(1);
                    return null;
                }
            }).get(30, TimeUnit.SECONDS);
            self[0] = new HeadlessChromium(p, ws);
            return self[0];
        } catch (Exception e) {
            p.destroyForcibly();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot drive Chromium: " + e, e);
        }
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            return List.of();
        }
    }

    private void received(String message) {
        try {
            JsonNode m = JSON.readTree(message);
            if (m.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(m.get("id").asInt());
                if (f != null) {
                    f.complete(m);
                }
            }
        } catch (IOException e) {
            // not JSON: not ours
        }
    }

    /** Evaluates {@code expression} in the page and returns its value as a string (use JSON.stringify). */
    String evaluate(String expression) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        String request = JSON.writeValueAsString(Map.of("id", id, "method", "Runtime.evaluate",
                "params", Map.of("expression", expression, "returnByValue", true)));
        socket.sendText(request, true).get(10, TimeUnit.SECONDS);
        JsonNode result = answer.get(10, TimeUnit.SECONDS).path("result").path("result");
        return result.path("value").asText("");
    }

    @Override
    public void close() {
        socket.abort();
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
