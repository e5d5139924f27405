package dev.grapevine.benchmarks.sidebyside;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the kernel says: CPU time and RSS of processes (from {@code /proc}), the load average, and traffic
 * counted by nftables per address range.
 *
 * <p>Traffic: one nftables table ({@value #TABLE}, removed on {@link #close()}) with counters on the output
 * hook, which every loopback packet passes once. For each range it counts the UDP datagrams sent from the
 * range's gossip ports, and the TCP segments to or from them (both directions of every push-pull stream,
 * whichever address the connecting side used: Serf connects from 127.0.0.1). Bytes are IP lengths, headers
 * included (28 bytes per UDP datagram). The table only counts: it never drops or changes a packet.
 */
final class HostProbe implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HostProbe.class);
    static final String TABLE = "grapevine_bench";
    private static final long HZ = clockTicks();

    private final boolean counting;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Installs the counters for each range (a name and a CIDR such as {@code 127.0.100.0/24}) and the gossip
     * ports {@code port..port+3}; without ranges it counts nothing, and without nft or root rights it warns and
     * counts nothing.
     */
    HostProbe(Map<String, String> ranges, int port) {
        String ports = port + "-" + (port + 3);
        StringBuilder s = new StringBuilder("table inet " + TABLE + " {\n");
        ranges.keySet().forEach(k -> s.append("  counter ").append(k).append("_udp {}\n  counter ")
                .append(k).append("_tcp {}\n"));
        s.append("  chain out {\n    type filter hook output priority 0; policy accept;\n");
        ranges.forEach((k, cidr) -> s
                .append("    ip saddr ").append(cidr).append(" udp sport ").append(ports).append(" counter name ").append(k).append("_udp\n")
                .append("    ip saddr ").append(cidr).append(" tcp sport ").append(ports).append(" counter name ").append(k).append("_tcp\n")
                .append("    ip daddr ").append(cidr).append(" tcp dport ").append(ports).append(" tcp sport != ")
                        .append(ports).append(" counter name ")
                .append(k).append("_tcp\n"));
        s.append("  }\n}\n");
        boolean ok;
        if (ranges.isEmpty()) {
            counting = false;
            return;
        }
        try {
            nft("delete table inet " + TABLE + "\n", true);
            ok = nft(s.toString(), false);
        } catch (IOException | InterruptedException e) {
            ok = false;
        }
        if (!ok) {
            LOG.warn("nftables counters not installed (needs nft and root): traffic figures will be missing");
        }
        counting = ok;
    }

    private static boolean nft(String script, boolean quiet) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("nft", "-f", "-").redirectErrorStream(true).start();
        p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0 && !quiet) {
            LOG.warn("nft failed ({}): {}", rc, out.trim());
        }
        return rc == 0;
    }

    /** Counter name to {packets, bytes}; empty when not counting. */
    Map<String, long[]> counters() {
        Map<String, long[]> out = new HashMap<>();
        if (!counting) {
            return out;
        }
        try {
            Process p = new ProcessBuilder("nft", "list", "counters", "table", "inet", TABLE).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            String name = null;
            for (String line : text.split("\n")) {
                String t = line.trim();
                if (t.startsWith("counter ")) {
                    name = t.split("\\s+")[1];
                } else if (t.startsWith("packets ") && name != null) {
                    String[] w = t.split("\\s+");
                    out.put(name, new long[]{Long.parseLong(w[1]), Long.parseLong(w[3])});
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            LOG.warn("cannot read nft counters: {}", e.toString());
        }
        return out;
    }

    /** User plus system CPU seconds of the processes (those that are gone count zero). */
    static double cpuSeconds(List<Process> processes) {
        long ticks = 0;
        for (Process p : processes) {
            try {
                String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
                String[] w = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(w[11]) + Long.parseLong(w[12]); // utime, stime (fields 14 and 15)
            } catch (IOException e) {
                // gone
            }
        }
        return (double) ticks / HZ;
    }

    /** Resident set size of the processes, in KiB. */
    static long rssKiB(List<Process> processes) {
        long kib = 0;
        for (Process p : processes) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        kib += Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException e) {
                // gone
            }
        }
        return kib;
    }

    /** The one-minute load average. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
            return Long.parseLong(new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim());
        } catch (IOException | RuntimeException e) {
            return 100;
        }
    }

    /** Removes the nftables table; idempotent. */
    @Override
    public void close() {
        if (counting && closed.compareAndSet(false, true)) {
            try {
                nft("delete table inet " + TABLE + "\n", false);
            } catch (IOException | InterruptedException e) {
                LOG.warn("nft table {} not removed: {}", TABLE, e.toString());
            }
        }
    }
}
