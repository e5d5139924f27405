package dev.grapevine.handlers.template;

import dev.grapevine.Member;
import dev.grapevine.MemberStatus;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Members for tests, on 127.0.9.x. */
final class Members {

    private Members() {
    }

    static InetSocketAddress address(int i) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[]{127, 0, 9, (byte) i}), 7946);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A member on 127.0.9.{@code i} with {@code tags} given as key, value, key, value... */
    static Member member(String name, int i, MemberStatus status, String... tags) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int t = 0; t < tags.length; t += 2) {
            map.put(tags[t], tags[t + 1]);
        }
        return new Member(name, address(i), map, status, 1);
    }

    /** An alive, healthy front end on 127.0.9.{@code i} serving HTTP on {@code port}. */
    static Member front(String name, int i, int port) {
        return member(name, i, MemberStatus.ALIVE, "role", "front", "http.port", Integer.toString(port));
    }
}
