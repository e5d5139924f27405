package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;

import java.util.Arrays;
import java.util.Optional;

/**
 * The kinds of cluster event a handler can ask for, under Serf's names: the names are what a script sees in
 * {@code SERF_EVENT} and what a filter such as {@code member-join,user:deploy} is written with.
 */
public enum EventType {
    /** {@link ClusterEvent.MemberJoined}. */
    MEMBER_JOIN("member-join"),
    /** {@link ClusterEvent.MemberLeft}. */
    MEMBER_LEAVE("member-leave"),
    /** {@link ClusterEvent.MemberFailed}. */
    MEMBER_FAILED("member-failed"),
    /** {@link ClusterEvent.MemberUpdated}. */
    MEMBER_UPDATE("member-update"),
    /** {@link ClusterEvent.MemberReaped}. */
    MEMBER_REAP("member-reap"),
    /** {@link ClusterEvent.UserEvent}. */
    USER("user"),
    /** {@link ClusterEvent.Query}. */
    QUERY("query");

    private final String serfName;

    EventType(String serfName) {
        this.serfName = serfName;
    }

    /** The name Serf uses: {@code member-join}, ..., {@code user}, {@code query}. */
    public String serfName() {
        return serfName;
    }

    /** True for the five member event types. */
    public boolean isMemberEvent() {
        return this != USER && this != QUERY;
    }

    /** The type of {@code event}. */
    public static EventType of(ClusterEvent event) {
        if (event instanceof ClusterEvent.MemberJoined) {
            return MEMBER_JOIN;
        } else if (event instanceof ClusterEvent.MemberLeft) {
            return MEMBER_LEAVE;
        } else if (event instanceof ClusterEvent.MemberFailed) {
            return MEMBER_FAILED;
        } else if (event instanceof ClusterEvent.MemberUpdated) {
            return MEMBER_UPDATE;
        } else if (event instanceof ClusterEvent.MemberReaped) {
            return MEMBER_REAP;
        } else if (event instanceof ClusterEvent.UserEvent) {
            return USER;
        } else if (event instanceof ClusterEvent.Query) {
            return QUERY;
        }
        throw new IllegalArgumentException("unknown event " + event);
    }

    /** The type Serf calls {@code name}, if any. */
    public static Optional<EventType> bySerfName(String name) {
        return Arrays.stream(values()).filter(t -> t.serfName.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return serfName;
    }
}
