package dev.grapevine;

import java.util.List;
import java.util.Set;

/**
 * Everything a query gathered by its deadline.
 *
 * @param acks      members that acked (when acks were requested)
 * @param responses the responses, one per member at most, in arrival order
 */
public record QueryResult(Set<String> acks, List<QueryResponse> responses) {

    /** Copies the collections. */
    public QueryResult {
        acks = Set.copyOf(acks);
        responses = List.copyOf(responses);
    }

    /** The names of the members that responded. */
    public Set<String> responders() {
        return responses.stream().map(QueryResponse::from).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }
}
