package dev.grapevine.dns;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.roles.Roles;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The membership as DNS sees it: members by role and by name, indexed case-insensitively (DNS names are).
 *
 * <p>The index is rebuilt lazily: a listener on the node counts member events, and the first lookup after a
 * change rebuilds it from {@link GossipNode#members()} (one pass over the members). Lookups between changes
 * share one immutable index, so a busy responder does not scan the membership per query, and an idle one does
 * no work on churn. Events reach listeners after the node's own view changed, so an index built after an
 * event is at least as new as that event.
 */
final class MemberDirectory {

    private final GossipNode node;
    private final AtomicLong changes = new AtomicLong();
    private final dev.grapevine.ClusterListener listener = event -> {
        if (event instanceof ClusterEvent.MemberEvent) {
            changes.incrementAndGet();
        }
    };
    private volatile Index index;

    MemberDirectory(GossipNode node) {
        this.node = node;
        node.addListener(listener);
        this.index = new Index(-1, List.of());
    }

    /** Stops following the node (its listener is removed). */
    void close() {
        node.removeListener(listener);
    }

    /** The index as of the latest member event. */
    Index current() {
        long seen = changes.get();
        Index i = index;
        if (i.generation != seen) {
            i = new Index(seen, node.members());
            index = i;
        }
        return i;
    }

    /** The name of the node this directory follows. */
    String localName() {
        return node.name();
    }

    /** Lower-cases the way DNS compares names: ASCII letters only (RFC 4343); other characters are kept. */
    static String fold(String s) {
        char[] out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                if (out == null) {
                    out = s.toCharArray();
                }
                out[i] = (char) (c + ('a' - 'A'));
            }
        }
        return out == null ? s : new String(out);
    }

    /** An immutable view of the membership at one moment. */
    static final class Index {
        private final long generation;
        /** The SOA serial: when the index was built, in seconds since the epoch, modulo 2^32. */
        private final long serial = (System.currentTimeMillis() / 1000) & 0xFFFF_FFFFL;
        /** Members serving each role ({@link Roles#serves}), by folded role name, sorted by member name. */
        private final Map<String, List<Member>> serving = new HashMap<>();
        /** Members that are up, by exact name. */
        private final Map<String, Member> byName = new HashMap<>();
        /** Members that are up, by folded name; when two names fold alike, the first in name order. */
        private final Map<String, Member> byFoldedName = new HashMap<>();

        Index(long generation, Collection<Member> members) {
            this.generation = generation;
            List<Member> sorted = new ArrayList<>(members);
            sorted.sort((a, b) -> a.name().compareTo(b.name()));
            for (Member m : sorted) {
                if (!m.isUp()) {
                    continue;
                }
                byName.put(m.name(), m);
                byFoldedName.putIfAbsent(fold(m.name()), m);
                String role = m.tag(Roles.ROLE);
                if (role != null && Roles.serves(m, role)) {
                    serving.computeIfAbsent(fold(role), r -> new ArrayList<>()).add(m);
                }
            }
        }

        /** The SOA serial of the zone as of this index. */
        long serial() {
            return serial;
        }

        /** The members serving {@code role} (matched ignoring ASCII case); empty when none. */
        List<Member> serving(String role) {
            return serving.getOrDefault(fold(role), List.of());
        }

        /** The up member called {@code name}: exact match first, then ignoring ASCII case; null when none. */
        Member up(String name) {
            Member m = byName.get(name);
            return m != null ? m : byFoldedName.get(fold(name));
        }
    }
}
