package dev.grapevine.dns;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which clients may have names outside the domain forwarded (recursion): those whose address is in one of the
 * allowed networks. Everyone else gets REFUSED for such names; the membership zone is answered to all.
 */
final class AccessControl {

    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);

    /** Loopback, always in the default list. */
    static final List<Cidr> LOOPBACK = List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128"));

    private final List<Cidr> allowed;

    AccessControl(Collection<Cidr> allowed) {
        this.allowed = List.copyOf(new LinkedHashSet<>(allowed));
    }

    /** True when {@code client} is in an allowed network. */
    boolean allows(InetAddress client) {
        if (client == null) {
            return false;
        }
        byte[] a = client.getAddress();
        for (Cidr c : allowed) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }

    List<Cidr> allowed() {
        return allowed;
    }

    /**
     * The default list: loopback, and the network of every address in {@code own} as its interface declares it
     * (address and prefix length of the {@link InterfaceAddress} whose network holds it). A wildcard address
     * (0.0.0.0, ::) stands for every address of every interface that is up, like BIND's {@code localnets}. An
     * address no interface holds (a NAT address advertised, say) is allowed alone ({@code /32}, {@code /128}).
     */
    static List<Cidr> localDefault(Collection<InetAddress> own) {
        return localDefault(own, interfaceNetworks());
    }

    /** {@link #localDefault(Collection)} with the interfaces' networks given, for tests. */
    static List<Cidr> localDefault(Collection<InetAddress> own, List<Cidr> interfaces) {
        Set<Cidr> out = new LinkedHashSet<>(LOOPBACK);
        for (InetAddress a : own) {
            if (a == null) {
                continue;
            }
            if (a.isAnyLocalAddress()) {
                out.addAll(interfaces);
                continue;
            }
            boolean found = false;
            for (Cidr net : interfaces) {
                if (net.contains(a)) {
                    out.add(net);
                    found = true;
                }
            }
            if (!found) {
                out.add(Cidr.of(a, a.getAddress().length * 8));
            }
        }
        return List.copyOf(out);
    }

    private static int prefixOf(InterfaceAddress ia) {
        int max = ia.getAddress().getAddress().length * 8;
        int p = ia.getNetworkPrefixLength();
        return p < 0 || p > max ? max : p;
    }

    /** The networks of the addresses of the interfaces that are up; none when the JDK cannot list them. */
    static List<Cidr> interfaceNetworks() {
        List<Cidr> out = new ArrayList<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (ni.isUp()) {
                    for (InterfaceAddress ia : ni.getInterfaceAddresses()) {
                        out.add(Cidr.of(ia.getAddress(), prefixOf(ia)));
                    }
                }
            }
        } catch (SocketException e) {
            LOG.warn("cannot list the network interfaces ({}); the default DNS allow list is loopback and the"
                    + " node's own addresses", e.toString());
        }
        return out;
    }
}
