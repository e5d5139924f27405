package dev.grapevine;

/** Where a member stands, as this node sees it. */
public enum MemberStatus {
    /** Answering probes (or not yet suspected). */
    ALIVE,
    /** Missed a probe; will be declared failed unless it refutes in time. */
    SUSPECT,
    /** Declared dead without having left. */
    FAILED,
    /** Announced its own departure. */
    LEFT
}
