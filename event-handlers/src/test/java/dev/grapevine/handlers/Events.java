package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Hand-made events for tests that need no cluster. */
final class Events {

    private Events() {
    }

    static Member member(String name) {
        return new Member(name, new InetSocketAddress("127.0.8.99", 7946), Map.of("role", "app"),
                MemberStatus.ALIVE, 1);
    }

    static ClusterEvent joined(String name) {
        return new ClusterEvent.MemberJoined(member(name));
    }

    static ClusterEvent left(String name) {
        return new ClusterEvent.MemberLeft(member(name));
    }

    static ClusterEvent user(String name, String payload, long ltime) {
        return new ClusterEvent.UserEvent(name, payload.getBytes(StandardCharsets.UTF_8), ltime);
    }

    static ClusterEvent query(String name, String payload, long ltime) {
        return new ClusterEvent.Query(name, payload.getBytes(StandardCharsets.UTF_8), ltime, "asker", r -> { });
    }
}
