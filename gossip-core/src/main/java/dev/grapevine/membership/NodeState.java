package dev.grapevine.membership;

import dev.grapevine.Member;
import dev.grapevine.MemberStatus;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One member as the engine tracks it. Mutable, owned by the protocol thread; {@link #snapshot()} gives the
 * immutable view published to other threads.
 */
final class NodeState {

    final String name;
    InetSocketAddress address;
    Map<String, String> tags;
    long incarnation;
    MemberStatus status;
    /** When the status last changed, on the protocol clock (drives reaping and gossip to the dead). */
    long statusSince;
    /** The running suspicion timer while {@link MemberStatus#SUSPECT}. */
    Suspicion suspicion;
    /** This member's contribution to the view digest, as last published. */
    long hash;
    /** Published snapshot, rebuilt on each change. */
    private Member snapshot;

    NodeState(String name, InetSocketAddress address, Map<String, String> tags, long incarnation,
              MemberStatus status, long now) {
        this.name = name;
        this.address = address;
        this.tags = tags;
        this.incarnation = incarnation;
        this.status = status;
        this.statusSince = now;
    }

    boolean isUp() {
        return status == MemberStatus.ALIVE || status == MemberStatus.SUSPECT;
    }

    boolean isGone() {
        return status == MemberStatus.FAILED || status == MemberStatus.LEFT;
    }

    /** Sets the status, stamping the time when it changes. */
    void setStatus(MemberStatus s, long now) {
        if (status != s) {
            status = s;
            statusSince = now;
        }
    }

    void clearSuspicion() {
        if (suspicion != null) {
            suspicion.cancel();
            suspicion = null;
        }
    }

    /** Rebuilds and returns the immutable snapshot. */
    Member publish() {
        snapshot = new Member(name, address, tags, status, incarnation);
        return snapshot;
    }

    Member snapshot() {
        return snapshot != null ? snapshot : publish();
    }
}
