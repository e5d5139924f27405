package dev.grapevine.roles;

import dev.grapevine.Member;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A member chosen by an {@link OutstandingBalancer}, counted as one request in flight to it until
 * {@link #done()}. Use it with try-with-resources, or call {@code done()} in a {@code finally}: a pick never
 * done keeps counting against its member.
 */
public final class Pick implements AutoCloseable {

    private final Member member;
    private final Outstanding outstanding;
    private final AtomicBoolean done = new AtomicBoolean();

    Pick(Member member, Outstanding outstanding) {
        this.member = Objects.requireNonNull(member, "member");
        this.outstanding = outstanding;
    }

    /** The member to send the request to. */
    public Member member() {
        return member;
    }

    /** Ends the request: its member has one fewer in flight. Idempotent: only the first call counts. */
    public void done() {
        if (done.compareAndSet(false, true)) {
            outstanding.release(member.name());
        }
    }

    /** Same as {@link #done()}. */
    @Override
    public void close() {
        done();
    }

    @Override
    public String toString() {
        return "Pick[" + member.name() + (done.get() ? ", done]" : "]");
    }
}
