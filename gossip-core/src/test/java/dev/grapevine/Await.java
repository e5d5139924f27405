package dev.grapevine;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition on real time, for tests over real sockets. */
final class Await {

    private Await() {
    }

    /** True as soon as {@code condition} holds, false if it still does not after {@code max}. */
    static boolean await(BooleanSupplier condition, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }
}
