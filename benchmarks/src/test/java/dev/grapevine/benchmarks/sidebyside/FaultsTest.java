package dev.grapevine.benchmarks.sidebyside;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The nftables rule text of {@link Faults}, without root: what each fault asks nft to do. */
class FaultsTest {

    private static final List<String> AB = List.of("127.0.32.1", "127.0.32.2");

    @Test
    void lossAmongNodesDropsAShareAtRandomBothAddressesMatched() {
        assertEquals("ip saddr { 127.0.32.1, 127.0.32.2 } ip daddr { 127.0.32.1, 127.0.32.2 }"
                + " numgen random mod 100 < 10 counter drop", Faults.lossRule(AB, AB, 10));
    }

    @Test
    void oneWayRulesMatchOneSideOnly() {
        assertEquals("ip saddr 127.0.32.3 counter drop", Faults.outboundRule("127.0.32.3", 100));
        assertEquals("ip daddr 127.0.32.3 numgen random mod 100 < 50 counter drop", Faults.inboundRule("127.0.32.3", 50));
    }

    @Test
    void aPartitionCutsEverythingFromOneSetToTheOther() {
        assertEquals("ip saddr { 127.0.32.1, 127.0.32.2 } ip daddr 127.0.32.3 counter drop",
                Faults.partitionRule(AB, List.of("127.0.32.3")));
    }

    @Test
    void theTableHasADropChainAtInputAndANatChainForStreamSources() {
        String t = Faults.createTable("grapevine_fault");
        assertTrue(t.startsWith("table inet grapevine_fault {"), t);
        assertTrue(t.contains("type filter hook input priority -10; policy accept;"), t);
        assertTrue(t.contains("type nat hook postrouting"), t);
        assertEquals("delete table inet grapevine_fault\n", Faults.deleteTable("grapevine_fault"));
    }

    @Test
    void streamsOfAUserLeaveFromItsAddress() {
        assertEquals("meta skuid 40001 ip saddr 127.0.0.1 meta l4proto tcp snat ip to 127.0.33.1",
                Faults.sourceRule(40001, "127.0.33.1"));
    }

    @Test
    void badInputIsRefusedBeforeNftSeesIt() {
        assertThrows(IllegalArgumentException.class, () -> Faults.lossRule(List.of(), AB, 10));
        assertThrows(IllegalArgumentException.class, () -> Faults.lossRule(List.of("127.0.32.1; flush ruleset"), AB, 10));
        assertThrows(IllegalArgumentException.class, () -> Faults.drop(0));
        assertThrows(IllegalArgumentException.class, () -> Faults.drop(101));
    }
}
