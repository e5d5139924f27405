package dev.grapevine.roles.admin;

import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Feeds the {@code /v1/stream} subscribers from one thread. It keeps the member list it last published and,
 * whenever it wakes, compares {@link GossipNode#members()} with it and publishes the difference: a
 * {@code member} frame (the member's JSON) for each member that is new or changed, a {@code removed} frame
 * ({@code {"name": ...}}) for each one that is gone. A new subscriber first gets a {@code snapshot} frame
 * ({@code {"members": [...]}}) of that same list, so what it holds plus the frames that follow always equal the
 * node's view. User events go out as {@code user-event} frames.
 *
 * <p>It wakes on member events (pushed by {@link #membersChanged()}), on new subscribers, on user events, and
 * every {@code refresh} while it has subscribers: the gossip layer sends no event when a member becomes suspect or
 * refutes, so the periodic comparison is what shows those. With no subscriber it sleeps until one comes.
 * A burst of more than {@link #MAX_CHANGE_FRAMES} changes is sent as one fresh snapshot instead.
 */
final class StreamHub implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamHub.class);
    /** Above this many changes in one round, subscribers get one snapshot rather than a frame per change. */
    static final int MAX_CHANGE_FRAMES = 64;
    /** User event frames kept between two rounds; the oldest are dropped beyond. */
    private static final int MAX_PENDING_EVENTS = 256;

    private final GossipNode node;
    private final AdminJson json;
    private final long refreshNanos;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final AtomicLong slowSubscribers = new AtomicLong();
    private final AtomicLong droppedEvents = new AtomicLong();

    // Guarded by lock.
    private boolean dirty = true;
    private boolean closed;
    private int subscriberCount;
    private final List<Subscriber> pending = new ArrayList<>();
    private final ArrayDeque<String> eventFrames = new ArrayDeque<>();

    // Only touched by the hub's thread (and close(), after joining it).
    private final List<Subscriber> active = new ArrayList<>();
    private final Map<String, Member> published = new TreeMap<>();

    /**
     * Starts the hub's thread.
     *
     * @param threadName the thread's name
     * @param refresh    how often to compare members while there are subscribers
     */
    StreamHub(GossipNode node, AdminJson json, Duration refresh, String threadName) {
        this.node = node;
        this.json = json;
        this.refreshNanos = refresh.toNanos();
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Notes that the membership changed; wakes the hub when someone is listening. */
    void membersChanged() {
        lock.lock();
        try {
            dirty = true;
            if (subscriberCount > 0) {
                wake.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Queues a user event for the subscribers; dropped at once when there are none. */
    void userEvent(ReceivedEvent event) {
        lock.lock();
        try {
            if (subscriberCount == 0 || closed) {
                return;
            }
        } finally {
            lock.unlock();
        }
        String frame = Subscriber.frame("user-event", json.string(g -> AdminJson.event(g, event)));
        lock.lock();
        try {
            if (eventFrames.size() == MAX_PENDING_EVENTS) {
                eventFrames.removeFirst();
                droppedEvents.incrementAndGet();
            }
            eventFrames.addLast(frame);
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Adds a subscriber; it gets a snapshot, then every change. Refused (closed at once) after {@link #close()}. */
    void subscribe(Subscriber s) {
        lock.lock();
        try {
            if (closed) {
                s.finish();
                return;
            }
            pending.add(s);
            subscriberCount++;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Subscribers closed because they read too slowly. */
    long slowSubscribers() {
        return slowSubscribers.get();
    }

    /** User event frames dropped because the hub fell behind. */
    long droppedEvents() {
        return droppedEvents.get();
    }

    private void run() {
        List<Subscriber> joining = new ArrayList<>();
        List<String> frames = new ArrayList<>();
        while (true) {
            boolean compare;
            lock.lock();
            try {
                while (!closed && !dirty && pending.isEmpty() && eventFrames.isEmpty()) {
                    if (subscriberCount == 0) {
                        wake.awaitUninterruptibly();
                    } else if (wake.awaitNanos(refreshNanos) <= 0) {
                        dirty = true;
                    }
                }
                if (closed) {
                    break;
                }
                // A newcomer's snapshot must be current: compare before greeting it.
                compare = (dirty || !pending.isEmpty()) && subscriberCount > 0;
                if (compare) {
                    dirty = false;
                }
                joining.addAll(pending);
                pending.clear();
                frames.addAll(eventFrames);
                eventFrames.clear();
            } catch (InterruptedException e) {
                break;
            } finally {
                lock.unlock();
            }
            try {
                round(compare, joining, frames);
            } catch (RuntimeException e) {
                LOG.warn("{}: event stream round failed", node.name(), e);
            }
            joining.clear();
            frames.clear();
        }
        // Every round has completed: the subscribers write what they hold, then end.
        active.addAll(pending());
        active.forEach(Subscriber::finish);
        active.clear();
    }

    private List<Subscriber> pending() {
        lock.lock();
        try {
            List<Subscriber> left = new ArrayList<>(pending);
            pending.clear();
            return left;
        } finally {
            lock.unlock();
        }
    }

    /** One round: publish member changes, greet new subscribers, forward user events, forget closed ones. */
    private void round(boolean compare, List<Subscriber> joining, List<String> frames) {
        if (compare) {
            List<String> changes = changes();
            if (changes.size() > MAX_CHANGE_FRAMES) {
                broadcast(snapshot());
            } else {
                changes.forEach(this::broadcast);
            }
        }
        if (!joining.isEmpty()) {
            String snapshot = snapshot();
            for (Subscriber s : joining) {
                s.offer(snapshot);
                active.add(s);
            }
        }
        frames.forEach(this::broadcast);
        int removed = 0;
        for (int i = active.size() - 1; i >= 0; i--) {
            Subscriber s = active.get(i);
            if (s.isClosed()) {
                active.remove(i);
                removed++;
                if (s.overflowed()) {
                    slowSubscribers.incrementAndGet();
                    LOG.info("{}: closed an event stream whose client read too slowly", node.name());
                }
            }
        }
        if (removed > 0) {
            lock.lock();
            try {
                subscriberCount -= removed;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Brings {@link #published} up to date with the node and returns a frame per difference. */
    private List<String> changes() {
        Map<String, Member> now = new TreeMap<>();
        for (Member m : node.members()) {
            now.put(m.name(), m);
        }
        List<String> out = new ArrayList<>();
        for (Member m : now.values()) {
            if (!m.equals(published.get(m.name()))) {
                out.add(Subscriber.frame("member", json.string(g -> AdminJson.member(g, m))));
            }
        }
        for (String name : published.keySet()) {
            if (!now.containsKey(name)) {
                out.add(Subscriber.frame("removed", json.string(g -> {
                    g.writeStartObject();
                    g.writeStringField("name", name);
                    g.writeEndObject();
                })));
            }
        }
        published.clear();
        published.putAll(now);
        return out;
    }

    private String snapshot() {
        return Subscriber.frame("snapshot", json.string(g -> {
            g.writeStartObject();
            g.writeFieldName("members");
            AdminJson.members(g, published.values());
            g.writeEndObject();
        }));
    }

    private void broadcast(String frame) {
        for (Subscriber s : active) {
            s.offer(frame);
        }
    }

    /**
     * Stops the thread after its current round and tells every subscriber to {@link Subscriber#finish finish};
     * waits up to five seconds for the thread.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("{}: event stream thread did not stop in time", node.name());
        }
    }
}
