package dev.grapevine.benchmarks;

/**
 * Serf's published convergence model: the logistic curve of an epidemic in which every informed node
 * contacts {@code fanout} random nodes once per gossip interval, each contact getting through with
 * probability {@code (1 - loss)}, and only half of the contacts counted as new infections.
 *
 * <p>After {@code r} rounds the informed fraction of {@code n} nodes is
 * {@code 1 / (1 + (n + 1) * exp(-fanout * (1 - loss) * r / 2))}; a round is one gossip interval. With Serf's
 * defaults (200 ms, fanout 3) this gives the figures Serf quotes: 99.99 % of 1,000 nodes by round 11
 * (2.2 s) and of 10,000 by round 13 (2.6 s). The formula was read off Serf's convergence simulator and is
 * computed here from scratch.
 *
 * @param nodes           cluster size, at least 2
 * @param intervalSeconds gossip interval in seconds, positive
 * @param fanout          nodes contacted per round, positive
 * @param loss            packet loss probability in [0, 1)
 */
public record SerfModel(int nodes, double intervalSeconds, int fanout, double loss) {

    /** Validates the parameters, naming the one at fault. */
    public SerfModel {
        if (nodes < 2) {
            throw new IllegalArgumentException("nodes must be at least 2, was " + nodes);
        }
        if (!(intervalSeconds > 0)) {
            throw new IllegalArgumentException("intervalSeconds must be positive, was " + intervalSeconds);
        }
        if (fanout < 1) {
            throw new IllegalArgumentException("fanout must be positive, was " + fanout);
        }
        if (!(loss >= 0 && loss < 1)) {
            throw new IllegalArgumentException("loss must be in [0, 1), was " + loss);
        }
    }

    /** Serf's defaults: 200 ms gossip interval, fanout 3. */
    public static SerfModel serfDefaults(int nodes, double loss) {
        return new SerfModel(nodes, 0.2, 3, loss);
    }

    /** The informed fraction, 0..1, after {@code rounds} gossip rounds (need not be whole). */
    public double informedAfterRounds(double rounds) {
        double rate = fanout * (1 - loss) / 2.0;
        return 1.0 / (1.0 + (nodes + 1.0) * Math.exp(-rate * rounds));
    }

    /** The informed fraction, 0..1, {@code seconds} after the message was sent. */
    public double informedAt(double seconds) {
        return informedAfterRounds(seconds / intervalSeconds);
    }

    /**
     * The first whole round at whose end at least {@code fraction} of the nodes are informed, as Serf's
     * simulator counts it, in seconds.
     */
    public double secondsToReach(double fraction) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1), was " + fraction);
        }
        int round = 0;
        while (informedAfterRounds(round) < fraction) {
            round++;
        }
        return round * intervalSeconds;
    }
}
