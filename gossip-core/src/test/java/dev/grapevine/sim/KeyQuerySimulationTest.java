package dev.grapevine.sim;

import dev.grapevine.GossipConfig;
import dev.grapevine.KeyListing;
import dev.grapevine.KeyResult;
import dev.grapevine.security.Keyring;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keyring queries on a simulated cluster: a member that misses the first query is asked again by name. */
class KeyQuerySimulationTest {

    private static final String KEY = Keyring.generateKeyBase64();

    private static SimCluster cluster(long seed, int n) {
        // Suspicion long enough (30 s) that the cut-off member is never declared failed meanwhile.
        SimCluster c = new SimCluster(seed, GossipConfig.lan().toBuilder().suspicionMult(30).build());
        for (int i = 0; i < n; i++) {
            c.start(i, Map.of("role", "app"), b -> b.keyring(Keyring.ofBase64(KEY)).cluster("keys"));
        }
        for (int i = 1; i < n; i++) {
            c.nodes.get(i).join(List.of(SimCluster.address(0)));
            c.net.runFor(Duration.ofMillis(50));
        }
        assertTrue(c.runUntil(() -> c.allSeeLive(c.nodes, c.names(0, n)), Duration.ofSeconds(60)));
        return c;
    }

    /**
     * Cuts {@code node6} off for longer than the first query's deadline (3.2 s with 8 members), so it is silent
     * to that query, then heals the link.
     */
    private static <T> T withFirstQueryMissed(SimCluster c, CompletableFuture<T> f) throws Exception {
        c.net.partition(List.of(SimCluster.address(6)));
        c.net.runFor(Duration.ofMillis(4000));
        assertTrue(!f.isDone(), "still asking node6 again");
        c.net.heal();
        assertTrue(c.runUntil(f::isDone, Duration.ofSeconds(30)));
        return f.get();
    }

    @Test
    void listingAsksAgainAMemberThatMissedTheFirstQuery() throws Exception {
        int n = 8;
        try (SimCluster c = cluster(81, n)) {
            KeyListing listing = withFirstQueryMissed(c, c.nodes.get(0).listKeys());
            assertEquals(Set.copyOf(c.names(0, n)), listing.members(), listing.toString());
            assertTrue(listing.silent().isEmpty(), listing.toString());
            assertEquals(n, listing.primary().values().iterator().next(), listing.toString());
            assertEquals(Map.of(listing.primary().keySet().iterator().next(), n), listing.installed());
        }
    }

    @Test
    void installAsksAgainAMemberThatMissedTheFirstQuery() throws Exception {
        int n = 8;
        try (SimCluster c = cluster(82, n)) {
            KeyResult install = withFirstQueryMissed(c, c.nodes.get(1).installKey(Keyring.generateKeyBase64()));
            assertTrue(install.complete(), install.toString());
            assertEquals(Set.copyOf(c.names(0, n)), install.succeeded(), install.toString());
        }
    }

    @Test
    void aRoundEndsAsSoonAsEveryMemberAnswered() throws Exception {
        int n = 8;
        try (SimCluster c = cluster(83, n)) {
            // The query's deadline is 3.2 s with 8 members; with everyone answering, the listing and a key
            // change are done in a few network round trips.
            CompletableFuture<KeyListing> listing = c.nodes.get(0).listKeys();
            c.net.runFor(Duration.ofMillis(500));
            assertTrue(listing.isDone(), "done well before the query's deadline");
            assertEquals(n, listing.get().members().size(), listing.get().toString());
            CompletableFuture<KeyResult> install = c.nodes.get(2).installKey(Keyring.generateKeyBase64());
            c.net.runFor(Duration.ofMillis(500));
            assertTrue(install.isDone() && install.get().complete(), String.valueOf(install.getNow(null)));
        }
    }
}
