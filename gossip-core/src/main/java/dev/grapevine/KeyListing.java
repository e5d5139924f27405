package dev.grapevine;

import java.util.Map;
import java.util.Set;

/**
 * The keys installed across the cluster.
 *
 * @param installed each key (by fingerprint) and how many members have it
 * @param primary   each primary key (by fingerprint) and how many members encrypt with it
 * @param members   members that answered
 * @param silent    live members that did not answer before the deadline
 */
public record KeyListing(Map<String, Integer> installed, Map<String, Integer> primary, Set<String> members,
                         Set<String> silent) {

    /** Copies the collections. */
    public KeyListing {
        installed = Map.copyOf(installed);
        primary = Map.copyOf(primary);
        members = Set.copyOf(members);
        silent = Set.copyOf(silent);
    }
}
