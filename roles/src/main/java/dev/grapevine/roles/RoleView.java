package dev.grapevine.roles;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A live view of the members that serve one role: up (alive or suspect), with the role tag, and healthy (see
 * {@link Roles#serves}). Thread-safe: {@link #members()} is a lock-free read of an immutable snapshot, replaced
 * whenever the view changes.
 *
 * <p>How events move members: {@code MemberJoined} and {@code MemberUpdated} put the member in when it serves
 * the role and take it out otherwise (a role or health tag change moves it either way); {@code MemberFailed},
 * {@code MemberLeft} and {@code MemberReaped} take it out. Other events are ignored. Since the gossip layer
 * sends no event when a member becomes suspect, suspect members stay in until they are declared failed.
 *
 * <p>A view built by {@link #of(GossipNode, String)} follows the node's listener events; one built with the
 * constructor is fed by hand through {@link #onEvent} and {@link #reset}.
 */
public final class RoleView {

    private static final Logger LOG = LoggerFactory.getLogger(RoleView.class);

    private final String role;
    private final Object lock = new Object();
    /** Members in the view by name; guarded by {@link #lock}. */
    private final TreeMap<String, Member> current = new TreeMap<>();
    private final List<Consumer<List<Member>>> listeners = new CopyOnWriteArrayList<>();
    private volatile List<Member> snapshot = List.of();

    /**
     * An empty view of {@code role}, to be fed through {@link #onEvent} and {@link #reset}.
     *
     * @param role the role tag value to follow, e.g. {@link Roles#APP}
     */
    public RoleView(String role) {
        this.role = Objects.requireNonNull(role, "role");
    }

    /**
     * A view of {@code role} that follows {@code node}: registers a listener on the node, then seeds the view
     * from {@link GossipNode#members()}. The seed is taken under the view's lock, so an event that reaches the
     * view before the seed is already reflected in it, and one that arrives after is applied on top; the view
     * is eventually consistent with the node. The listener stays registered for the node's lifetime.
     *
     * @param node the node whose membership to follow
     * @param role the role tag value to follow
     * @return the view, already seeded
     */
    public static RoleView of(GossipNode node, String role) {
        RoleView view = new RoleView(role);
        node.addListener(view::onEvent);
        synchronized (view.lock) {
            view.reset(node.members());
        }
        return view;
    }

    /** The role this view follows. */
    public String role() {
        return role;
    }

    /** An immutable snapshot of the members in the view, sorted by name. */
    public List<Member> members() {
        return snapshot;
    }

    /** The number of members in the view. */
    public int size() {
        return snapshot.size();
    }

    /** True when no member serves the role. */
    public boolean isEmpty() {
        return snapshot.isEmpty();
    }

    /**
     * Adds a listener called with the new snapshot after each change of the view: a member entered or left,
     * or a member in the view changed (its tags, address or incarnation), which matters to users of
     * {@link Roles#endpoint}. Events that change nothing call no one. Listeners run on the thread that applied
     * the change, in order, while the view's lock is held: keep them short. An exception is logged and does not
     * stop the other listeners.
     */
    public void addListener(Consumer<List<Member>> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Applies one cluster event; events that are not member events are ignored. */
    public void onEvent(ClusterEvent event) {
        if (!(event instanceof ClusterEvent.MemberEvent memberEvent)) {
            return;
        }
        Member member = memberEvent.member();
        synchronized (lock) {
            if (memberEvent instanceof ClusterEvent.MemberJoined || memberEvent instanceof ClusterEvent.MemberUpdated) {
                apply(member);
            } else {
                // MemberFailed, MemberLeft, MemberReaped: out, whatever the status the event carries.
                current.remove(member.name());
            }
            publish();
        }
    }

    /** Replaces the whole view with the members of {@code members} that serve the role. */
    public void reset(Collection<Member> members) {
        synchronized (lock) {
            current.clear();
            for (Member m : members) {
                apply(m);
            }
            publish();
        }
    }

    private void apply(Member member) {
        if (Roles.serves(member, role)) {
            current.put(member.name(), member);
        } else {
            current.remove(member.name());
        }
    }

    /** Swaps in a new snapshot and calls the listeners, when it differs from the last one. Holds the lock. */
    private void publish() {
        List<Member> next = List.copyOf(current.values());
        if (next.equals(snapshot)) {
            return;
        }
        snapshot = next;
        for (Consumer<List<Member>> listener : listeners) {
            try {
                listener.accept(next);
            } catch (RuntimeException e) {
                LOG.warn("role view listener for {} failed", role, e);
            }
        }
    }

    @Override
    public String toString() {
        return "RoleView[" + role + ": " + snapshot.stream().map(Member::name).toList() + "]";
    }
}
