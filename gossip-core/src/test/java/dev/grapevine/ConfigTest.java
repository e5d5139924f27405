package dev.grapevine;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigTest {

    @Test
    void profilesCarryMemberlistDefaults() {
        GossipConfig lan = Profile.LAN.config();
        assertEquals(Duration.ofSeconds(1), lan.probeInterval());
        assertEquals(Duration.ofMillis(500), lan.probeTimeout());
        assertEquals(Duration.ofMillis(200), lan.gossipInterval());
        assertEquals(3, lan.gossipNodes());
        assertEquals(4, lan.suspicionMult());
        assertEquals(1400, lan.packetSize());
        GossipConfig wan = Profile.WAN.config();
        assertEquals(Duration.ofSeconds(5), wan.probeInterval());
        assertEquals(Duration.ofSeconds(3), wan.probeTimeout());
        assertEquals(6, wan.suspicionMult());
        GossipConfig local = Profile.LOCAL.config();
        assertEquals(Duration.ofMillis(200), local.probeTimeout());
        assertEquals(Duration.ofMillis(100), local.gossipInterval());
        assertEquals(1, local.indirectChecks());
    }

    @Test
    void everyValueCanBeOverridden() {
        GossipConfig c = GossipConfig.lan().toBuilder().probeInterval(Duration.ofMillis(300))
                .probeTimeout(Duration.ofMillis(100)).gossipNodes(5).build();
        assertEquals(Duration.ofMillis(300), c.probeInterval());
        assertEquals(5, c.gossipNodes());
    }

    @Test
    void badValuesFailNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GossipConfig.lan().toBuilder().gossipNodes(0).build());
        assertTrue(e.getMessage().contains("gossipNodes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GossipConfig.lan().toBuilder().probeTimeout(Duration.ofSeconds(2)).build());
        assertTrue(e.getMessage().contains("probeTimeout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GossipConfig.lan().toBuilder().packetSize(100).build());
        assertTrue(e.getMessage().contains("packetSize"), e.getMessage());
    }

    @Test
    void hostPortParsesTheUsualForms() {
        assertEquals(new HostPort("10.0.0.1", 7000), HostPort.parse("10.0.0.1:7000", 7946));
        assertEquals(new HostPort("node.example", 7946), HostPort.parse("node.example", 7946));
        assertEquals(new HostPort("::1", 7001), HostPort.parse("[::1]:7001", 7946));
        assertEquals(new HostPort("fe80::1", 7946), HostPort.parse("fe80::1", 7946));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("host:99999", 1));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("host:abc", 1));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("", 1));
    }
}
