package dev.grapevine.sim;

import dev.grapevine.time.Cancellable;
import dev.grapevine.transport.Transport;

import java.net.InetSocketAddress;

/**
 * One entry of the simulation's event queue: something that happens at a virtual instant.
 *
 * <p>Events are ordered by (time, sequence); the sequence is a counter assigned when the event is queued,
 * so events of the same instant run in the order they were queued and a run is reproducible bit for bit.
 * Subclasses are plain data holders of a few fields; the behaviour lives in {@link SimulatedNetwork}, which
 * they call back from {@link #fire}.
 */
abstract class Event implements Comparable<Event> {

    /** Virtual time at which the event is due, in nanoseconds. */
    long time;
    /** Tie breaker: queue order. */
    long seq;
    /**
     * Set when a paused host held the event and re-queued it at resume: it already crossed the network (it
     * sat in a socket buffer), so partition checks no longer apply.
     */
    boolean redelivered;

    /** Does what the event stands for. Runs on the simulation thread. */
    abstract void fire(SimulatedNetwork net);

    /** True when the event should be skipped without running (cancelled timer, finished request...). */
    boolean isCancelled() {
        return false;
    }

    /** The address of the host whose code the event runs, for error reports. */
    abstract InetSocketAddress where();

    @Override
    public final int compareTo(Event o) {
        int c = Long.compare(time, o.time);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    /** A timer or an executed task of one host; also its cancellation handle. */
    static final class Task extends Event implements Cancellable {
        final Host owner;
        /** Null once run or cancelled, so a cancelled timer holds no task state while it waits in the queue. */
        Runnable task;

        Task(Host owner, Runnable task) {
            this.owner = owner;
            this.task = task;
        }

        @Override
        public void cancel() {
            if (task != null) {
                task = null;
                owner.net.noteCancelled();
            }
        }

        @Override
        boolean isCancelled() {
            return task == null;
        }

        @Override
        void fire(SimulatedNetwork net) {
            net.runTask(this);
        }

        @Override
        InetSocketAddress where() {
            return owner.endpoint.address;
        }
    }

    /** A datagram in flight. The receiving host is resolved from the address when it arrives. */
    static final class Datagram extends Event {
        final Endpoint from;
        final Endpoint to;
        final byte[] data;

        Datagram(Endpoint from, Endpoint to, byte[] data) {
            this.from = from;
            this.to = to;
            this.data = data;
        }

        @Override
        void fire(SimulatedNetwork net) {
            net.arriveDatagram(this);
        }

        @Override
        InetSocketAddress where() {
            return to.address;
        }
    }

    /**
     * An outstanding {@link Transport#request}. Queued as the requester's timeout; {@link #done} once a
     * callback ran (or the requester died), which also turns the timeout into a cancelled event.
     */
    static final class Call extends Event {
        final Host requester;
        final InetSocketAddress target;
        final long timeoutNanos;
        final Transport.Reply reply;
        boolean done;
        /** Links of the requester's list of outstanding calls. */
        Call prev;
        Call next;

        Call(Host requester, InetSocketAddress target, long timeoutNanos, Transport.Reply reply) {
            this.requester = requester;
            this.target = target;
            this.timeoutNanos = timeoutNanos;
            this.reply = reply;
        }

        @Override
        boolean isCancelled() {
            return done;
        }

        @Override
        void fire(SimulatedNetwork net) {
            net.timeOut(this);
        }

        @Override
        InetSocketAddress where() {
            return requester.endpoint.address;
        }
    }

    /** A request frame reaching the host it was opened to. */
    static final class Request extends Event {
        final Call call;
        final Host dest;
        final byte[] data;

        Request(Call call, Host dest, byte[] data) {
            this.call = call;
            this.dest = dest;
            this.data = data;
        }

        @Override
        void fire(SimulatedNetwork net) {
            net.arriveRequest(this);
        }

        @Override
        InetSocketAddress where() {
            return dest.endpoint.address;
        }
    }

    /** A reply frame reaching the requester. */
    static final class Response extends Event {
        final Call call;
        final Host responder;
        final byte[] data;

        Response(Call call, Host responder, byte[] data) {
            this.call = call;
            this.responder = responder;
            this.data = data;
        }

        @Override
        boolean isCancelled() {
            return call.done;
        }

        @Override
        void fire(SimulatedNetwork net) {
            net.arriveResponse(this);
        }

        @Override
        InetSocketAddress where() {
            return call.requester.endpoint.address;
        }
    }

    /** A request failing (refused, reset, oversized, closed) at the requester. */
    static final class Failure extends Event {
        final Call call;
        final Exception cause;
        /** Runs even though the requester is no longer live: its transport was closed with the call pending. */
        final boolean force;

        Failure(Call call, Exception cause, boolean force) {
            this.call = call;
            this.cause = cause;
            this.force = force;
        }

        @Override
        boolean isCancelled() {
            return call.done;
        }

        @Override
        void fire(SimulatedNetwork net) {
            net.arriveFailure(this);
        }

        @Override
        InetSocketAddress where() {
            return call.requester.endpoint.address;
        }
    }
}
