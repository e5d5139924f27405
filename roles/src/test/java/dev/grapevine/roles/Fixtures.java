package dev.grapevine.roles;

import dev.grapevine.Member;
import dev.grapevine.MemberStatus;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;

/** Members for tests. */
final class Fixtures {

    private Fixtures() {
    }

    static InetSocketAddress address(int i) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[]{127, 0, 0, (byte) (i + 1)}), 7946);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static Member member(String name, int i, MemberStatus status, String role, String health) {
        Map<String, String> tags = new HashMap<>();
        if (role != null) {
            tags.put(Roles.ROLE, role);
        }
        if (health != null) {
            tags.put(Roles.HEALTH, health);
        }
        return new Member(name, address(i), tags, status, 1);
    }

    static Member app(String name, int i) {
        return member(name, i, MemberStatus.ALIVE, Roles.APP, null);
    }
}
