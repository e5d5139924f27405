package dev.grapevine.benchmarks.sidebyside;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Grapevine nodes run by {@link BenchNodes}: either one JVM per node on {@code 127.0.101.i:7946} (like one
 * Serf agent per process), or all N in one JVM on {@code 127.0.102.x} (the embedded case). Commands go to
 * the hosting process's standard input; a crash is {@code kill -9} of the node's JVM, or, embedded, the
 * node stopping without a leave.
 */
final class GrapevineFleet extends Fleet {

    private final boolean embedded;
    private final List<String> java;
    private final String key;
    private final boolean quietJoins;
    private final String base;
    private final List<Process> jvms = new ArrayList<>();
    private final List<PrintWriter> stdin = new ArrayList<>();

    /**
     * @param java       the java command and JVM options (the class path included), up to the main class
     * @param embedded   all nodes in one JVM
     * @param key        base64 encryption key, or null for plaintext
     * @param quietJoins leave out "joined" lines (the scale run watches the status instead)
     */
    GrapevineFleet(int n, int port, Path logFile, List<String> java, boolean embedded, String key,
                   boolean quietJoins) throws IOException {
        this(n, port, logFile, java, embedded, key, quietJoins, embedded ? "127.0.102" : "127.0.101");
    }

    /** ... on the addresses {@code base.1..N} (the first three octets given) instead of the default range. */
    GrapevineFleet(int n, int port, Path logFile, List<String> java, boolean embedded, String key,
                   boolean quietJoins, String base) throws IOException {
        super(n, port, logFile);
        this.java = java;
        this.embedded = embedded;
        this.key = key;
        this.quietJoins = quietJoins;
        this.base = base;
    }

    @Override
    String label() {
        return embedded ? "grapevine-embedded" : "grapevine-jvm";
    }

    @Override
    String name(int i) {
        return (embedded ? "e" : "g") + i;
    }

    private String base() {
        return base;
    }

    @Override
    String address(int i) {
        return BenchNodes.address(base(), port, i);
    }

    @Override
    void start() throws Exception {
        if (!embedded && n > 250) {
            throw new IllegalArgumentException("at most 250 JVMs (one per address of " + base + ".0/24)");
        }
        int processes = embedded ? 1 : n;
        for (int p = 0; p < processes; p++) {
            Process proc = spawn(nodeCommand(p + 1, embedded ? n : 1), "jvm" + (p + 1));
            jvms.add(proc);
            stdin.add(new PrintWriter(new OutputStreamWriter(proc.getOutputStream(), StandardCharsets.UTF_8), true));
        }
        if (!await(() -> allSaw(allBut(), "ready"), 120 + n)) {
            throw new IllegalStateException("Grapevine nodes not ready in " + (120 + n) + " s");
        }
    }

    /** The command line of a process hosting nodes {@code first..first+count-1}. */
    private List<String> nodeCommand(int first, int count) {
        List<String> cmd = new ArrayList<>(java);
        cmd.add(BenchNodes.class.getName());
        cmd.addAll(List.of("--prefix", embedded ? "e" : "g", "--base", base(), "--port", Integer.toString(port),
                "--first", Integer.toString(first), "--count", Integer.toString(count)));
        if (key != null) {
            cmd.addAll(List.of("--key", key));
        }
        if (quietJoins) {
            cmd.add("--quiet-joins");
        }
        return cmd;
    }

    /** Sends one command line to the process hosting node {@code i}. */
    private void command(int i, String line) {
        PrintWriter w = stdin.get(embedded ? 0 : i - 1);
        synchronized (w) {
            w.println(line);
        }
    }

    /** Asks the embedded process for the live-member counts; the answer lands in {@link Observations#status()}. */
    void askStatus() {
        command(1, "status");
    }

    @Override
    void joinAll() throws InterruptedException {
        joinPaced(0);
    }

    /** Asks nodes 2..n to join node 1, {@code perSecond} a second (0: all at once). */
    void joinPaced(int perSecond) throws InterruptedException {
        for (int i = 2; i <= n; i++) {
            command(i, "join " + i + " " + address(1));
            if (perSecond > 0) {
                Thread.sleep(1000L / perSecond);
            }
        }
    }

    @Override
    void event(int from, String name) {
        command(from, "event " + from + " " + name);
    }

    @Override
    void crash(int i) {
        if (embedded) {
            command(i, "crash " + i);
        } else {
            jvms.get(i - 1).destroyForcibly(); // SIGKILL
        }
    }

    @Override
    void leave(int i) {
        command(i, "leave " + i);
    }

    /** Node {@code i}'s JVM (one JVM per node), to pause; embedded, the one JVM of all nodes. */
    Process jvm(int i) {
        return jvms.get(embedded ? 0 : i - 1);
    }

    /** Whether all nodes share one JVM. */
    boolean embedded() {
        return embedded;
    }

    /** Asks node {@code i} for its protocol counters; each answers {@code stats ...} (see {@link BenchNodes}). */
    void askStats(int i) {
        command(i, "stats " + i);
    }

    /** Starts node {@code i} again after a crash, on the same address, and has it join node {@code seed}. */
    void restart(int i, int seed) throws IOException {
        if (embedded) {
            command(i, "restart " + i);
        } else {
            Process proc = spawn(nodeCommand(i, 1), "jvm" + i);
            jvms.set(i - 1, proc);
            stdin.set(i - 1, new PrintWriter(new OutputStreamWriter(proc.getOutputStream(), StandardCharsets.UTF_8), true));
        }
        command(i, "join " + i + " " + address(seed));
    }

    @Override
    void parse(String node, String line, long t) {
        if (!line.startsWith("@")) {
            return; // the library's own log lines
        }
        String[] w = line.split(" ", 4);
        if (w.length < 3) {
            return;
        }
        long own;
        try {
            own = Long.parseLong(w[0].substring(1));
        } catch (NumberFormatException e) {
            return;
        }
        if (w[2].equals("event") || w[2].equals("failed") || w[2].equals("left") || w[2].equals("sending")) {
            obs.lag(own, t); // only the lines that timings are taken from
        }
        if (w[2].equals("status") && w.length == 4) {
            String[] mm = w[3].split(" ");
            obs.status(Integer.parseInt(mm[0]), Integer.parseInt(mm[1]));
            return;
        }
        if (w[2].equals("stats") && w.length == 4) {
            String[] kv = w[3].split(" ");
            for (int k = 0; k + 1 < kv.length; k += 2) {
                obs.counter(w[1], kv[k], Long.parseLong(kv[k + 1]));
            }
            return;
        }
        obs.record(w[1], w.length == 4 ? w[2] + " " + w[3] : w[2], t);
    }
}
