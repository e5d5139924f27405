package dev.grapevine.handlers.template;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition on real time. */
final class Await {

    private Await() {
    }

    /** True as soon as {@code condition} holds, false if it still does not after {@code max}. */
    static boolean await(BooleanSupplier condition, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() - end < 0) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
