package dev.grapevine.dns;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition on real time, for tests over real sockets. */
final class Await {

    private Await() {
    }

    /** True as soon as {@code condition} holds; false when it still does not after {@code max}. */
    static boolean until(BooleanSupplier condition, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() >= end) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }
}
