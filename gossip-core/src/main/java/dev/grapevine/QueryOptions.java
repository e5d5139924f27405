package dev.grapevine;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How a query is asked. Start from {@link #defaults()} and change what you need:
 * <pre>{@code
 * QueryOptions.defaults().filterTag("role", "app|front").requestAck(true).relayFactor(2)
 * }</pre>
 *
 * @param filterNodes only these members answer (empty: any member)
 * @param filterTags  only members whose tag fully matches each regular expression answer
 * @param requestAck  members that receive the query ack it, before any response
 * @param relayFactor each response is also sent through this many other members (0..5), for lossy networks
 * @param timeout     how long to gather answers; null for the default
 *                    {@code gossipInterval * queryTimeoutMult * ceil(log10(N+1))}
 * @param onResponse  called with each response as it arrives, on the listener thread (may be null)
 * @param onAck       called with each acking member's name as it arrives, on the listener thread (may be null)
 */
public record QueryOptions(List<String> filterNodes, Map<String, String> filterTags, boolean requestAck,
                           int relayFactor, Duration timeout, Consumer<QueryResponse> onResponse,
                           Consumer<String> onAck) {

    /** Validates; the message names the field. */
    public QueryOptions {
        filterNodes = List.copyOf(Objects.requireNonNull(filterNodes, "filterNodes"));
        filterTags = Map.copyOf(Objects.requireNonNull(filterTags, "filterTags"));
        if (relayFactor < 0 || relayFactor > 5) {
            throw new IllegalArgumentException("relayFactor must be between 0 and 5, was " + relayFactor);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        for (Map.Entry<String, String> e : filterTags.entrySet()) {
            try {
                java.util.regex.Pattern.compile(e.getValue());
            } catch (java.util.regex.PatternSyntaxException x) {
                throw new IllegalArgumentException("filterTags: '" + e.getValue() + "' for tag " + e.getKey()
                        + " is not a regular expression: " + x.getDescription());
            }
        }
    }

    /** Everyone answers, no acks, no relays, the default timeout, no streaming callbacks. */
    public static QueryOptions defaults() {
        return new QueryOptions(List.of(), Map.of(), false, 0, null, null, null);
    }

    /** Only the named members answer. */
    public QueryOptions filterNodes(List<String> names) {
        return new QueryOptions(names, filterTags, requestAck, relayFactor, timeout, onResponse, onAck);
    }

    /** Only members whose tag {@code key} fully matches {@code regex} answer (adds to earlier tag filters). */
    public QueryOptions filterTag(String key, String regex) {
        Map<String, String> m = new java.util.HashMap<>(filterTags);
        m.put(key, regex);
        return new QueryOptions(filterNodes, m, requestAck, relayFactor, timeout, onResponse, onAck);
    }

    /** Asks receivers to ack. */
    public QueryOptions requestAck(boolean ack) {
        return new QueryOptions(filterNodes, filterTags, ack, relayFactor, timeout, onResponse, onAck);
    }

    /** Sends each response through this many extra members too. */
    public QueryOptions relayFactor(int factor) {
        return new QueryOptions(filterNodes, filterTags, requestAck, factor, timeout, onResponse, onAck);
    }

    /** Gathers answers for this long. */
    public QueryOptions timeout(Duration t) {
        return new QueryOptions(filterNodes, filterTags, requestAck, relayFactor, t, onResponse, onAck);
    }

    /** Streams responses to {@code callback} as they arrive. */
    public QueryOptions onResponse(Consumer<QueryResponse> callback) {
        return new QueryOptions(filterNodes, filterTags, requestAck, relayFactor, timeout, callback, onAck);
    }

    /** Streams acks to {@code callback} as they arrive. */
    public QueryOptions onAck(Consumer<String> callback) {
        return new QueryOptions(filterNodes, filterTags, requestAck, relayFactor, timeout, onResponse, callback);
    }
}
