package dev.grapevine.payload;

import java.lang.management.ManagementFactory;

/** Heap bytes the current thread allocates while running something (HotSpot's per-thread counter). */
final class AllocationMeter {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** 1 MiB: the most any single decode in these tests may allocate. */
    static final long LIMIT = 1 << 20;

    private AllocationMeter() {
    }

    interface Action {
        void run() throws Exception;
    }

    /** Runs {@code action}, ignoring what it throws, and returns the bytes this thread allocated meanwhile. */
    static long allocatedBy(Action action) {
        long id = Thread.currentThread().getId();
        long before = THREADS.getThreadAllocatedBytes(id);
        try {
            action.run();
        } catch (Exception ignored) {
            // the caller checks outcomes separately
        }
        return THREADS.getThreadAllocatedBytes(id) - before;
    }
}
