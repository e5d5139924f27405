package dev.grapevine.membership;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

/**
 * The order in which members are probed: round robin over a shuffled list, reshuffled after each full pass.
 *
 * <p>SWIM's round robin bounds the time to first detection of a failure to one pass (N probe intervals),
 * where picking at random would leave a member unprobed for long stretches. New members are inserted at
 * a random position so that a burst of joins is not probed back to back. The list doubles as the pool that
 * random gossip and indirect-probe targets are drawn from.
 */
final class ProbeRing {

    private final List<NodeState> nodes = new ArrayList<>();
    private final Random random;
    private int index;

    ProbeRing(Random random) {
        this.random = random;
    }

    void add(NodeState node) {
        int at = nodes.isEmpty() ? 0 : random.nextInt(nodes.size() + 1);
        nodes.add(at, node);
        if (at < index) {
            index++;
        }
    }

    /**
     * Adds many members at once, as if each were inserted at a random position (the whole ring is shuffled
     * anew and the pass restarts): linear, where one insertion at a time costs N each.
     */
    void addAll(List<NodeState> more) {
        if (more.isEmpty()) {
            return;
        }
        nodes.addAll(more);
        shuffle();
        index = 0;
    }

    void remove(NodeState node) {
        int at = nodes.indexOf(node);
        if (at >= 0) {
            nodes.remove(at);
            if (at < index) {
                index--;
            }
        }
    }

    int size() {
        return nodes.size();
    }

    /**
     * The next member that {@code eligible} accepts, in round-robin order; reshuffles at the end of a pass.
     * Null when no member is eligible.
     */
    NodeState next(Predicate<NodeState> eligible) {
        // Up to the rest of this pass plus one whole reshuffled pass: enough to meet every member once.
        int n = 2 * nodes.size();
        for (int checked = 0; checked < n; checked++) {
            if (index >= nodes.size()) {
                index = 0;
                shuffle();
            }
            NodeState candidate = nodes.get(index++);
            if (eligible.test(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * Up to {@code k} distinct members that {@code eligible} accepts, drawn at random (sampling with a
     * bounded number of tries, so the cost does not grow with the cluster).
     */
    List<NodeState> random(int k, Predicate<NodeState> eligible) {
        List<NodeState> out = new ArrayList<>(k);
        int n = nodes.size();
        if (n == 0 || k <= 0) {
            return out;
        }
        for (int tries = 0; tries < 3 * n && tries < 3 * k + 64 && out.size() < k; tries++) {
            NodeState c = nodes.get(random.nextInt(n));
            if (!out.contains(c) && eligible.test(c)) {
                out.add(c);
            }
        }
        if (out.size() < k && n <= 64) {
            // Small clusters: a full scan finds what sampling missed.
            for (NodeState c : nodes) {
                if (out.size() >= k) {
                    break;
                }
                if (!out.contains(c) && eligible.test(c)) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    private void shuffle() {
        for (int i = nodes.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            NodeState t = nodes.get(i);
            nodes.set(i, nodes.get(j));
            nodes.set(j, t);
        }
    }
}
