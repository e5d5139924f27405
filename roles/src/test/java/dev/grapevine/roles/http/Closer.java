package dev.grapevine.roles.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** What a test opened, closed newest first; and the loopback addresses tests bind to. */
final class Closer implements AutoCloseable {

    private final List<AutoCloseable> open = new ArrayList<>();

    /** Closes {@code c} with the others at the end of the test; returns it. */
    <T extends AutoCloseable> T add(T c) {
        open.add(c);
        return c;
    }

    @Override
    public void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
    }

    /** {@code 127.0.<net>.<host>}, port 0. */
    static InetSocketAddress loopback(int net, int host) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[]{127, 0, (byte) net, (byte) host}), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
