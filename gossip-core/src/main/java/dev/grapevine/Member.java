package dev.grapevine;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable snapshot of one member of the cluster.
 *
 * @param name        unique name in the cluster
 * @param address     where the member is reached (its advertised address)
 * @param tags        its key/value tags (role and others), unmodifiable
 * @param status      its status as this node sees it
 * @param incarnation the member's incarnation number; higher wins when reports disagree
 */
public record Member(String name, InetSocketAddress address, Map<String, String> tags, MemberStatus status,
                     long incarnation) {

    /** Copies the tags so the snapshot stays immutable. */
    public Member {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(status, "status");
        tags = Map.copyOf(tags);
    }

    /** The value of one tag, or null. */
    public String tag(String key) {
        return tags.get(key);
    }

    /** True when the member is alive or merely suspected. */
    public boolean isUp() {
        return status == MemberStatus.ALIVE || status == MemberStatus.SUSPECT;
    }
}
