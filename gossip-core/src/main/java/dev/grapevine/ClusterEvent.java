package dev.grapevine;

import java.util.Arrays;
import java.util.Objects;

/**
 * Something that happened to the cluster, as one node saw it. Listeners receive these in order, on a
 * listener thread (never the protocol thread): member changes, user events and queries.
 */
public sealed interface ClusterEvent {

    /** A change of one member. */
    sealed interface MemberEvent extends ClusterEvent {
        /** The member the event is about, as it stood when the event happened. */
        Member member();
    }

    /** A member became alive: newly seen, or back after failing or leaving. */
    record MemberJoined(Member member) implements MemberEvent { }

    /** A member announced its departure. */
    record MemberLeft(Member member) implements MemberEvent { }

    /** A member was declared failed. */
    record MemberFailed(Member member) implements MemberEvent { }

    /** An alive member changed its tags or address. */
    record MemberUpdated(Member member) implements MemberEvent { }

    /** A failed or left member was forgotten after its reap timeout. */
    record MemberReaped(Member member) implements MemberEvent { }

    /**
     * A user event, delivered once to every member.
     *
     * @param name    the event's name
     * @param payload its payload (a copy per listener call is not made: do not modify it)
     * @param ltime   its Lamport time on the cluster's event clock
     */
    record UserEvent(String name, byte[] payload, long ltime) implements ClusterEvent {

        /** Decodes the payload with {@code codec} (for typed events). */
        public <T> T payload(dev.grapevine.payload.PayloadCodec<T> codec)
                throws dev.grapevine.payload.PayloadException {
            return codec.decode(payload);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof UserEvent e && e.ltime == ltime && e.name.equals(name)
                    && Arrays.equals(e.payload, payload);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, ltime) * 31 + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "UserEvent[name=" + name + ", ltime=" + ltime + ", payload=" + payload.length + " bytes]";
        }
    }

    /**
     * A query this node is asked to answer. Call {@link #respond} at most once, before the query's deadline.
     */
    final class Query implements ClusterEvent {
        private final String name;
        private final byte[] payload;
        private final long ltime;
        private final String from;
        private final Responder responder;

        /** Created by the event layer. */
        public Query(String name, byte[] payload, long ltime, String from, Responder responder) {
            this.name = name;
            this.payload = payload;
            this.ltime = ltime;
            this.from = from;
            this.responder = responder;
        }

        /** The query's name. */
        public String name() {
            return name;
        }

        /** Its payload. */
        public byte[] payload() {
            return payload;
        }

        /** Decodes the payload with {@code codec} (for typed queries). */
        public <T> T payload(dev.grapevine.payload.PayloadCodec<T> codec)
                throws dev.grapevine.payload.PayloadException {
            return codec.decode(payload);
        }

        /** Its Lamport time on the cluster's query clock. */
        public long ltime() {
            return ltime;
        }

        /** The name of the member that asked. */
        public String from() {
            return from;
        }

        /**
         * Sends {@code response} to the asker.
         *
         * @throws IllegalStateException    when already answered, or the query's deadline has passed
         * @throws IllegalArgumentException when the response exceeds {@code queryResponseSizeLimit}
         */
        public void respond(byte[] response) {
            responder.respond(response);
        }

        @Override
        public String toString() {
            return "Query[name=" + name + ", from=" + from + ", ltime=" + ltime + ", payload=" + payload.length
                    + " bytes]";
        }

        /** Sends the single response of a query. */
        @FunctionalInterface
        public interface Responder {
            /** Sends it; see {@link Query#respond}. */
            void respond(byte[] response);
        }
    }
}
