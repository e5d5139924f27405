package dev.grapevine.handlers.template;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A watcher clock ({@link TemplateWatcher.Builder#clock}) a test can stop: while held it stands still, so no
 * quiet period or max wait can run out however slowly the machine goes, and only {@link #advance} moves it;
 * released, it follows {@code System.nanoTime} again (never going back). Every move wakes the watcher.
 */
final class HeldClock implements LongSupplier {

    private boolean held;
    private long heldAt;
    /** Added to {@code System.nanoTime} when running, so that time never goes back after an advance. */
    private long offset;

    private HeldClock(boolean held) {
        this.held = held;
        this.heldAt = System.nanoTime();
    }

    /** A clock that stands still until advanced: virtual time. */
    static HeldClock held() {
        return new HeldClock(true);
    }

    /** A clock that runs until held. */
    static HeldClock running() {
        return new HeldClock(false);
    }

    @Override
    public synchronized long getAsLong() {
        return held ? heldAt : System.nanoTime() + offset;
    }

    /** Stops the clock where it is. */
    synchronized void hold() {
        if (!held) {
            heldAt = System.nanoTime() + offset;
            held = true;
        }
    }

    /** Moves a held clock forward by {@code d} and wakes {@code watcher}. */
    void advance(Duration d, TemplateWatcher watcher) {
        synchronized (this) {
            if (!held) {
                throw new IllegalStateException("advance() needs a held clock");
            }
            heldAt += d.toNanos();
        }
        watcher.clockMoved();
    }

    /** Lets the clock run again from where it stood (or from real time if that is later) and wakes {@code watcher}. */
    void release(TemplateWatcher watcher) {
        synchronized (this) {
            offset = Math.max(offset, heldAt - System.nanoTime());
            held = false;
        }
        watcher.clockMoved();
    }
}
