package dev.grapevine.dns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network: an address and a prefix length ({@code 10.0.0.0/8}, {@code fd00::/8}). Immutable.
 *
 * <p>{@link #parse(String)} is strict: an address literal (never a host name: nothing is looked up), a prefix
 * of 0 to 32 (IPv4) or 0 to 128 (IPv6), and no bits set past the prefix ({@code 10.0.0.5/24} is refused: the
 * network is {@code 10.0.0.0/24}). A bare address stands for that one host ({@code /32} or {@code /128}).
 * IPv4 networks are written as IPv4: an IPv4-mapped IPv6 form ({@code ::ffff:10.0.0.0/104}) is refused, and
 * a client that reaches a dual-stack socket from an IPv4 address is seen as that IPv4 address.
 */
public final class Cidr {

    /** Two or more zero groups in a row of {@link InetAddress#getHostAddress()}'s full IPv6 text. */
    private static final Pattern ZERO_GROUPS = Pattern.compile("(?<![0-9a-f])0(:0)+(?![0-9a-f])");

    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /**
     * The network {@code text} names, e.g. {@code 127.0.0.0/8}, {@code 192.0.2.7} (one host), {@code ::1/128}.
     *
     * @throws IllegalArgumentException quoting the text and saying what is wrong with it
     */
    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("'" + text + "' is not a network: empty");
        }
        String t = text.strip();
        int slash = t.indexOf('/');
        String addressText = slash < 0 ? t : t.substring(0, slash);
        byte[] address = literal(text, addressText);
        int bits = address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = t.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("'" + text + "' is not a network: the prefix length '" + p
                        + "' is not a number");
            }
            prefix = Integer.parseInt(p);
            if (prefix > bits) {
                throw new IllegalArgumentException("'" + text + "' is not a network: the prefix length must be 0 to "
                        + bits + ", was " + prefix);
            }
        }
        byte[] masked = mask(address, prefix);
        if (!Arrays.equals(masked, address)) {
            Cidr network = new Cidr(masked, prefix);
            throw new IllegalArgumentException("'" + text + "' has bits set past the prefix: the network is "
                    + network);
        }
        return new Cidr(masked, prefix);
    }

    /** The network of {@code prefix} bits that holds {@code address} (host bits cleared). */
    public static Cidr of(InetAddress address, int prefix) {
        byte[] a = Objects.requireNonNull(address, "address").getAddress();
        if (prefix < 0 || prefix > a.length * 8) {
            throw new IllegalArgumentException("prefix must be 0 to " + a.length * 8 + ", was " + prefix);
        }
        return new Cidr(mask(a, prefix), prefix);
    }

    /** True when {@code address} is in this network; an IPv4 address is never in an IPv6 network, nor the reverse. */
    public boolean contains(InetAddress address) {
        return address != null && contains(address.getAddress());
    }

    boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int m = (0xFF << (8 - rest)) & 0xFF;
        return (address[full] & m) == (network[full] & 0xFF);
    }

    /** The prefix length in bits. */
    public int prefix() {
        return prefix;
    }

    /** True for an IPv6 network. */
    public boolean isIpv6() {
        return network.length == 16;
    }

    /** The network's first address (an IPv6 network's is IPv6 even when IPv4-mapped). */
    public InetAddress address() {
        try {
            return network.length == 16 ? Inet6Address.getByAddress(null, network, null)
                    : InetAddress.getByAddress(network);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
        }
    }

    /** {@code address & mask(prefix)}: the first {@code prefix} bits kept, the others cleared. */
    static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] = (byte) (out[i] & ((0xFF << (8 - keep)) & 0xFF));
        }
        return out;
    }

    /** The bytes of an IPv4 or IPv6 literal; never a name lookup. */
    private static byte[] literal(String text, String a) {
        if (a.indexOf(':') < 0) {
            String[] parts = a.split("\\.", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException("'" + text + "' is not a network: '" + a
                        + "' is not an IPv4 address (four numbers 0-255 separated by dots) or an IPv6 address");
            }
            byte[] out = new byte[4];
            for (int i = 0; i < 4; i++) {
                String p = parts[i];
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                        || Integer.parseInt(p) > 255 || p.length() > 1 && p.charAt(0) == '0') {
                    throw new IllegalArgumentException("'" + text + "' is not a network: '" + p
                            + "' in '" + a + "' is not a number 0-255 (without leading zeros)");
                }
                out[i] = (byte) Integer.parseInt(p);
            }
            return out;
        }
        // Hex digits, colons and the dots of an embedded IPv4 tail only: InetAddress then parses a literal and
        // never looks a name up. No zone (%eth0) and no brackets.
        if (!a.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("'" + text + "' is not a network: '" + a
                    + "' is not an IPv6 address (hex digits and colons, no zone or brackets)");
        }
        InetAddress parsed;
        try {
            parsed = InetAddress.getByName(a);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not a network: '" + a + "' is not an IPv6 address");
        }
        if (!(parsed instanceof Inet6Address)) {
            throw new IllegalArgumentException("'" + text + "' is not a network: write the IPv4-mapped address '" + a
                    + "' as IPv4 (" + parsed.getHostAddress() + ")");
        }
        return parsed.getAddress();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    /** The network as {@code parse} takes it: {@code 10.0.0.0/8}, {@code fd00::/8} (IPv6 in its short form). */
    @Override
    public String toString() {
        InetAddress a = address();
        String text = a instanceof Inet4Address ? a.getHostAddress() : shortIpv6(a);
        return text + "/" + prefix;
    }

    /** RFC 5952 text: the JDK's full form with its longest (first on a tie) run of zero groups as "::". */
    private static String shortIpv6(InetAddress a) {
        String full = a.getHostAddress();
        int from = -1;
        int to = -1;
        Matcher m = ZERO_GROUPS.matcher(full);
        while (m.find()) {
            if (m.end() - m.start() > to - from) {
                from = m.start();
                to = m.end();
            }
        }
        if (from < 0) {
            return full;
        }
        String left = full.substring(0, from);
        String right = full.substring(to);
        return (left.endsWith(":") ? left.substring(0, left.length() - 1) : left) + "::"
                + (right.startsWith(":") ? right.substring(1) : right);
    }
}
