package dev.grapevine.dissemination;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The queue against a model written straight from its contract (a list sorted on every use): the same frames
 * taken in the same order, the same sizes and the same completion callbacks in the same order, over random
 * mixes of keyed and unkeyed adds, replacements, takes with varied budgets and limits, evictions and clears.
 */
class BroadcastQueueProperties {

    /** The contract, with no concern for cost. */
    static final class Model {
        final int capacity;
        final List<Item> items = new ArrayList<>();
        long nextId;

        /** Completion callbacks by message id, run (once) when the message leaves. */
        final java.util.Map<Long, Runnable> callbacks = new java.util.HashMap<>();

        static final class Item {
            final String key;
            final byte[] frame;
            final long id;
            int transmits;

            Item(String key, byte[] frame, long id) {
                this.key = key;
                this.frame = frame;
                this.id = id;
            }
        }

        void leave(Item i) {
            items.remove(i);
            Runnable r = callbacks.remove(i.id);
            if (r != null) {
                r.run();
            }
        }

        /** Least sent first, newest first among equals. */
        static final Comparator<Item> ORDER = (a, b) -> a.transmits != b.transmits
                ? Integer.compare(a.transmits, b.transmits) : Long.compare(b.id, a.id);

        Model(int capacity) {
            this.capacity = capacity;
        }

        List<Item> sorted() {
            List<Item> s = new ArrayList<>(items);
            s.sort(ORDER);
            return s;
        }

        void add(String key, byte[] frame, Runnable onDone) {
            if (key != null) {
                items.stream().filter(i -> key.equals(i.key)).findFirst().ifPresent(this::leave);
            }
            if (onDone != null) {
                callbacks.put(nextId, onDone);
            }
            items.add(new Item(key, frame, nextId++));
            while (items.size() > capacity) {
                List<Item> s = sorted();
                leave(s.get(s.size() - 1));
            }
        }

        List<byte[]> take(int budget, int maxCount, int limit) {
            List<Item> taken = new ArrayList<>();
            if (items.isEmpty() || maxCount <= 0) {
                return List.of();
            }
            int remaining = budget;
            int misses = 0;
            for (Item i : sorted()) {
                int cost = i.frame.length + overhead(i.frame.length);
                if (cost <= remaining) {
                    taken.add(i);
                    remaining -= cost;
                    misses = 0;
                    if (taken.size() >= maxCount || remaining <= 2) {
                        break;
                    }
                } else if (++misses >= 32) {
                    break;
                }
            }
            List<byte[]> out = new ArrayList<>();
            for (Item i : taken) {
                out.add(i.frame);
                i.transmits++;
                if (i.transmits >= limit) {
                    leave(i);
                }
            }
            return out;
        }

        void clear() {
            for (Item i : sorted()) {
                leave(i);
            }
        }
    }

    static int overhead(int length) {
        return length < 128 ? 1 : 2;
    }

    @Property(tries = 300)
    void behavesLikeItsContract(@ForAll long seed, @ForAll @IntRange(min = 1, max = 600) int ops,
                                @ForAll @IntRange(min = 1, max = 200) int capacity,
                                @ForAll @IntRange(min = 1, max = 100) int keys) {
        Random r = new Random(seed);
        BroadcastQueue queue = new BroadcastQueue(capacity);
        Model model = new Model(capacity);
        List<String> queueDone = new ArrayList<>();
        List<String> modelDone = new ArrayList<>();
        for (int op = 0; op < ops; op++) {
            // Phases of 40 operations, filling or draining, so that the queue swings between full and empty.
            boolean filling = (op / 40) % 2 == 0;
            int kind = r.nextInt(100);
            if (kind < (filling ? 85 : 15)) {
                // Keys repeat (replacements), or none at all (user events); frames of varied size.
                String key = r.nextInt(5) == 0 ? null : "k" + r.nextInt(keys);
                byte[] frame = new byte[1 + r.nextInt(r.nextInt(10) == 0 ? 600 : 60)];
                String tag = "#" + op;
                boolean notify = r.nextInt(3) == 0;
                queue.add(key, frame, notify ? () -> queueDone.add(tag) : null);
                model.add(key, frame, notify ? () -> modelDone.add(tag) : null);
            } else if (kind < 98) {
                int budget = r.nextInt(1500);
                int maxCount = r.nextInt(40);
                int limit = 1 + r.nextInt(filling ? 8 : 2);
                List<byte[]> got = queue.take(budget, maxCount, limit, BroadcastQueueProperties::overhead);
                List<byte[]> want = model.take(budget, maxCount, limit);
                assertEquals(want.size(), got.size(), "op " + op + ": frames taken");
                for (int i = 0; i < want.size(); i++) {
                    assertSame(want.get(i), got.get(i), "op " + op + ": frame " + i);
                }
            } else {
                queue.clear();
                model.clear();
            }
            assertEquals(model.items.size(), queue.size(), "op " + op + ": size");
            assertEquals(model.items.isEmpty(), queue.isEmpty());
            assertEquals(modelDone, queueDone, "op " + op + ": completions");
        }
    }
}
