package dev.grapevine.samples.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The sample processes of an end-to-end test: each role server's jar started with {@code java -jar} on its own
 * 127.0.20.N address (gossip on 7946, admin API on 8500, HTTP on 8080), all in one encrypted cluster; the
 * DNS server on 127.0.20.10:8600. Every process is killed on {@link #close()}.
 */
final class Topology implements AutoCloseable {

    static final String DNS_IP = "127.0.20.10";
    static final int DNS_PORT = 8600;
    static final String PROXY_IP = "127.0.20.11";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path samples;
    private final Path logs;
    private final String key = Base64.getEncoder().encodeToString(randomKey());
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, String> ips = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    Topology(Path samples, Path logs) {
        this.samples = samples;
        this.logs = logs;
    }

    private static byte[] randomKey() {
        byte[] k = new byte[32];
        new java.security.SecureRandom().nextBytes(k);
        return k;
    }

    static Path jar(Path samples, String role) {
        return samples.resolve(role).resolve("target").resolve(role + ".jar");
    }

    /** What an end-to-end test does with its topology. */
    @FunctionalInterface
    interface Scenario {
        void run(Topology t) throws Exception;
    }

    /**
     * Runs {@code scenario} on a new topology of the packaged jars of {@code roles} (the samples folder is the
     * test's working directory's parent), with every process's log in the failure message, and kills every
     * process at the end.
     */
    static void run(Path logs, List<String> roles, Scenario scenario) throws Exception {
        Path samples = Path.of(System.getProperty("user.dir")).getParent();
        for (String role : roles) {
            if (!Files.exists(jar(samples, role))) {
                throw new AssertionError("the packaged jar of " + role + " is missing (run after package)");
            }
        }
        try (Topology t = new Topology(samples, logs)) {
            try {
                scenario.run(t);
            } catch (AssertionError | Exception e) {
                throw new AssertionError(e.getMessage() + "\nlogs:" + t.logs(), e);
            }
        }
    }

    /** Starts {@code name} (a {@code role} jar) on {@code ip}, joining through the DNS server's address unless
     * {@code extra} has a {@code --join} of its own. */
    void start(String name, String role, String ip, String... extra) throws IOException {
        start(name, role, ip, !ip.equals(DNS_IP) && !List.of(extra).contains("--join"), extra);
    }

    /** Starts {@code name} joining nobody (the first node of a cluster); others join it with {@code --join}. */
    void startSeed(String name, String role, String ip, String... extra) throws IOException {
        start(name, role, ip, false, extra);
    }

    private void start(String name, String role, String ip, boolean joinDns, String... extra) throws IOException {
        // As samples/role.sh starts a role: the shipped JVM options, the role's own, its AppCDS archive if built.
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "@" + samples.resolve("jvm.options")));
        Path roleOptions = samples.resolve(role).resolve("jvm.options");
        if (Files.exists(roleOptions)) {
            cmd.add("@" + roleOptions);
        }
        Path archive = samples.resolve(role).resolve("target").resolve(role + ".jsa");
        if (Files.exists(archive)) {
            cmd.add("-XX:SharedArchiveFile=" + archive);
        }
        cmd.addAll(List.of("-jar", jar(samples, role).toString(),
                "--name", name, "--bind", ip + ":7946", "--admin", ip + ":8500", "--key", key, "--cluster", "e2e"));
        if (joinDns) {
            cmd.addAll(List.of("--join", DNS_IP + ":7946"));
        }
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(logs.resolve(name + ".log").toFile()).start();
        processes.put(name, p);
        ips.put(name, ip);
    }

    /** SIGTERM: the process leaves the cluster gracefully. */
    void stop(String name) {
        processes.get(name).destroy();
    }

    /** Sends {@code signal} (HUP, INT, TERM...) to {@code name}'s process (the shell's {@code kill -s}). */
    void signal(String name, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("/bin/sh", "-c", "kill -s " + signal + " " + processes.get(name).pid())
                .redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -s " + signal + " " + name + " failed");
        }
    }

    /** {@code POST path} on {@code name}'s admin API with {@code body}; the status code. */
    int post(String name, String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + ip(name) + ":8500" + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** SIGKILL. */
    void kill(String name) throws InterruptedException {
        processes.get(name).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    boolean exited(String name, Duration within) throws InterruptedException {
        return processes.get(name).waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
    }

    int exitCode(String name) {
        return processes.get(name).exitValue();
    }

    String ip(String name) {
        return ips.get(name);
    }

    /** Names of the processes still running. */
    List<String> running() {
        return processes.entrySet().stream().filter(e -> e.getValue().isAlive()).map(Map.Entry::getKey).toList();
    }

    /** {@code GET /v1/members} of {@code name}'s admin API: member name to status; empty when it does not answer. */
    Map<String, String> members(String name) {
        Map<String, String> out = new TreeMap<>();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://" + ip(name) + ":8500/v1/members")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                for (JsonNode m : JSON.readTree(r.body())) {
                    out.put(m.get("name").asText(), m.get("status").asText());
                }
            }
        } catch (IOException e) {
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /** The full {@code GET /v1/members} answer of {@code name}, parsed. */
    JsonNode membersJson(String name) throws IOException, InterruptedException {
        return JSON.readTree(http.send(HttpRequest.newBuilder(
                URI.create("http://" + ip(name) + ":8500/v1/members")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    /** The log of {@code name}, for failure messages. */
    String log(String name) {
        try {
            String all = Files.readString(logs.resolve(name + ".log"), StandardCharsets.UTF_8);
            return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    String logs() {
        StringBuilder sb = new StringBuilder();
        processes.keySet().forEach(n -> sb.append("\n--- ").append(n).append(" ---\n").append(log(n)));
        return sb.toString();
    }

    static boolean until(BooleanSupplier condition, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Override
    public void close() {
        processes.values().forEach(Process::destroyForcibly);
        for (Process p : processes.values()) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
