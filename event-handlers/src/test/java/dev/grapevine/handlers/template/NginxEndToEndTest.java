package dev.grapevine.handlers.template;

import com.sun.net.httpserver.HttpServer;
import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipConfig;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import dev.grapevine.transport.NetworkRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static dev.grapevine.handlers.template.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real thing: nginx (the Debian package) balances over an upstream rendered from a live Grapevine cluster
 * on loopback (real UDP and TCP on 127.0.9.x), while members join and one is killed. Skipped when nginx is
 * not installed; CI installs it.
 */
class NginxEndToEndTest {

    private static final int GOSSIP_PORT = 17946;
    private static final int HTTP_PORT = 18080;
    private static final String NGINX_LISTEN = "127.0.9.1:18090";
    private static final String LB_ADDRESS = "127.0.9.10";
    /** LAN timings: patient enough that a busy 2-core machine sees no false failure to spoil the counts. */
    private static final GossipConfig CONFIG = GossipConfig.lan();
    private static final TemplateWait WAIT = new TemplateWait(Duration.ofSeconds(2), Duration.ofSeconds(20));
    private static final Duration LONG = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    private static Path nginx;
    private static boolean nginxStarted;

    private static final NetworkRuntime RUNTIME = NetworkRuntime.create("nginx-e2e");
    private static final List<GossipNode> NODES = new CopyOnWriteArrayList<>();
    private static final Map<String, HttpServer> SERVERS = new LinkedHashMap<>();
    private static TemplateWatcher watcher;

    @BeforeAll
    static void findNginx() {
        nginx = Tools.find("nginx").orElse(null);
        assumeTrue(nginx != null, "nginx is not installed (apt-get install nginx-light or nginx): end-to-end test skipped");
    }

    @AfterAll
    static void stopAll() throws Exception {
        try {
            if (watcher != null) {
                watcher.close();
            }
            if (nginxStarted) {
                Tools.run(dir.resolve("nginx.out"), nginxCommand("-s", "quit"));
                Path pid = dir.resolve("nginx.pid");
                await(() -> !Files.exists(pid), Duration.ofSeconds(10));
            }
        } finally {
            SERVERS.values().forEach(s -> s.stop(0));
            NODES.forEach(GossipNode::close);
            RUNTIME.close();
        }
    }

    private static String[] nginxCommand(String... more) {
        List<String> cmd = new ArrayList<>(List.of(nginx.toString(), "-e", dir.resolve("error.log").toString(),
                "-p", dir + "/", "-c", dir.resolve("nginx.conf").toString()));
        cmd.addAll(List.of(more));
        return cmd.toArray(String[]::new);
    }

    private static String shell(String[] command) {
        return java.util.Arrays.stream(command).map(a -> "'" + a + "'").collect(Collectors.joining(" "));
    }

    private static void writeNginxConf() throws IOException {
        Files.writeString(dir.resolve("nginx.conf"), """
                pid %1$s/nginx.pid;
                error_log %1$s/error.log notice;
                worker_processes 1;
                events { worker_connections 256; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/client_body_temp;
                    proxy_temp_path %1$s/proxy_temp;
                    fastcgi_temp_path %1$s/fastcgi_temp;
                    uwsgi_temp_path %1$s/uwsgi_temp;
                    scgi_temp_path %1$s/scgi_temp;
                    keepalive_timeout 0;
                    include %1$s/upstream.conf;
                    server {
                        listen %2$s;
                        location / {
                            proxy_pass http://front;
                            proxy_next_upstream error timeout;
                            proxy_connect_timeout 2s;
                        }
                    }
                }
                """.formatted(dir, NGINX_LISTEN));
        // Until the watcher renders: nginx needs an upstream with a server to start.
        Files.writeString(dir.resolve("upstream.conf"), "upstream front { server 127.0.0.1:1 down; }\n");
    }

    /** A member with role=front: an HTTP server answering its name, and a gossip node on 127.0.9.{@code host}. */
    private static GossipNode startFront(String name, int host) throws Exception {
        String ip = "127.0.9." + host;
        HttpServer server = HttpServer.create(new InetSocketAddress(ip, HTTP_PORT), 0);
        server.createContext("/", exchange -> {
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        SERVERS.put(name, server);
        GossipNode node = GossipNode.builder().name(name).bind(new InetSocketAddress(ip, GOSSIP_PORT))
                .tag("role", "front").tag("http.port", Integer.toString(HTTP_PORT))
                .config(CONFIG).runtime(RUNTIME).start();
        NODES.add(node);
        node.join(LB_ADDRESS + ":" + GOSSIP_PORT).get(10, TimeUnit.SECONDS);
        return node;
    }

    /** Kills a member: its HTTP server stops, its node closes without leaving (others detect a failure). */
    private static void kill(String name, GossipNode node) {
        SERVERS.remove(name).stop(1);
        node.close();
    }

    /** Whether {@code seen} holds an event of {@code type} about member {@code name}. */
    private static boolean saw(List<ClusterEvent> seen, Class<? extends ClusterEvent.MemberEvent> type, String name) {
        return seen.stream().anyMatch(e -> type.isInstance(e)
                && ((ClusterEvent.MemberEvent) e).member().name().equals(name));
    }

    private static Set<String> alive(GossipNode n) {
        return n.members().stream().filter(m -> m.status() == MemberStatus.ALIVE).map(Member::name)
                .collect(Collectors.toSet());
    }

    /** Sends requests through nginx one after another until stopped; bounded in count and time. */
    private static final class Client implements Runnable {
        private static final int MAX_REQUESTS = 20_000;
        private static final Duration MAX_TIME = Duration.ofMinutes(4);

        final List<String> served = new CopyOnWriteArrayList<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicBoolean stop = new AtomicBoolean();
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        private final HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + NGINX_LISTEN + "/"))
                .timeout(Duration.ofSeconds(10)).build();

        @Override
        public void run() {
            long end = System.nanoTime() + MAX_TIME.toNanos();
            for (int i = 0; i < MAX_REQUESTS && !stop.get() && System.nanoTime() - end < 0; i++) {
                try {
                    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        served.add(r.body());
                    } else {
                        failures.add("HTTP " + r.statusCode() + " after " + served.size() + " ok");
                    }
                    Thread.sleep(10);
                } catch (IOException e) {
                    failures.add(e + " after " + served.size() + " ok");
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** How many requests after the {@code from}-th went to {@code name}. */
        long servedBy(String name, int from) {
            List<String> s = served;
            return s.subList(Math.min(from, s.size()), s.size()).stream().filter(name::equals).count();
        }
    }

    @Test
    void nginxFollowsTheClusterWithOneReloadPerBurstAndNoFailedRequest() throws Exception {
        writeNginxConf();
        Path reloadLog = dir.resolve("reloads.log");
        GossipNode lb = GossipNode.builder().name("lb").bind(new InetSocketAddress(LB_ADDRESS, GOSSIP_PORT))
                .tag("role", "proxy").config(CONFIG).runtime(RUNTIME).start();
        NODES.add(lb);
        Map<String, GossipNode> fronts = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            fronts.put("web-" + i, startFront("web-" + i, 20 + i));
        }
        assertTrue(await(() -> alive(lb).containsAll(fronts.keySet()), LONG), () -> "lb sees " + alive(lb));

        assertEquals(0, Tools.run(dir.resolve("nginx.out"), nginxCommand()), "nginx starts; see nginx.out");
        nginxStarted = true;
        assertTrue(await(() -> Files.exists(dir.resolve("nginx.pid")), LONG), "nginx wrote its pid");

        TemplateSpec spec = TemplateSpec.of(TemplateSpec.NGINX_UPSTREAM, dir.resolve("upstream.conf"))
                .withCheckCommand(shell(nginxCommand("-t", "-q")))
                .withCommand("echo reload >> '" + reloadLog + "' && " + shell(nginxCommand("-s", "reload")));
        // The watcher's clock runs, but the test holds it while it makes a burst: then however slowly this machine
        // goes, the quiet period cannot end inside the burst, and the burst makes one reload.
        HeldClock clock = HeldClock.running();
        watcher = TemplateWatcher.builder(spec).node(lb).wait(WAIT).clock(clock).start();
        // Added after the watcher's listener, and a node calls its listeners in order: an event seen here has
        // reached the watcher.
        List<ClusterEvent> seen = new CopyOnWriteArrayList<>();
        lb.addListener(seen::add);
        assertEquals(1, watcher.stats().reloads(), watcher::toString);
        String first = Files.readString(dir.resolve("upstream.conf"));
        for (int i = 0; i < 3; i++) {
            assertTrue(first.contains("server 127.0.9." + (20 + i) + ":" + HTTP_PORT + "; # web-" + i), first);
        }

        Client client = new Client();
        Thread clientThread = new Thread(client, "nginx-e2e-client");
        clientThread.start();
        try {
            assertTrue(await(() -> fronts.keySet().stream().allMatch(n -> client.servedBy(n, 0) > 0), LONG),
                    () -> "every member serves through nginx: " + client.served.size() + " " + client.failures);

            // Burst 1: two members join. One render writes, one reload.
            int beforeJoin = client.served.size();
            clock.hold();
            fronts.put("web-3", startFront("web-3", 23));
            fronts.put("web-4", startFront("web-4", 24));
            assertTrue(await(() -> saw(seen, ClusterEvent.MemberJoined.class, "web-3")
                    && saw(seen, ClusterEvent.MemberJoined.class, "web-4"), LONG), () -> "lb saw " + seen);
            clock.release(watcher);
            assertTrue(await(() -> watcher.stats().reloads() == 2, LONG), watcher::toString);
            String second = Files.readString(dir.resolve("upstream.conf"));
            assertTrue(second.contains("# web-3") && second.contains("# web-4"), second);
            assertTrue(await(() -> client.servedBy("web-3", beforeJoin) > 0 && client.servedBy("web-4", beforeJoin) > 0,
                    LONG), () -> "the new members serve through nginx after the reload: " + client.failures);
            assertEquals(2, watcher.stats().reloads(), () -> "one reload for the burst of joins: " + watcher);
            assertEquals(2, Files.readAllLines(reloadLog).size());

            // Burst 2: a member is killed. nginx retries its refused connections elsewhere until the re-render.
            // Had burst 1 reloaded twice, the counts would be one higher from here on.
            int beforeKill = client.served.size();
            clock.hold();
            kill("web-0", fronts.remove("web-0"));
            assertTrue(await(() -> saw(seen, ClusterEvent.MemberFailed.class, "web-0"), LONG), () -> "lb saw " + seen);
            clock.release(watcher);
            assertTrue(await(() -> watcher.stats().reloads() == 3, LONG), watcher::toString);
            assertFalse(Files.readString(dir.resolve("upstream.conf")).contains("# web-0"));
            int afterReload = client.served.size();
            assertTrue(await(() -> client.served.size() > afterReload + 100, LONG), "requests go on after the reload");
            assertEquals(3, watcher.stats().reloads(), () -> "one reload for the failure: " + watcher);
            assertEquals(3, Files.readAllLines(reloadLog).size());
            assertTrue(client.served.size() > beforeKill, "requests ran while the member was killed");
            for (String name : fronts.keySet()) {
                assertTrue(client.servedBy(name, afterReload) > 0, name + " still serves");
            }
        } finally {
            client.stop.set(true);
            clientThread.join(30_000);
        }
        assertEquals(List.of(), client.failures, "every request through nginx succeeded");
        assertEquals(0, watcher.stats().failures(), watcher::toString);
        assertTrue(client.served.size() > 200, "requests sent: " + client.served.size());
    }
}
