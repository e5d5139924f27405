package dev.grapevine.roles;

import dev.grapevine.Member;
import dev.grapevine.MemberStatus;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RolesTest {

    private static Member withTags(Map<String, String> tags, MemberStatus status) {
        return new Member("m", Fixtures.address(4), tags, status, 1);
    }

    @Test
    void roleAndHealthFollowTheConventions() {
        assertEquals(Optional.of("app"), Roles.role(withTags(Map.of("role", "app"), MemberStatus.ALIVE)));
        assertEquals(Optional.empty(), Roles.role(withTags(Map.of(), MemberStatus.ALIVE)));
        assertTrue(Roles.isHealthy(withTags(Map.of(), MemberStatus.ALIVE)), "absent counts as passing");
        assertTrue(Roles.isHealthy(withTags(Map.of("health", "passing"), MemberStatus.ALIVE)));
        assertTrue(Roles.isHealthy(withTags(Map.of("health", "PASSING"), MemberStatus.ALIVE)));
        assertFalse(Roles.isHealthy(withTags(Map.of("health", "critical"), MemberStatus.ALIVE)));
        assertFalse(Roles.isHealthy(withTags(Map.of("health", "warning"), MemberStatus.ALIVE)));
    }

    @Test
    void portsAreParsedStrictly() {
        Member m = withTags(Map.of("http.port", "8080", "dns.port", "x53", "big.port", "70000", "zero.port", "0",
                "neg.port", "-1", "sp.port", " 80"), MemberStatus.ALIVE);
        assertEquals(OptionalInt.of(8080), Roles.port(m, "http"));
        assertEquals(OptionalInt.empty(), Roles.port(m, "dns"));
        assertEquals(OptionalInt.empty(), Roles.port(m, "big"));
        assertEquals(OptionalInt.empty(), Roles.port(m, "zero"));
        assertEquals(OptionalInt.empty(), Roles.port(m, "neg"));
        assertEquals(OptionalInt.empty(), Roles.port(m, "sp"));
        assertEquals(OptionalInt.empty(), Roles.port(m, "missing"));
        assertEquals("http.port", Roles.portTag(Roles.HTTP));
    }

    @Test
    void endpointIsTheMemberHostWithTheServicePort() {
        Member m = withTags(Map.of("http.port", "8080"), MemberStatus.ALIVE);
        assertEquals(Optional.of(new InetSocketAddress(m.address().getAddress(), 8080)), Roles.endpoint(m, "http"));
        assertEquals(Optional.empty(), Roles.endpoint(m, "dns"));
        Member unresolved = new Member("u", InetSocketAddress.createUnresolved("app.example", 7946),
                Map.of("http.port", "81"), MemberStatus.ALIVE, 1);
        InetSocketAddress e = Roles.endpoint(unresolved, "http").orElseThrow();
        assertEquals("app.example", e.getHostString());
        assertEquals(81, e.getPort());
    }

    @Test
    void servesNeedsUpRoleAndHealth() {
        assertTrue(Roles.serves(withTags(Map.of("role", "app"), MemberStatus.ALIVE), "app"));
        assertTrue(Roles.serves(withTags(Map.of("role", "app"), MemberStatus.SUSPECT), "app"));
        assertFalse(Roles.serves(withTags(Map.of("role", "app"), MemberStatus.FAILED), "app"));
        assertFalse(Roles.serves(withTags(Map.of("role", "app"), MemberStatus.LEFT), "app"));
        assertFalse(Roles.serves(withTags(Map.of("role", "front"), MemberStatus.ALIVE), "app"));
        assertFalse(Roles.serves(withTags(Map.of(), MemberStatus.ALIVE), "app"));
        assertFalse(Roles.serves(withTags(Map.of("role", "app", "health", "critical"), MemberStatus.ALIVE), "app"));
    }
}
