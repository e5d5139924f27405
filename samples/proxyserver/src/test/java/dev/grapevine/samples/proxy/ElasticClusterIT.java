package dev.grapevine.samples.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The elastic cluster end to end, on the packaged jars: real processes on 127.0.20.N, real HTTP through the
 * proxy (curl), real DNS answers (dig), the live page in headless Chromium. Scaling up and down is only
 * starting and stopping processes, and no request is dropped.
 */
class ElasticClusterIT {

    private static final Duration FORM = Duration.ofSeconds(60);
    private static final Pattern HELLO = Pattern.compile("Hello frontserver\\d, I'm appserver\\d !");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void scalesUpAndDownWithNoDroppedRequest(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(onPath("curl"), "curl is not installed: the end-to-end test needs it (apt-get install curl)");
        Assumptions.assumeTrue(onPath("dig"), "dig is not installed: the end-to-end test needs it (apt-get install dnsutils)");
        Topology.run(dir, List.of("dnsserver", "proxyserver", "frontserver", "appserver"), t -> run(t, dir));
    }

    private void run(Topology t, Path dir) throws Exception {
        // One of each role.
        t.start("dnsserver1", "dnsserver", Topology.DNS_IP, "--dns", Topology.DNS_IP + ":" + Topology.DNS_PORT);
        t.start("proxyserver1", "proxyserver", Topology.PROXY_IP, "--http", Topology.PROXY_IP + ":8080");
        t.start("frontserver1", "frontserver", "127.0.20.21", "--http", "127.0.20.21:8080");
        t.start("appserver1", "appserver", "127.0.20.31", "--http", "127.0.20.31:8080");
        List<String> first = List.of("dnsserver1", "proxyserver1", "frontserver1", "appserver1");
        assertTrue(Topology.until(() -> allAlive(t, first, first), FORM), "the first four form one cluster");
        assertTrue(Topology.until(() -> curl().equals("Hello frontserver1, I'm appserver1 !"), FORM),
                "curl through the proxy: " + curl());
        assertEquals(Set.of(Topology.DNS_IP), dig("dns.service.grapevine"));
        assertEquals(Set.of(Topology.PROXY_IP), dig("proxy.service.grapevine"));
        assertEquals(Set.of("127.0.20.21"), dig("front.service.grapevine"));
        assertEquals(Set.of("127.0.20.31"), dig("app.service.grapevine"));
        assertEquals(Set.of("127.0.20.31"), dig("appserver1.node.grapevine"));

        // Scaling up: start processes, touch nothing else.
        t.start("frontserver2", "frontserver", "127.0.20.22", "--http", "127.0.20.22:8080");
        // This one joins through a name that the cluster's own DNS server answers from the membership.
        t.start("appserver2", "appserver", "127.0.20.32", "--http", "127.0.20.32:8080",
                "--join", "dns.service.grapevine:7946", "--resolver", Topology.DNS_IP + ":" + Topology.DNS_PORT);
        t.start("appserver3", "appserver", "127.0.20.33", "--http", "127.0.20.33:8080");
        List<String> all = List.of("dnsserver1", "proxyserver1", "frontserver1", "frontserver2", "appserver1",
                "appserver2", "appserver3");
        long started = System.nanoTime();
        Set<String> answers = new TreeSet<>();
        assertTrue(Topology.until(() -> {
            answers.add(curl());
            return answers.containsAll(combinations(2, 3));
        }, FORM), "new fronts and apps receive traffic: " + answers);
        long spreadMillis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("every new front and app answered %d ms after they were started%n", spreadMillis);
        assertEquals(Set.of("127.0.20.31", "127.0.20.32", "127.0.20.33"), dig("app.service.grapevine"));
        assertEquals(Set.of("127.0.20.21", "127.0.20.22"), dig("front.service.grapevine"));
        assertTrue(Topology.until(() -> allAlive(t, all, all), FORM), "every node sees all seven alive");

        try (HeadlessChromium page = chromium(dir)) {
            if (page != null) {
                assertTrue(Topology.until(() -> pageStatuses(page).keySet().containsAll(all), FORM),
                        "the live page lists every member: " + pageStatuses(page));
            }

            // Scaling down while a client sends requests all along.
            List<String> failures = new CopyOnWriteArrayList<>();
            int[] sent = new int[1];
            Thread client = new Thread(() -> clientLoop(400, failures, sent), "e2e-client");
            client.start();
            Thread.sleep(1500);
            t.stop("appserver2");
            Thread.sleep(1500);
            t.kill("appserver3");
            Thread.sleep(1500);
            t.stop("frontserver2");
            client.join(Duration.ofMinutes(5).toMillis());
            assertEquals(400, sent[0], "the client sent every request");
            assertEquals(List.of(), failures, "no request dropped while two apps and a front went away");
            assertTrue(t.exited("appserver2", Duration.ofSeconds(30)) && t.exitCode("appserver2") == 0,
                    "appserver2 left and stopped by itself on SIGTERM (exit 0)");
            assertTrue(t.exited("frontserver2", Duration.ofSeconds(30)), "frontserver2 stopped by itself on SIGTERM");

            // The failed member disappears from DNS and shows failed on every node; the others left.
            List<String> remaining = List.of("dnsserver1", "proxyserver1", "frontserver1", "appserver1");
            assertTrue(Topology.until(() -> remaining.stream().allMatch(n -> {
                Map<String, String> m = t.members(n);
                return "failed".equals(m.get("appserver3")) && "left".equals(m.get("appserver2"))
                        && "left".equals(m.get("frontserver2"));
            }), FORM), "every node sees appserver3 failed, appserver2 and frontserver2 left: "
                    + remaining.stream().map(n -> n + "=" + t.members(n)).toList());
            assertEquals(Set.of("127.0.20.31"), dig("app.service.grapevine"));
            assertEquals(Set.of("127.0.20.21"), dig("front.service.grapevine"));
            assertEquals(Set.of(), dig("appserver3.node.grapevine"), "a failed member's node name is gone too");
            JsonNode members = t.membersJson("proxyserver1");
            for (JsonNode m : members) {
                assertTrue(m.has("name") && m.has("address") && m.has("port") && m.has("status")
                        && m.get("tags").isObject(), "member fields: " + m);
            }
            assertEquals("Hello frontserver1, I'm appserver1 !", curl());

            if (page != null) {
                assertTrue(Topology.until(() -> {
                    Map<String, String> s = pageStatuses(page);
                    return "left".equals(s.get("appserver2")) && "failed".equals(s.get("appserver3"))
                            && "left".equals(s.get("frontserver2")) && "alive".equals(s.get("appserver1"));
                }, FORM), "the page updated itself as members went away: " + pageStatuses(page));
            }
        }
    }

    /** Sends {@code count} requests through the proxy one after another; records any that is not a hello. */
    private static void clientLoop(int count, List<String> failures, int[] sent) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (int i = 0; i < count; i++) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://" + Topology.PROXY_IP + ":8080/hello")).timeout(Duration.ofSeconds(30))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200 || !HELLO.matcher(r.body()).matches()) {
                    failures.add(i + ": " + r.statusCode() + " " + r.body());
                }
            } catch (IOException e) {
                failures.add(i + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            sent[0] = i + 1;
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Set<String> combinations(int fronts, int apps) {
        Set<String> out = new HashSet<>();
        for (int f = 1; f <= fronts; f++) {
            for (int a = 1; a <= apps; a++) {
                out.add("Hello frontserver" + f + ", I'm appserver" + a + " !");
            }
        }
        return out;
    }

    private static boolean allAlive(Topology t, List<String> observers, List<String> expected) {
        for (String o : observers) {
            Map<String, String> m = t.members(o);
            if (!expected.stream().allMatch(n -> "alive".equals(m.get(n)))) {
                return false;
            }
        }
        return true;
    }

    /** The body of a real curl through the proxy, or what went wrong. */
    private static String curl() {
        return run("curl", "-s", "--max-time", "10", "-w", "", "http://" + Topology.PROXY_IP + ":8080/hello");
    }

    /** The A records real dig gets for {@code name} from the DNS server. */
    private static Set<String> dig(String name) {
        String out = run("dig", "+short", "+time=3", "+tries=2", "@" + Topology.DNS_IP, "-p",
                Integer.toString(Topology.DNS_PORT), name, "A");
        Set<String> ips = new TreeSet<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                ips.add(line.trim());
            }
        }
        return ips;
    }

    private static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            return "(" + Arrays.toString(cmd) + " failed: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** The live page in headless Chromium, or null (with a message) when Chromium is not installed. */
    private static HeadlessChromium chromium(Path dir) throws IOException, InterruptedException {
        if (!Files.isExecutable(HeadlessChromium.BINARY)) {
            System.out.println("SKIPPED the /ui part: Chromium is not installed (apt-get install chromium)");
            return null;
        }
        return HeadlessChromium.open("http://" + Topology.PROXY_IP + ":8500/ui", dir);
    }

    /** Member name to status as the page shows them now. */
    private static Map<String, String> pageStatuses(HeadlessChromium page) {
        try {
            String json = page.evaluate("JSON.stringify(Object.fromEntries([...document.querySelectorAll("
                    + "'tr.member')].map(r => [r.dataset.name, r.dataset.status])))");
            Map<String, String> out = new java.util.TreeMap<>();
            JSON.readTree(json.isEmpty() ? "{}" : json).fields().forEachRemaining(e -> out.put(e.getKey(),
                    e.getValue().asText()));
            return out;
        } catch (Exception e) {
            return Map.of("(error)", e.toString());
        }
    }
}
