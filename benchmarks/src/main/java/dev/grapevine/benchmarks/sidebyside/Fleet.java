package dev.grapevine.benchmarks.sidebyside;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * N cluster nodes run as child processes, their output read line by line into {@link Observations}; one
 * subclass per system. Every process it starts is killed on {@link #close()}.
 */
abstract class Fleet implements AutoCloseable {

    /** Size of the cluster. */
    final int n;
    /** The first gossip port (7946 unless a test moves it out of the way). */
    final int port;
    /** What the nodes said. */
    final Observations obs = new Observations();
    private final BufferedWriter log;
    private final List<Process> processes = new ArrayList<>();
    private final List<Thread> pumps = new ArrayList<>();

    /**
     * @param n       number of nodes
     * @param port    the first gossip port
     * @param logFile where every line read is kept, stamped with its arrival time
     */
    Fleet(int n, int port, Path logFile) throws IOException {
        this.n = n;
        this.port = port;
        Files.createDirectories(logFile.getParent());
        this.log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
    }

    /** A short label: serf, grapevine-jvm, grapevine-embedded. */
    abstract String label();

    /** The name of node {@code i} (1-based). */
    abstract String name(int i);

    /** The gossip address of node {@code i}, host:port. */
    abstract String address(int i);

    /** Starts every node, not yet joined; returns when all are ready. */
    abstract void start() throws Exception;

    /** Asks nodes 2..n to join node 1, all at once. */
    abstract void joinAll() throws Exception;

    /** Node {@code from} sends user event {@code name}; the sender reports "sending NAME". */
    abstract void event(int from, String name) throws Exception;

    /** Node {@code i} stops dead, with no goodbye. */
    abstract void crash(int i) throws Exception;

    /** Node {@code i} leaves gracefully. */
    abstract void leave(int i) throws Exception;

    /**
     * The fact prefix of a user event handed to the application (once per copy delivered, duplicates
     * included): Grapevine reports each listener call as "event NAME".
     */
    String deliveryFact() {
        return "event ";
    }

    /** Turns one line of a node's output into facts. */
    abstract void parse(String node, String line, long arrivalMicros);

    /** The processes whose CPU and memory the nodes cost. */
    List<Process> processes() {
        synchronized (processes) {
            return List.copyOf(processes);
        }
    }

    /** Starts a long-lived node process whose output is parsed as node {@code node}'s. */
    Process spawn(List<String> command, String node) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        synchronized (processes) {
            processes.add(p);
        }
        Thread pump = new Thread(() -> pump(p, node), "pump-" + node);
        pump.setDaemon(true);
        pump.start();
        pumps.add(pump);
        return p;
    }

    /**
     * Runs a short command (a CLI call) to completion; fails on a non-zero exit with the command's output in
     * the message.
     */
    static void run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        java.util.concurrent.CompletableFuture<String> output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                return e.toString();
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        if (p.exitValue() != 0) {
            throw new IOException("exit " + p.exitValue() + ": " + String.join(" ", command) + ": "
                    + output.getNow("(no output)"));
        }
    }

    private void pump(Process p, String node) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                long t = Observations.nowMicros();
                parse(node, line, t);
                synchronized (log) {
                    log.write(t + "\t" + node + "\t" + line);
                    log.newLine();
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** True when every node in {@code nodes} has reported {@code fact}. */
    boolean allSaw(List<Integer> nodes, String fact) {
        return nodes.stream().allMatch(i -> obs.at(name(i), fact) != null);
    }

    /** True when every node has seen every other node join. */
    boolean converged() {
        for (int o = 1; o <= n; o++) {
            for (int s = 1; s <= n; s++) {
                if (s != o && obs.at(name(o), "joined " + name(s)) == null) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The newest membership verb (joined, failed, left) each observer reported about each subject, from the
     * timeline: observer to subject to verb.
     */
    java.util.Map<String, java.util.Map<String, String>> views() {
        java.util.Map<String, java.util.Map<String, String>> v = new java.util.HashMap<>();
        for (Observations.Fact f : obs.timeline()) {
            int sp = f.fact().indexOf(' ');
            if (sp > 0) {
                String verb = f.fact().substring(0, sp);
                if (verb.equals("joined") || verb.equals("failed") || verb.equals("left")) {
                    v.computeIfAbsent(f.observer(), k -> new java.util.HashMap<>()).put(f.fact().substring(sp + 1), verb);
                }
            }
        }
        return v;
    }

    /** True when each of {@code observers} has every other of {@code subjects} as joined (alive) now. */
    boolean allAlive(List<Integer> observers, List<Integer> subjects) {
        java.util.Map<String, java.util.Map<String, String>> v = views();
        for (int o : observers) {
            java.util.Map<String, String> mine = v.getOrDefault(name(o), java.util.Map.of());
            for (int s : subjects) {
                if (s != o && !"joined".equals(mine.get(name(s)))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Polls {@code done} every 20 ms until it holds or {@code seconds} pass; returns whether it held. */
    static boolean await(BooleanSupplier done, double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Nodes 1..n less the ones given. */
    List<Integer> allBut(int... excluded) {
        List<Integer> out = new ArrayList<>();
        outer:
        for (int i = 1; i <= n; i++) {
            for (int x : excluded) {
                if (x == i) {
                    continue outer;
                }
            }
            out.add(i);
        }
        return out;
    }

    /** Kills every process (SIGKILL) and waits for them. */
    @Override
    public void close() throws IOException {
        for (Process p : processes()) {
            p.destroyForcibly();
        }
        for (Process p : processes()) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Thread t : pumps) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (log) {
            log.close();
        }
    }
}
