package dev.grapevine.roles;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition on real time, for tests over real sockets, threads and processes. */
public final class Poll {

    private Poll() {
    }

    /** True as soon as {@code condition} holds, false if it still does not after {@code max}. */
    public static boolean until(BooleanSupplier condition, Duration max) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
