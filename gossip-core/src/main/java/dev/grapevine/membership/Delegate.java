package dev.grapevine.membership;

import dev.grapevine.wire.Message;

import java.net.InetSocketAddress;

/**
 * The layer above membership (user events, queries, member intents) as the engine sees it. All calls are
 * made on the protocol thread.
 */
public interface Delegate {

    /** A message the membership protocol does not handle itself (intents, events, queries, responses). */
    void onMessage(Message message, InetSocketAddress from);

    /** The layer's part of a push-pull this node sends ({@code join}: the exchange is our own join). */
    Message.SerfState localState(boolean join);

    /**
     * Merges the layer's part of a push-pull received. {@code ourJoin} is true when it answers a join this
     * node started.
     */
    void mergeRemoteState(Message.SerfState state, boolean ourJoin);

    /** True when {@code member} announced that it is leaving, so its disappearance is a leave, not a failure. */
    boolean announcedLeave(String member);

    /**
     * Two live nodes claim one name: {@code member} as known here, and a node at {@code otherAddress}. The
     * engine keeps the member it knows; when {@code member} is this node, the layer resolves the conflict.
     */
    void onConflict(dev.grapevine.Member member, InetSocketAddress otherAddress);

    /** The layer's event clock: a quiet peer whose clock is ahead has events this node missed. */
    long eventClock();
}
