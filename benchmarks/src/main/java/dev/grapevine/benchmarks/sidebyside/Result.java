package dev.grapevine.benchmarks.sidebyside;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The figures of one system at one cluster size. Times in seconds, NaN when not measured or when some node
 * never saw the change (then {@code *Missed} says how many).
 *
 * @param system       serf, grapevine-jvm or grapevine-embedded
 * @param n            nodes
 * @param join         from the first node's "joining" to every node having seen every other join
 * @param joinSpread   from the first "joining" to the last (how long issuing the joins took)
 * @param eventMedian  user event latency to the median receiver; median over the events
 * @param eventMax     user event latency to the last receiver; median over the events
 * @param failMedian   kill -9 to "failed" at the median survivor; median over the crashes
 * @param failMax      ... at the last survivor; median over the crashes
 * @param failMissed   survivors that never reported a failure in time, summed over the crashes
 * @param leaveMedian  graceful leave to "left" at the median remaining node; median over the leaves
 * @param leaveMax     ... at the last remaining node; median over the leaves
 * @param leaveMissed  remaining nodes that never reported a leave in time, summed over the leaves
 * @param cpuPct       idle CPU per node, percent of one core
 * @param rssMiB       resident memory per node
 * @param pkts         packets sent per node per second while idle (UDP and TCP)
 * @param bytes        IP bytes sent per node per second while idle (UDP and TCP)
 * @param udpPkts      UDP datagrams per node per second while idle
 * @param udpBytes     UDP IP bytes per node per second while idle
 * @param falseFailures "failed" lines about nodes that had not been killed, over the whole run
 * @param load         one-minute load average during the idle window
 * @param lagMaxMs     largest delay between a Grapevine node stamping a line and the harness reading it
 */
record Result(String system, int n, double join, double joinSpread, double eventMedian, double eventMax,
              double failMedian, double failMax, int failMissed, double leaveMedian, double leaveMax,
              int leaveMissed, double cpuPct, double rssMiB, double pkts, double bytes, double udpPkts,
              double udpBytes, int falseFailures, double load, double lagMaxMs) {

    /** The CSV header matching {@link #csv()}. */
    static final String CSV_HEADER = "system,n,join_s,join_spread_s,event_median_s,event_max_s,fail_median_s,"
            + "fail_max_s,fail_missed,leave_median_s,leave_max_s,leave_missed,idle_cpu_pct,rss_mib,pkts_per_s,"
            + "bytes_per_s,udp_pkts_per_s,udp_bytes_per_s,false_failures,load1,stamp_lag_max_ms";

    /** One CSV line. */
    String csv() {
        return String.format(Locale.ROOT, "%s,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%d,%.3f,%.3f,%d,%.3f,%.1f,%.2f,%.0f,"
                        + "%.2f,%.0f,%d,%.2f,%.1f", system, n, join, joinSpread, eventMedian, eventMax, failMedian,
                failMax, failMissed, leaveMedian, leaveMax, leaveMissed, cpuPct, rssMiB, pkts, bytes, udpPkts,
                udpBytes, falseFailures, load, lagMaxMs);
    }

    /** Reads back a line written by {@link #csv()}. */
    static Result fromCsv(String line) {
        String[] f = line.split(",");
        if (f.length != 21) {
            throw new IllegalArgumentException("expected 21 fields, found " + f.length + ": " + line);
        }
        double[] d = new double[f.length];
        for (int i = 2; i < f.length; i++) {
            d[i] = Double.parseDouble(f[i]);
        }
        return new Result(f[0], Integer.parseInt(f[1]), d[2], d[3], d[4], d[5], d[6], d[7], (int) d[8], d[9], d[10],
                (int) d[11], d[12], d[13], d[14], d[15], d[16], d[17], (int) d[18], d[19], d[20]);
    }

    /** The headline figures, in table order, with their column titles. */
    static final List<String> FIGURES = List.of("join converged (s)", "event median (s)", "event max (s)",
            "kill -9 median (s)", "kill -9 max (s)", "leave median (s)", "leave max (s)", "idle CPU per node (% core)",
            "RSS per node (MiB)", "pkt/s per node", "B/s per node");

    /** The headline figures, in {@link #FIGURES} order. */
    double[] figures() {
        return new double[]{join, eventMedian, eventMax, failMedian, failMax, leaveMedian, leaveMax, cpuPct, rssMiB,
                pkts, bytes};
    }

    /** Median of the values (NaN when empty). */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> v = new ArrayList<>(values);
        v.sort(Double::compare);
        int m = v.size() / 2;
        return v.size() % 2 == 1 ? v.get(m) : (v.get(m - 1) + v.get(m)) / 2;
    }

    /** Largest of the values (NaN when empty). */
    static double max(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
