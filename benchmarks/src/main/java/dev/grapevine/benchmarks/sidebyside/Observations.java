package dev.grapevine.benchmarks.sidebyside;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

    /** One "failed" line: who declared whom failed, and when. */
    record Failure(String observer, String subject, long micros) {
    }

    private final Map<String, Map<String, Long>> first = new ConcurrentHashMap<>();
    private final List<Failure> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong maxLag = new AtomicLong();
    private final AtomicLong lagSum = new AtomicLong();
    private final AtomicLong lagCount = new AtomicLong();
    private volatile int[] status;

    /** The wall clock in microseconds since the epoch. */
    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Records {@code fact} seen by {@code observer} at {@code micros} unless it was seen before. */
    void record(String observer, String fact, long micros) {
        first.computeIfAbsent(observer, k -> new ConcurrentHashMap<>()).putIfAbsent(fact, micros);
        if (fact.startsWith("failed ")) {
            failures.add(new Failure(observer, fact.substring(7), micros));
        }
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

    /** Every "failed" line so far. */
    List<Failure> failures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
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
