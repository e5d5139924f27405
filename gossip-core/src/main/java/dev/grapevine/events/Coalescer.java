package dev.grapevine.events;

import dev.grapevine.time.Cancellable;
import dev.grapevine.time.Scheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Burst coalescing of events by key, as Serf does for member and user events before they reach handlers
 * (Serf's {@code coalesceLoop}, with {@code CoalescePeriod} and {@code QuiescentPeriod}).
 *
 * <p>Handlers are often expensive (a deploy script, a load-balancer reload) and events come in bursts (a
 * rolling restart, a user event re-sent by several nodes), so within a burst only the newest event per key
 * is delivered. A burst starts with the first event offered while nothing is pending. It ends, and is
 * flushed, when either {@code quiescent} passes with no new event or {@code max} passes since the burst
 * started, whichever comes first: {@code quiescent} delivers soon after a burst dies down, {@code max}
 * bounds the delay when events never stop. A flush hands the sink, in order of each key's first arrival in
 * the burst, the last event offered for that key. The next event starts a new burst.
 *
 * <p>"Newest" is simply the last one offered: the coalescer does not compare events. The caller offers in
 * arrival order, and for user events only offers one whose Lamport time is newer than what it offered for
 * that name, so that a late, older copy cannot replace a newer one.
 *
 * <p>Protocol thread only: {@link #offer} and {@link #flush} throw {@link IllegalStateException} elsewhere,
 * and the sink runs on the protocol thread (it should hand slow work elsewhere).
 *
 * @param <K> the coalescing key (a user event's name, a member's name)
 * @param <E> the event
 */
public final class Coalescer<K, E> {

    private final Scheduler scheduler;
    private final long maxNanos;
    private final long quiescentNanos;
    private final Consumer<E> sink;
    /** Latest event per key; insertion order is the order of each key's first arrival in the burst. */
    private final Map<K, E> pending = new LinkedHashMap<>();
    /** When the current burst started; meaningful while {@code pending} is not empty. */
    private long burstStartNanos;
    /** When the last event of the current burst was offered. */
    private long lastOfferNanos;
    /**
     * The burst's one timer. Rather than cancel and re-arm a quiescence timer on every offer (a continuous
     * burst would then leave a cancelled timer behind per event in the scheduler's heap), a single timer is
     * armed for the earliest possible deadline and, when it fires, re-armed for the actual one if offers
     * pushed it back.
     */
    private Cancellable timer = Cancellable.NONE;
    /** Counts bursts, so a timer of an already flushed burst that fires anyway does nothing. */
    private long burst;

    /**
     * A coalescer with nothing pending.
     *
     * @param scheduler the protocol thread's clock and timers
     * @param max       longest a burst is held, from its first event (Serf's {@code CoalescePeriod})
     * @param quiescent how long without a new event ends a burst (Serf's {@code QuiescentPeriod})
     * @param sink      receives the coalesced events, on the protocol thread
     * @throws IllegalArgumentException if a duration is not positive
     */
    public Coalescer(Scheduler scheduler, Duration max, Duration quiescent, Consumer<E> sink) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.maxNanos = positiveNanos(max, "max");
        this.quiescentNanos = positiveNanos(quiescent, "quiescent");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    /**
     * Adds an event to the current burst, replacing any pending event with the same key (which keeps its
     * place in the delivery order), or starts a burst.
     */
    public void offer(K key, E event) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(event, "event");
        requireProtocolThread();
        long now = scheduler.nanoTime();
        lastOfferNanos = now;
        if (pending.isEmpty()) {
            burstStartNanos = now;
            long b = ++burst;
            timer = scheduler.schedule(Math.min(quiescentNanos, maxNanos), () -> onTimer(b));
        }
        pending.put(key, event);
    }

    /**
     * Delivers what is pending now and ends the burst (used on shutdown). Does nothing if nothing is pending.
     * If the sink throws, the remaining events are still delivered and the first exception is rethrown
     * afterwards, the later ones suppressed into it.
     */
    public void flush() {
        requireProtocolThread();
        if (pending.isEmpty()) {
            return;
        }
        timer.cancel();
        timer = Cancellable.NONE;
        // Empty the burst before calling the sink, so an event the sink offers starts a new burst.
        List<E> out = new ArrayList<>(pending.values());
        pending.clear();
        RuntimeException failure = null;
        for (E e : out) {
            try {
                sink.accept(e);
            } catch (RuntimeException ex) {
                if (failure == null) {
                    failure = ex;
                } else {
                    failure.addSuppressed(ex);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Number of keys with an event waiting in the current burst. */
    public int pending() {
        return pending.size();
    }

    private void onTimer(long b) {
        if (b != burst || pending.isEmpty()) {
            return;
        }
        // Differences, not absolute deadlines: nanoTime() may be any value, and adding a long period to it
        // could overflow.
        long now = scheduler.nanoTime();
        long wait = Math.min(quiescentNanos - (now - lastOfferNanos), maxNanos - (now - burstStartNanos));
        if (wait > 0) {
            timer = scheduler.schedule(wait, () -> onTimer(b));
        } else {
            flush();
        }
    }

    private void requireProtocolThread() {
        if (!scheduler.inProtocolThread()) {
            throw new IllegalStateException("Coalescer used off the protocol thread");
        }
    }

    private static long positiveNanos(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return d.toNanos();
    }
}
