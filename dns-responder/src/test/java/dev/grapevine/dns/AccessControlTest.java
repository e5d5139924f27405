package dev.grapevine.dns;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing and matching of networks, and the allow list (given, and the default one). */
class AccessControlTest {

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static List<Cidr> cidrs(String... texts) {
        return java.util.Arrays.stream(texts).map(Cidr::parse).toList();
    }

    @Test
    void validNetworksParseToTheirCanonicalText() {
        assertEquals("127.0.0.0/8", Cidr.parse("127.0.0.0/8").toString());
        assertEquals("10.1.2.3/32", Cidr.parse("10.1.2.3").toString());
        assertEquals("0.0.0.0/0", Cidr.parse("0.0.0.0/0").toString());
        assertEquals("192.168.0.0/23", Cidr.parse(" 192.168.0.0/23 ").toString());
        assertEquals("::1/128", Cidr.parse("::1").toString());
        assertEquals("::/0", Cidr.parse("::/0").toString());
        assertEquals("fd00::/8", Cidr.parse("FD00::/8").toString());
        assertEquals("2001:db8::/32", Cidr.parse("2001:0db8:0000::/32").toString());
        assertEquals("2001:db8:0:1::/64", Cidr.parse("2001:db8:0:1:0:0:0:0/64").toString());
        assertEquals("1:0:0:2::/64", Cidr.parse("1:0:0:2::/64").toString());
        assertEquals(Cidr.parse("10.0.0.0/8"), Cidr.of(ip("10.20.30.40"), 8));
        assertTrue(Cidr.parse("fd00::/8").isIpv6());
        assertEquals(8, Cidr.parse("fd00::/8").prefix());
    }

    @Test
    void badNetworksAreRefusedQuotingTheText() {
        for (String bad : List.of("", " ", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/9", "10.0.0/8",
                "10.0.0.0.0/8", "256.0.0.0/8", "010.0.0.0/8", "1.2.3.4/ 8", "1.2.3.4/0x8", "localhost", "a.b.c.d/8",
                "10.0.0.5/24", "::/129", "fe80::1%eth0/64", "[::1]/128", "::ffff:10.0.0.0/104", "1:2:3/64", "g::/8",
                "::1/0128")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("'" + bad + "'"), () -> bad + ": " + e.getMessage());
        }
        IllegalArgumentException hostBits = assertThrows(IllegalArgumentException.class,
                () -> Cidr.parse("10.0.0.5/24"));
        assertTrue(hostBits.getMessage().contains("the network is 10.0.0.0/24"), hostBits.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse(null));
    }

    @Test
    void containsMatchesThePrefixBitsOnly() {
        Cidr host = Cidr.parse("127.0.23.1/32");
        assertTrue(host.contains(ip("127.0.23.1")));
        assertFalse(host.contains(ip("127.0.23.2")));
        Cidr eight = Cidr.parse("10.0.0.0/8");
        assertTrue(eight.contains(ip("10.255.255.255")));
        assertFalse(eight.contains(ip("11.0.0.0")));
        Cidr odd = Cidr.parse("192.168.0.0/23");
        assertTrue(odd.contains(ip("192.168.1.255")));
        assertFalse(odd.contains(ip("192.168.2.0")));
        Cidr all4 = Cidr.parse("0.0.0.0/0");
        assertTrue(all4.contains(ip("203.0.113.9")));
        assertFalse(all4.contains(ip("::1")), "an IPv4 network holds no IPv6 address");
        Cidr v6 = Cidr.parse("2001:db8:aa00::/56");
        assertTrue(v6.contains(ip("2001:db8:aa00:ff:1::1")));
        assertFalse(v6.contains(ip("2001:db8:aa00:100::1")));
        assertFalse(Cidr.parse("::/0").contains(ip("127.0.0.1")), "an IPv6 network holds no IPv4 address");
        assertFalse(host.contains((InetAddress) null));
    }

    @Test
    void theAllowListAdmitsItsNetworksOnly() {
        AccessControl acl = new AccessControl(cidrs("127.0.23.1/32", "fd00::/8", "127.0.23.1/32"));
        assertEquals(cidrs("127.0.23.1/32", "fd00::/8"), acl.allowed(), "duplicates are kept once");
        assertTrue(acl.allows(ip("127.0.23.1")));
        assertFalse(acl.allows(ip("127.0.23.2")));
        assertTrue(acl.allows(ip("fd12::3")));
        assertFalse(acl.allows(ip("::1")));
        assertFalse(acl.allows(null));
        assertFalse(new AccessControl(List.of()).allows(ip("127.0.0.1")), "an empty list admits no one");
    }

    @Test
    void theDefaultIsLoopbackAndTheNetworksOfTheOwnAddresses() {
        List<Cidr> interfaces = cidrs("127.0.0.0/8", "::1/128", "192.0.2.0/24", "fd00::/64");
        List<Cidr> loopback = cidrs("127.0.0.0/8", "::1/128");
        // A loopback bind: loopback alone, which admits all of 127/8.
        assertEquals(loopback, AccessControl.localDefault(List.of(ip("127.0.23.10")), interfaces));
        // An interface's address: its network as the interface declares it.
        assertEquals(cidrs("127.0.0.0/8", "::1/128", "192.0.2.0/24"),
                AccessControl.localDefault(List.of(ip("127.0.23.10"), ip("192.0.2.7")), interfaces));
        assertEquals(cidrs("127.0.0.0/8", "::1/128", "fd00::/64"),
                AccessControl.localDefault(List.of(ip("fd00::7")), interfaces));
        // A wildcard bind: every interface's network.
        assertEquals(cidrs("127.0.0.0/8", "::1/128", "192.0.2.0/24", "fd00::/64"),
                AccessControl.localDefault(List.of(ip("0.0.0.0")), interfaces));
        // An address on no interface (advertised through NAT): that address alone.
        assertEquals(cidrs("127.0.0.0/8", "::1/128", "203.0.113.9/32"),
                AccessControl.localDefault(List.of(ip("203.0.113.9")), interfaces));
        // This machine's interfaces: at least loopback.
        List<Cidr> real = AccessControl.localDefault(List.of(ip("127.0.23.10")));
        assertTrue(real.containsAll(loopback), real::toString);
        assertTrue(new AccessControl(real).allows(ip("127.0.23.99")));
    }
}
