package dev.grapevine.benchmarks.sidebyside;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the nodes of one run reported, as facts ("joined s3", "event ev1", "failed g7") with the instant each
 * was first seen by each observer: the wall clock in microseconds when the harness read the line. Every
 * line of every system is stamped the same way, on arrival; the Grapevine lines also carry the node's own
 * stamp, and the difference (how late the harness reads a line) is kept as a check on the method.
 */
final class Observations {

    private final Map<String, Map<String, Long>> first = new ConcurrentHashMap<>();
    /** "failed" lines per subject: counts only, a storm can bring millions. */
    private final Map<String, java.util.concurrent.atomic.LongAdder> failed = new ConcurrentHashMap<>();
    private final AtomicLong maxLag = new AtomicLong();
    private final AtomicLong lagSum = new AtomicLong();
    private final AtomicLong lagCount = new AtomicLong();
    private volatile int[] status;
    /** Every fact in arrival order, repeats included (the first-seen map keeps only the first). */
    private final java.util.List<Fact> timeline = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    /** The newest value of each counter a node reported, per node. */
    private final Map<String, Map<String, Long>> counters = new ConcurrentHashMap<>();
    private final Map<String, Long> counterAt = new ConcurrentHashMap<>();

    /** One fact as it arrived. */
    record Fact(String observer, String fact, long micros) {
    }

    /** The wall clock in microseconds since the epoch. */
    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Records {@code fact} seen by {@code observer} at {@code micros} unless it was seen before. */
    void record(String observer, String fact, long micros) {
        first.computeIfAbsent(observer, k -> new ConcurrentHashMap<>()).putIfAbsent(fact, micros);
        timeline.add(new Fact(observer, fact, micros));
        if (fact.startsWith("failed ")) {
            failed.computeIfAbsent(fact.substring(7), k -> new java.util.concurrent.atomic.LongAdder()).increment();
        }
    }

    /** Every fact so far, in arrival order, repeats included. */
    java.util.List<Fact> timeline() {
        synchronized (timeline) {
            return java.util.List.copyOf(timeline);
        }
    }

    /** Keeps the newest value of counter {@code name} reported by {@code observer}. */
    void counter(String observer, String name, long value) {
        counters.computeIfAbsent(observer, k -> new ConcurrentHashMap<>()).put(name, value);
        counterAt.put(observer, nowMicros());
    }

    /** When {@code observer} last reported a counter (wall clock micros), or 0. */
    long counterAt(String observer) {
        return counterAt.getOrDefault(observer, 0L);
    }

    /** The newest value of counter {@code name} reported by {@code observer}, or 0. */
    long counter(String observer, String name) {
        return counters.getOrDefault(observer, Map.of()).getOrDefault(name, 0L);
    }

    /** Records how late a line stamped {@code ownMicros} by its node was read. */
    void lag(long ownMicros, long arrivalMicros) {
        long lag = Math.max(0, arrivalMicros - ownMicros);
        maxLag.accumulateAndGet(lag, Math::max);
        lagSum.addAndGet(lag);
        lagCount.incrementAndGet();
    }

    /** Keeps the newest {@code status MIN MAX} answer of an embedded process. */
    void status(int min, int max) {
        status = new int[]{min, max};
    }

    /** The newest status answer (min and max live members over the nodes), or null. */
    int[] status() {
        return status;
    }

    /** When {@code observer} first reported {@code fact}, or null. */
    Long at(String observer, String fact) {
        Map<String, Long> m = first.get(observer);
        return m == null ? null : m.get(fact);
    }

    /** How many "failed" lines there were so far. */
    long failureCount() {
        return failed.values().stream().mapToLong(java.util.concurrent.atomic.LongAdder::sum).sum();
    }

    /** How many "failed" lines so far were about members other than {@code subjects}. */
    long failuresExcept(java.util.Collection<String> subjects) {
        return failed.entrySet().stream().filter(e -> !subjects.contains(e.getKey()))
                .mapToLong(e -> e.getValue().sum()).sum();
    }

    /** Largest read lag of a stamped line, in milliseconds (0 when no line carried its own stamp). */
    double maxLagMillis() {
        return maxLag.get() / 1000.0;
    }

    /** Mean read lag of a stamped line, in milliseconds. */
    double meanLagMillis() {
        long c = lagCount.get();
        return c == 0 ? 0 : lagSum.get() / 1000.0 / c;
    }
}
