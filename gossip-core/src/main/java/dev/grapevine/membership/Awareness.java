package dev.grapevine.membership;

/**
 * Lifeguard's local health awareness: how much this node should distrust its own view.
 *
 * <p>A node that misses acks it should have had, or keeps having to refute suspicions of itself, is probably
 * the slow one (overloaded CPU, GC pause, saturated link). It raises its score and stretches its probe
 * interval and timeout by {@code score + 1}, so it accuses others less readily while it is itself sick.
 * A successful probe lowers the score again. The score stays in {@code [0, max - 1]}.
 */
public final class Awareness {

    /** The score is capped at {@code max - 1}, so timeouts scale by at most {@code max}. */
    private final int max;
    /** Current health score; 0 is healthy. */
    private int score;

    /** Creates a healthy awareness that scales timeouts by at most {@code max}. */
    public Awareness(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("awarenessMaxMultiplier must be at least 1, was " + max);
        }
        this.max = max;
    }

    /** Adds {@code delta} (negative to recover) and clamps the score. */
    public void applyDelta(int delta) {
        score = clamp(score + delta, max);
    }

    /** The current score, 0 when healthy. */
    public int score() {
        return score;
    }

    /** {@code nanos} scaled by the current health: {@code nanos * (score + 1)}. */
    public long scale(long nanos) {
        return nanos * (score + 1);
    }

    /** Clamps a score to {@code [0, max - 1]}. */
    static int clamp(int score, int max) {
        return Math.max(0, Math.min(max - 1, score));
    }
}
