package dev.grapevine;

/**
 * Something that happened to the cluster, as one node saw it. Listeners receive these in order, on a
 * listener thread (never the protocol thread).
 */
public sealed interface ClusterEvent {

    /** The member the event is about, as it stood when the event happened. */
    Member member();

    /** A member became alive: newly seen, or back after failing or leaving. */
    record MemberJoined(Member member) implements ClusterEvent { }

    /** A member announced its departure. */
    record MemberLeft(Member member) implements ClusterEvent { }

    /** A member was declared failed. */
    record MemberFailed(Member member) implements ClusterEvent { }

    /** An alive member changed its tags or address. */
    record MemberUpdated(Member member) implements ClusterEvent { }

    /** A failed or left member was forgotten after its reap timeout. */
    record MemberReaped(Member member) implements ClusterEvent { }
}
