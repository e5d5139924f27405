package dev.grapevine.roles.admin;

import dev.grapevine.GossipNode;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.grapevine.roles.admin.Cluster.awaitTrue;
import static dev.grapevine.roles.admin.Cluster.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The live UI page in headless Chromium ({@code --dump-dom}): it lists every member with its role and status, and
 * the event stream updates it without a reload. Skipped, saying so, when Chromium is not installed.
 */
class AdminUiChromiumTest {

    private static final Cluster.Addresses ADDRESSES = new Cluster.Addresses(200, 250);
    private static final Pattern ROW = Pattern.compile("<tr\\s[^>]*class=\"member\"[^>]*>");
    private static final Pattern TABLE = Pattern.compile("<table\\s[^>]*id=\"members\"[^>]*>");
    private static final Pattern ATTRIBUTE = Pattern.compile("([a-zA-Z][\\w-]*)=\"([^\"]*)\"");

    private final Cluster cluster = new Cluster(ADDRESSES);
    private Path chromium;
    @TempDir
    Path profile;

    @BeforeEach
    void findChromium() {
        Optional<Path> found = locate();
        assumeTrue(found.isPresent(), "chromium is not installed (looked for /usr/bin/chromium and chromium, "
                + "chromium-browser on the PATH): skipping the UI test");
        chromium = found.get();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    private static Optional<Path> locate() {
        List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin/chromium")));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, "chromium"));
                candidates.add(Path.of(dir, "chromium-browser"));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** Starts {@code chromium --dump-dom}; the DOM arrives when its virtual time budget is spent. */
    private CompletableFuture<String> dump(String url, Duration budget) throws IOException {
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--dump-dom",
                "--virtual-time-budget=" + budget.toMillis(), url)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        p.getOutputStream().close();
        return CompletableFuture.supplyAsync(() -> {
            try (InputStream out = p.getInputStream()) {
                String dom = new String(out.readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("chromium did not exit after dumping the DOM");
                }
                return dom;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } finally {
                p.destroyForcibly();
            }
        });
    }

    private static String await(CompletableFuture<String> dom) throws Exception {
        return dom.get(180, TimeUnit.SECONDS);
    }

    /** The attributes of every member row, by the row's data-name. */
    private static Map<String, Map<String, String>> rows(String dom) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        Matcher m = ROW.matcher(dom);
        while (m.find()) {
            Map<String, String> attributes = attributes(m.group());
            out.put(attributes.get("data-name"), attributes);
        }
        return out;
    }

    private static Map<String, String> table(String dom) {
        Matcher m = TABLE.matcher(dom);
        assertTrue(m.find(), "no members table in\n" + dom);
        return attributes(m.group());
    }

    private static Map<String, String> attributes(String tag) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher a = ATTRIBUTE.matcher(tag);
        while (a.find()) {
            out.put(a.group(1), a.group(2));
        }
        return out;
    }

    @Test
    void thePageListsEveryMemberWithItsRoleAndStatus() throws Exception {
        List<GossipNode> n = cluster.startAll(4);
        n.get(3).close();
        awaitTrue(() -> status(n.get(0), "n3") == MemberStatus.FAILED, "n3 failed");
        AdminServer admin = cluster.own(AdminServer.builder(n.get(0)).bind(cluster.adminAddress()).start());

        String dom = await(dump(admin.uri() + "/ui?live=poll", Duration.ofSeconds(5)));
        Map<String, Map<String, String>> rows = rows(dom);
        assertEquals(List.of("n0", "n1", "n2", "n3"), List.copyOf(rows.keySet()), dom);
        for (GossipNode node : n) {
            Map<String, String> row = rows.get(node.name());
            assertEquals(node.name().equals("n0") ? "front" : "app", row.get("data-role"), row.toString());
            assertEquals(node.name().equals("n3") ? "failed" : "alive", row.get("data-status"), row.toString());
            assertEquals("member-" + node.name(), row.get("id"));
            assertTrue(dom.contains("<td class=\"name\">" + node.name() + "</td>"), dom);
        }
        assertEquals("poll", table(dom).get("data-mode"));
        assertTrue(dom.contains("data-count=\"4\""), dom);
    }

    @Test
    void theStreamUpdatesThePageWhenAMemberLeaves() throws Exception {
        List<GossipNode> n = cluster.startAll(3);
        AdminServer admin = cluster.own(AdminServer.builder(n.get(0)).bind(cluster.adminAddress()).start());
        // Virtual time stands still while the stream is open: the DOM comes once the server ends the stream.
        CompletableFuture<String> dom = dump(admin.uri() + "/ui", Duration.ofSeconds(3));
        awaitTrue(() -> admin.openStreams() == 1 && admin.streamFramesSent() >= 1, Duration.ofSeconds(120),
                "the page opened the stream and got its snapshot");

        try (Http.EventStream watcher = new Http(admin.uri()).stream()) {
            assertEquals("snapshot", watcher.next().type());
            n.get(2).leave().get(10, TimeUnit.SECONDS);
            watcher.until(e -> e.type().equals("member") && e.data().get("name").asText().equals("n2")
                    && e.data().get("status").asText().equals("left"));
        }
        admin.close();

        String page = await(dom);
        Map<String, Map<String, String>> rows = rows(page);
        assertEquals(List.of("n0", "n1", "n2"), List.copyOf(rows.keySet()), page);
        assertEquals("left", rows.get("n2").get("data-status"), page);
        assertEquals("alive", rows.get("n1").get("data-status"), page);
        Map<String, String> table = table(page);
        assertEquals("stream", table.get("data-mode"));
        assertEquals("1", table.get("data-snapshots"), "one snapshot, then updates: no reload");
        assertTrue(Integer.parseInt(table.get("data-updates")) >= 1, table.toString());
    }
}
