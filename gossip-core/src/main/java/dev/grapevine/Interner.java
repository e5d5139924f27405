package dev.grapevine;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Canonical instances of the member names, addresses and tag maps that nodes decode from the wire, of the member
 * snapshots they publish, and of the broadcasts they queue, shared by the nodes of one {@link GossipRuntime}.
 *
 * <p>Every node keeps a view of every member, and every node decodes that member's name, address and tags
 * from its own packets: N nodes embedded in one JVM would hold N equal copies of each. A node stores what it
 * keeps through its runtime's interner instead, so equal values are held once per runtime. Only what is
 * <em>kept</em> goes through here (a new member, a changed address or tag set, a broadcast queued for
 * retransmission), never every decoded packet. Broadcasts are worth it because a piece of news (a member's
 * announcement, an intent, a user event) is re-encoded to the same bytes by every node that relays it, and a
 * node joining a large cluster queues an announcement of every member it learns.
 *
 * <p>Weak: the interner holds its canonical instances through weak references, so a value stays only while
 * some node still refers to it; a member forgotten by every node leaves no trace here. Thread-safe (one
 * lock, uncontended when the runtime's nodes share one protocol thread). There is no global instance: each
 * runtime owns one, and a runtime that does not share one hands each node its own.
 */
public final class Interner {

    private final WeakHashMap<String, WeakReference<String>> strings = new WeakHashMap<>();
    private final WeakHashMap<InetSocketAddress, WeakReference<InetSocketAddress>> addresses = new WeakHashMap<>();
    private final WeakHashMap<Map<String, String>, WeakReference<Map<String, String>>> tagMaps =
            new WeakHashMap<>();
    private final WeakHashMap<Member, WeakReference<Member>> members = new WeakHashMap<>();
    private final ByteStrings frames = new ByteStrings();

    /** Creates an empty interner. */
    public Interner() {
    }

    /** The canonical instance of a string (a member name, a tag key or value) equal to {@code s}. */
    public String string(String s) {
        synchronized (strings) {
            return canonical(strings, s, s);
        }
    }

    /** The canonical instance of an address equal to {@code address} (same IP and port). */
    public InetSocketAddress address(InetSocketAddress address) {
        synchronized (addresses) {
            return canonical(addresses, address, address);
        }
    }

    /**
     * A canonical unmodifiable map equal to {@code tags}, made by {@link Map#copyOf} (so copying it again, as
     * {@link Member} does, returns the same instance). Its keys and values are canonical too.
     */
    public Map<String, String> tags(Map<String, String> tags) {
        if (tags.isEmpty()) {
            return Map.of();
        }
        synchronized (tagMaps) {
            WeakReference<Map<String, String>> ref = tagMaps.get(tags);
            Map<String, String> known = ref == null ? null : ref.get();
            if (known != null) {
                return known;
            }
        }
        // Copy outside the tag lock: the keys and values go through the string lock.
        @SuppressWarnings("unchecked")
        Map.Entry<String, String>[] entries = new Map.Entry[tags.size()];
        int i = 0;
        for (Map.Entry<String, String> e : tags.entrySet()) {
            entries[i++] = Map.entry(string(e.getKey()), string(e.getValue()));
        }
        Map<String, String> copy = Map.ofEntries(entries);
        synchronized (tagMaps) {
            return canonical(tagMaps, copy, copy);
        }
    }

    /**
     * The canonical instance of a member snapshot equal to {@code member} (same name, address, tags, status
     * and incarnation). In a settled cluster every node holds the same snapshot of each member, so the nodes
     * of a runtime share one. Pass a member whose name, address and tags are already canonical: they are
     * compared with {@code equals}, and only the first instance seen is kept.
     */
    public Member member(Member member) {
        synchronized (members) {
            return canonical(members, member, member);
        }
    }

    /**
     * The canonical instance of a byte string with the contents of {@code bytes} (an encoded broadcast
     * frame). The caller and everyone it shares the array with must treat it as read-only from then on.
     */
    public byte[] bytes(byte[] bytes) {
        synchronized (frames) {
            return frames.canonical(bytes);
        }
    }

    /** Distinct strings, addresses, tag maps, members and byte strings held now (weakly): for tests and diagnostics. */
    public int size() {
        int n;
        synchronized (strings) {
            n = strings.size();
        }
        synchronized (addresses) {
            n += addresses.size();
        }
        synchronized (tagMaps) {
            n += tagMaps.size();
        }
        synchronized (members) {
            n += members.size();
        }
        synchronized (frames) {
            n += frames.size();
        }
        return n;
    }

    private static <T> T canonical(WeakHashMap<T, WeakReference<T>> map, T lookup, T candidate) {
        WeakReference<T> ref = map.get(lookup);
        T known = ref == null ? null : ref.get();
        if (known != null) {
            return known;
        }
        map.put(candidate, new WeakReference<>(candidate));
        return candidate;
    }

    /**
     * A weak set of byte arrays by content (a {@link WeakHashMap} would compare arrays by identity): a chained
     * hash table of weak references that carry their content hash, pruned as the collector clears them.
     */
    private static final class ByteStrings {

        private final ReferenceQueue<byte[]> cleared = new ReferenceQueue<>();
        private Ref[] table = new Ref[64];
        private int size;

        byte[] canonical(byte[] bytes) {
            prune();
            int hash = Arrays.hashCode(bytes);
            int i = hash & (table.length - 1);
            for (Ref r = table[i]; r != null; r = r.next) {
                if (r.hash == hash) {
                    byte[] known = r.get();
                    if (known != null && Arrays.equals(known, bytes)) {
                        return known;
                    }
                }
            }
            table[i] = new Ref(bytes, hash, cleared, table[i]);
            if (++size > table.length - (table.length >>> 2)) {
                grow();
            }
            return bytes;
        }

        int size() {
            prune();
            return size;
        }

        private void prune() {
            for (Ref gone = (Ref) cleared.poll(); gone != null; gone = (Ref) cleared.poll()) {
                int i = gone.hash & (table.length - 1);
                Ref prev = null;
                for (Ref r = table[i]; r != null; prev = r, r = r.next) {
                    if (r == gone) {
                        if (prev == null) {
                            table[i] = r.next;
                        } else {
                            prev.next = r.next;
                        }
                        size--;
                        break;
                    }
                }
            }
        }

        private void grow() {
            Ref[] old = table;
            table = new Ref[old.length * 2];
            for (Ref head : old) {
                for (Ref r = head; r != null; ) {
                    Ref next = r.next;
                    int i = r.hash & (table.length - 1);
                    r.next = table[i];
                    table[i] = r;
                    r = next;
                }
            }
        }

        private static final class Ref extends WeakReference<byte[]> {
            final int hash;
            Ref next;

            Ref(byte[] bytes, int hash, ReferenceQueue<byte[]> queue, Ref next) {
                super(bytes, queue);
                this.hash = hash;
                this.next = next;
            }
        }
    }
}
