package dev.grapevine.benchmarks.httpstack;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The command line the comparison's reverse proxies share:
 * {@code --listen host:port --upstream host:port[,host:port...] [--name value ...]}, where the other
 * {@code --name value} pairs are each stack's own knobs (thread counts, pool sizes).
 * Also the hop-by-hop header names (RFC 9110, section 7.6.1) that a proxy must not forward.
 */
record ProxyOptions(InetSocketAddress listen, List<InetSocketAddress> upstreams, Map<String, String> extra) {

    /** Headers that describe one connection, not the message: never forwarded in either direction. */
    static final Set<String> HOP_BY_HOP = Set.of(
            "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");

    static ProxyOptions parse(String[] args) {
        Map<String, String> named = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got: " + String.join(" ", args));
            }
            named.put(args[i].substring(2), args[i + 1]);
        }
        String listen = named.remove("listen");
        String upstream = named.remove("upstream");
        if (listen == null || upstream == null) {
            throw new IllegalArgumentException("usage: --listen host:port --upstream host:port[,host:port...]");
        }
        List<InetSocketAddress> ups = new ArrayList<>();
        for (String u : upstream.split(",")) {
            ups.add(address(u.trim()));
        }
        return new ProxyOptions(address(listen), List.copyOf(ups), Map.copyOf(named));
    }

    int intOption(String name, int fallback) {
        String v = extra.get(name);
        return v == null ? fallback : Integer.parseInt(v);
    }

    static boolean isHopByHop(String headerName) {
        return HOP_BY_HOP.contains(headerName.toLowerCase(Locale.ROOT));
    }

    /** host:port, resolved now (the benchmark uses literal loopback addresses). */
    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not host:port: " + hostPort);
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    static String hostPort(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }
}
