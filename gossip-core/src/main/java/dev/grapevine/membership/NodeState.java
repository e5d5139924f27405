package dev.grapevine.membership;

import dev.grapevine.Member;
import dev.grapevine.MemberStatus;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * One member as the engine tracks it. Mutable, owned by the protocol thread; {@link #snapshot()} gives the
 * immutable view published to other threads.
 *
 * <p>Compact on purpose: a node keeps one of these per member, so a simulation of N nodes in one JVM keeps
 * N squared. The member's name, address and tags live only in the published {@link Member} (they change only
 * when it is republished); the status and incarnation the merge rules work on are kept here as well, since
 * they change ahead of a publish.
 */
final class NodeState {

    /** Published snapshot, replaced on each change; read by other threads. Never null. */
    private volatile Member snapshot;
    long incarnation;
    MemberStatus status;
    /** When the status last changed, on the protocol clock (drives reaping and gossip to the dead). */
    long statusSince;
    /** The running suspicion timer while {@link MemberStatus#SUSPECT}. */
    Suspicion suspicion;

    NodeState(String name, InetSocketAddress address, Map<String, String> tags, long incarnation,
              MemberStatus status, long now) {
        this.incarnation = incarnation;
        this.status = status;
        this.statusSince = now;
        this.snapshot = new Member(name, address, tags, status, incarnation);
    }

    /** The member's name (never changes). */
    String name() {
        return snapshot.name();
    }

    /** The member's address, as last published. */
    InetSocketAddress address() {
        return snapshot.address();
    }

    /** The member's tags, as last published. */
    Map<String, String> tags() {
        return snapshot.tags();
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

    /** Publishes the current status and incarnation with {@code address} and {@code tags}; returns the snapshot. */
    Member publish(InetSocketAddress address, Map<String, String> tags) {
        Member m = new Member(name(), address, tags, status, incarnation);
        snapshot = m;
        return m;
    }

    /** The snapshot as last published (at creation: the member as created). */
    Member snapshot() {
        return snapshot;
    }
}
