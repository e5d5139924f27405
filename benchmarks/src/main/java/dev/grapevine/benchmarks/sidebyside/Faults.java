package dev.grapevine.benchmarks.sidebyside;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Faults on this machine's real network stack, for one run: one nftables table of its own (never another
 * table, never the ruleset), dropping packets at the input hook so that senders see no error, and pauses of
 * processes with SIGSTOP and SIGCONT.
 *
 * <p>Each fault is one rule in the table's {@code faults} chain, matched on IP addresses only, so it covers a
 * node's UDP and its TCP alike (as long as the node's streams leave from its own address: Grapevine's do;
 * Serf's leave from 127.0.0.1, which {@link #sourceAs} rewrites). A fault returns a {@link Rule} that
 * {@link #remove(Rule) removes} just it; {@link #clear()} removes them all; {@link #close()} deletes the
 * table (idempotent; also on JVM exit through a shutdown hook).
 *
 * <p>The rule text comes from pure static methods ({@link #lossRule}, {@link #partitionRule}, ...) so that it
 * can be tested without root.
 */
final class Faults implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Faults.class);

    /** The default table name. */
    static final String TABLE = "grapevine_fault";
    private static final Pattern HANDLE = Pattern.compile("# handle (\\d+)");

    private final String table;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook;

    /** One installed rule, to remove. */
    record Rule(String chain, String text, long handle) {
    }

    /**
     * Creates table {@code inet TABLE} (after deleting a leftover of the same name from a killed run).
     *
     * @throws IOException when nft is missing or refuses (not root)
     */
    Faults(String table) throws IOException {
        this.table = table;
        nft(deleteTable(table), true);
        if (!nft(createTable(table), false)) {
            throw new IOException("cannot create nftables table " + table + " (needs nft and root)");
        }
        hook = new Thread(this::deleteTable, "faults-cleanup-" + table);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** With the default table name. */
    Faults() throws IOException {
        this(TABLE);
    }

    /**
     * Why faults cannot be injected here, or null when they can: nft must be on the PATH and this process
     * root.
     */
    static String unavailable() {
        boolean nft = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "nft")));
        if (!nft) {
            return "nft is not on the PATH (install Debian's nftables)";
        }
        if (!isRoot()) {
            return "not root: nftables rules need root (run as root, with Debian's nftables installed)";
        }
        return null;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // effective uid
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return false;
    }

    // ---- rule text (pure) ----

    /** The script creating the table: an input chain for the drops, a nat chain for {@link #sourceAs}. */
    static String createTable(String table) {
        return "table inet " + table + " {\n"
                + "  chain faults {\n    type filter hook input priority -10; policy accept;\n  }\n"
                + "  chain source {\n    type nat hook postrouting priority 90; policy accept;\n  }\n"
                + "}\n";
    }

    /** The script deleting the table. */
    static String deleteTable(String table) {
        return "delete table inet " + table + "\n";
    }

    /** An nft set of addresses: {@code { a, b }}, or the address alone. */
    static String set(Collection<String> addresses) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no addresses");
        }
        for (String a : addresses) {
            if (!a.matches("\\d{1,3}(\\.\\d{1,3}){3}(/\\d{1,2})?")) {
                throw new IllegalArgumentException("not an IPv4 address: " + a);
            }
        }
        return addresses.size() == 1 ? addresses.iterator().next() : "{ " + String.join(", ", addresses) + " }";
    }

    /** The drop verdict of {@code percent} % of the packets matched (100: all), counting what it drops. */
    static String drop(int percent) {
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException("percent must be 1..100: " + percent);
        }
        return percent == 100 ? "counter drop" : "numgen random mod 100 < " + percent + " counter drop";
    }

    /** Drops {@code percent} % of the packets from any of {@code from} to any of {@code to}. */
    static String lossRule(Collection<String> from, Collection<String> to, int percent) {
        return "ip saddr " + set(from) + " ip daddr " + set(to) + " " + drop(percent);
    }

    /** Drops {@code percent} % of what {@code node} sends, to anyone (its outbound traffic). */
    static String outboundRule(String node, int percent) {
        return "ip saddr " + set(List.of(node)) + " " + drop(percent);
    }

    /** Drops {@code percent} % of what {@code node} receives, from anyone (its inbound traffic). */
    static String inboundRule(String node, int percent) {
        return "ip daddr " + set(List.of(node)) + " " + drop(percent);
    }

    /** Cuts every packet from {@code a} to {@code b} (one direction: the asymmetric partition). */
    static String partitionRule(Collection<String> a, Collection<String> b) {
        return lossRule(a, b, 100);
    }

    /**
     * The nat rule making TCP connections that a process of user {@code uid} opens from 127.0.0.1 leave from
     * {@code address} instead, so that address rules cover them.
     */
    static String sourceRule(int uid, String address) {
        return "meta skuid " + uid + " ip saddr 127.0.0.1 meta l4proto tcp snat ip to " + set(List.of(address));
    }

    // ---- faults ----

    /** Random loss of {@code percent} % of the packets among {@code nodes} (every direction). */
    Rule loss(Collection<String> nodes, int percent) throws IOException {
        return add("faults", lossRule(nodes, nodes, percent));
    }

    /** Drops {@code percent} % of {@code node}'s outbound packets, its inbound left open. */
    Rule outbound(String node, int percent) throws IOException {
        return add("faults", outboundRule(node, percent));
    }

    /** Drops {@code percent} % of {@code node}'s inbound packets, its outbound left open. */
    Rule inbound(String node, int percent) throws IOException {
        return add("faults", inboundRule(node, percent));
    }

    /** Cuts {@code a} from {@code b} both ways; two rules. */
    List<Rule> partition(Collection<String> a, Collection<String> b) throws IOException {
        return List.of(add("faults", partitionRule(a, b)), add("faults", partitionRule(b, a)));
    }

    /** Cuts what {@code a} sends to {@code b}; {@code b} to {@code a} stays open. */
    Rule cut(Collection<String> a, Collection<String> b) throws IOException {
        return add("faults", partitionRule(a, b));
    }

    /** Cuts {@code node} off from everyone, both directions; two rules. */
    List<Rule> isolate(String node) throws IOException {
        return List.of(add("faults", outboundRule(node, 100)), add("faults", inboundRule(node, 100)));
    }

    /** TCP that user {@code uid}'s processes open from 127.0.0.1 leaves from {@code address} (see {@link #sourceRule}). */
    Rule sourceAs(int uid, String address) throws IOException {
        return add("source", sourceRule(uid, address));
    }

    /** Removes one rule. */
    void remove(Rule r) throws IOException {
        if (!nft("delete rule inet " + table + " " + r.chain() + " handle " + r.handle() + "\n", false)) {
            throw new IOException("cannot remove rule " + r);
        }
    }

    /** Removes rules. */
    void remove(Collection<Rule> rules) throws IOException {
        for (Rule r : rules) {
            remove(r);
        }
    }

    /** Removes every fault (the {@link #sourceAs} rules stay). */
    void clear() throws IOException {
        if (!nft("flush chain inet " + table + " faults\n", false)) {
            throw new IOException("cannot flush chain faults of " + table);
        }
    }

    /** Packets dropped so far by the faults in place (removed rules no longer count). */
    long dropped() throws IOException {
        long sum = 0;
        Matcher m = Pattern.compile("counter packets (\\d+)").matcher(list());
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
        }
        return sum;
    }

    /** The table as nft lists it (for logs). */
    String list() throws IOException {
        return run(List.of("nft", "list", "table", "inet", table)).output();
    }

    private Rule add(String chain, String rule) throws IOException {
        if (closed.get()) {
            throw new IllegalStateException("closed");
        }
        Run r = run(List.of("nft", "-e", "-a", "add", "rule", "inet", table, chain, rule));
        Matcher m = HANDLE.matcher(r.output());
        if (r.rc() != 0 || !m.find()) {
            throw new IOException("nft refused '" + rule + "': " + r.output().trim());
        }
        LOG.debug("{}: {} (handle {})", table, rule, m.group(1));
        return new Rule(chain, rule, Long.parseLong(m.group(1)));
    }

    /** Deletes the table; idempotent. */
    @Override
    public void close() {
        deleteTable();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already
        }
    }

    private void deleteTable() {
        if (closed.compareAndSet(false, true)) {
            try {
                nft(deleteTable(table), false);
            } catch (IOException e) {
                LOG.warn("nftables table {} not removed: {}", table, e.toString());
            }
        }
    }

    // ---- processes ----

    /** Stops process {@code pid} dead (SIGSTOP): it neither runs nor answers until {@link #resume}. */
    static void pause(long pid) throws IOException {
        signal("STOP", pid);
    }

    /** Lets a paused process run again (SIGCONT). */
    static void resume(long pid) throws IOException {
        signal("CONT", pid);
    }

    private static void signal(String sig, long pid) throws IOException {
        if (ProcessHandle.of(pid).isEmpty()) {
            throw new IOException("no process " + pid);
        }
        Run r = run(List.of("kill", "-" + sig, Long.toString(pid)));
        if (r.rc() != 0) {
            throw new IOException("kill -" + sig + " " + pid + ": " + r.output().trim());
        }
    }

    /** Whether process {@code pid} is stopped, from {@code /proc/PID/stat} (state T). */
    static boolean stopped(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    // ---- running nft ----

    private record Run(int rc, String output) {
    }

    private static Run run(List<String> command) throws IOException {
        return run(command, null);
    }

    private static Run run(List<String> command, String input) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (input != null) {
                p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", command));
            }
            return new Run(p.exitValue(), out);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    /** Runs an nft script; false (logged unless {@code quiet}) when nft refuses it. */
    static boolean nft(String script, boolean quiet) throws IOException {
        Run r = run(List.of("nft", "-f", "-"), script);
        if (r.rc() != 0 && !quiet) {
            LOG.warn("nft failed ({}): {}", r.rc(), r.output().trim());
        }
        return r.rc() == 0;
    }
}
