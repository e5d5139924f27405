package dev.grapevine.roles;

import java.util.concurrent.ConcurrentHashMap;

/** Requests in flight per member name. An entry disappears when its count returns to zero. */
final class Outstanding {

    private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();

    int get(String name) {
        return counts.getOrDefault(name, 0);
    }

    void acquire(String name) {
        counts.merge(name, 1, Integer::sum);
    }

    void release(String name) {
        counts.computeIfPresent(name, (k, v) -> v <= 1 ? null : v - 1);
    }
}
