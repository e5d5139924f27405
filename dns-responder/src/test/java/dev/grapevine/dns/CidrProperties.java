package dev.grapevine.dns;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Networks against a reference written another way (big integers shifted right): a network holds exactly the
 * addresses whose first {@code prefix} bits are its own, and its text parses back to itself.
 */
class CidrProperties {

    @Provide
    Arbitrary<byte[]> addresses() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofSize(4),
                Arbitraries.bytes().array(byte[].class).ofSize(16));
    }

    /** The address of these bytes; 16 bytes stay IPv6 even when IPv4-mapped. */
    private static InetAddress inet(byte[] a) {
        try {
            return a.length == 16 ? Inet6Address.getByAddress(null, a, null) : InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean reference(byte[] network, int prefix, byte[] address) {
        if (network.length != address.length) {
            return false;
        }
        int shift = network.length * 8 - prefix;
        return new BigInteger(1, network).shiftRight(shift).equals(new BigInteger(1, address).shiftRight(shift));
    }

    @Property(tries = 2000)
    void containsAgreesWithTheReference(@ForAll("addresses") byte[] base, @ForAll("addresses") byte[] other,
                                        @ForAll @IntRange(min = 0, max = 128) int anyPrefix,
                                        @ForAll @IntRange(min = 0, max = 127) int flipBit) {
        int prefix = anyPrefix % (base.length * 8 + 1);
        Cidr net = Cidr.of(inet(base), prefix);
        // Its own address, a random one, and the base with one bit flipped (inside or past the prefix).
        byte[] flipped = base.clone();
        int bit = flipBit % (base.length * 8);
        flipped[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
        for (byte[] a : new byte[][]{base, other, flipped}) {
            assertEquals(reference(base, prefix, a), net.contains(inet(a)),
                    () -> net + " vs " + inet(a).getHostAddress());
        }
        assertEquals(bit >= prefix, net.contains(inet(flipped)));
    }

    private static boolean mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }

    @Property(tries = 2000)
    void theTextParsesBackToTheSameNetwork(@ForAll("addresses") byte[] base,
                                           @ForAll @IntRange(min = 0, max = 128) int anyPrefix) {
        int prefix = anyPrefix % (base.length * 8 + 1);
        Cidr net = Cidr.of(inet(base), prefix);
        // IPv4-mapped IPv6 networks are written as IPv4 and refused as IPv6 text (the class comment).
        Assume.that(!(net.isIpv6() && prefix > 80 && mapped(Cidr.mask(base, prefix))));
        assertEquals(net, Cidr.parse(net.toString()));
        assertEquals(prefix, net.prefix());
    }
}
