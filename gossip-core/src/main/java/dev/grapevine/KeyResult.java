package dev.grapevine;

import java.util.Map;
import java.util.Set;

/**
 * The outcome of a cluster-wide keyring change, member by member.
 *
 * @param operation what was asked: install, use or remove
 * @param succeeded members that applied it
 * @param failed    members that refused it, with their reason
 * @param silent    live members that did not answer before the deadline
 */
public record KeyResult(String operation, Set<String> succeeded, Map<String, String> failed, Set<String> silent) {

    /** Copies the collections. */
    public KeyResult {
        succeeded = Set.copyOf(succeeded);
        failed = Map.copyOf(failed);
        silent = Set.copyOf(silent);
    }

    /** True when every live member applied it. */
    public boolean complete() {
        return failed.isEmpty() && silent.isEmpty();
    }
}
