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
        this(new Member(name, address, tags, status, incarnation), now);
    }

    /** A state whose status and incarnation are those of {@code created}, which is published as it is. */
    NodeState(Member created, long now) {
        this.incarnation = created.incarnation();
        this.status = created.status();
        this.statusSince = now;
        this.snapshot = created;
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

    /**
     * The member as it stands now: the current status and incarnation with {@code address} and {@code tags}
     * (not published yet).
     */
    Member current(InetSocketAddress address, Map<String, String> tags) {
        return new Member(name(), address, tags, status, incarnation);
    }

    /**
     * Publishes {@code m}, made by {@link #current} (possibly replaced by an equal instance shared with other
     * nodes: a {@code Member} is immutable).
     */
    void publish(Member m) {
        snapshot = m;
    }

    /** The snapshot as last published (at creation: the member as created). */
    Member snapshot() {
        return snapshot;
    }
}
