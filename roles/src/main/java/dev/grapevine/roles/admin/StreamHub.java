package dev.grapevine.roles.admin;

import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Feeds the {@code /v1/stream} subscribers, on one HTTP event loop (no thread of its own). It keeps the member
 * list it last published and, on each round, compares {@link GossipNode#members()} with it and publishes the
 * difference: a {@code member} frame (the member's JSON) for each member that is new or changed, a
 * {@code removed} frame ({@code {"name": ...}}) for each one that is gone. A new subscriber first gets a
 * {@code snapshot} frame ({@code {"members": [...]}}) of that same list, so what it holds plus the frames that
 * follow always equal the node's view. User events go out as {@code user-event} frames.
 *
 * <p>A round runs after member events ({@link #membersChanged()}, coalesced: one round for a burst), new
 * subscribers and user events, and every {@code refresh} while there are subscribers: the gossip layer sends no
 * event when a member becomes suspect or refutes, so the periodic comparison is what shows those. With no
 * subscriber nothing is scheduled. A burst of more than {@link #MAX_CHANGE_FRAMES} changes is sent as one fresh
 * snapshot instead.
 */
final class StreamHub {

    private static final Logger LOG = LoggerFactory.getLogger(StreamHub.class);
    /** Above this many changes in one round, subscribers get one snapshot rather than a frame per change. */
    static final int MAX_CHANGE_FRAMES = 64;
    /** User event frames kept between two rounds; the oldest are dropped beyond. */
    private static final int MAX_PENDING_EVENTS = 256;

    private final GossipNode node;
    private final AdminJson json;
    private final long refreshNanos;
    private final EventLoop loop;
    private final AtomicLong slowSubscribers = new AtomicLong();
    private final AtomicLong droppedEvents = new AtomicLong();
    /** Members changed since the last comparison. */
    private final AtomicBoolean dirty = new AtomicBoolean(true);
    /** A round is queued on the loop. */
    private final AtomicBoolean roundQueued = new AtomicBoolean();
    private volatile boolean closed;

    // Loop only.
    private final List<Subscriber> active = new ArrayList<>();
    private final List<Subscriber> joining = new ArrayList<>();
    private final ArrayDeque<String> eventFrames = new ArrayDeque<>();
    private final Map<String, Member> published = new TreeMap<>();
    private ScheduledFuture<?> ticker;

    /**
     * @param refresh how often to compare members (and send keep-alives) while there are subscribers
     * @param loop    the loop to run on
     */
    StreamHub(GossipNode node, AdminJson json, Duration refresh, EventLoop loop) {
        this.node = node;
        this.json = json;
        this.refreshNanos = refresh.toNanos();
        this.loop = loop;
    }

    /** Notes that the membership changed; a round follows when someone is listening. Any thread. */
    void membersChanged() {
        dirty.set(true);
        queueRound();
    }

    /** Queues a user event for the subscribers. Any thread. */
    void userEvent(ReceivedEvent event) {
        if (closed) {
            return;
        }
        String frame = Subscriber.frame("user-event", json.string(g -> AdminJson.event(g, event)));
        loop.execute(() -> {
            if (active.isEmpty() && joining.isEmpty()) {
                return;
            }
            if (eventFrames.size() == MAX_PENDING_EVENTS) {
                eventFrames.removeFirst();
                droppedEvents.incrementAndGet();
            }
            eventFrames.addLast(frame);
            round();
        });
    }

    /** Adds a subscriber; it gets a snapshot, then every change. Finished at once after {@link #close}. Any thread. */
    void subscribe(Subscriber s) {
        loop.execute(() -> {
            if (closed) {
                s.finish();
                return;
            }
            joining.add(s);
            if (ticker == null) {
                ticker = loop.scheduleAtFixedRate(this::tick, refreshNanos, refreshNanos, TimeUnit.NANOSECONDS);
            }
            round();
        });
    }

    /** Subscribers closed because they read too slowly. */
    long slowSubscribers() {
        return slowSubscribers.get();
    }

    /** User event frames dropped because the hub fell behind. */
    long droppedEvents() {
        return droppedEvents.get();
    }

    private void queueRound() {
        if (!closed && roundQueued.compareAndSet(false, true)) {
            loop.execute(() -> {
                roundQueued.set(false);
                round();
            });
        }
    }

    private void tick() {
        dirty.set(true);
        round();
        long now = System.nanoTime();
        for (Subscriber s : active) {
            s.keepAlive(now);
        }
    }

    /** One round: publish member changes, greet new subscribers, forward user events, forget closed ones. */
    private void round() {
        if (closed) {
            return;
        }
        try {
            if (active.isEmpty() && joining.isEmpty()) {
                eventFrames.clear();
                return;
            }
            // A newcomer's snapshot must be current: compare before greeting it.
            if (dirty.getAndSet(false) || !joining.isEmpty()) {
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
                    s.greet();
                    s.offer(snapshot);
                    active.add(s);
                }
                joining.clear();
            }
            while (!eventFrames.isEmpty()) {
                broadcast(eventFrames.poll());
            }
            for (int i = active.size() - 1; i >= 0; i--) {
                Subscriber s = active.get(i);
                if (s.isClosed()) {
                    active.remove(i);
                    if (s.overflowed()) {
                        slowSubscribers.incrementAndGet();
                        LOG.info("{}: closed an event stream whose client read too slowly", node.name());
                    }
                }
            }
            if (active.isEmpty() && ticker != null) {
                ticker.cancel(false);
                ticker = null;
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: event stream round failed", node.name(), e);
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
     * Stops publishing and tells every subscriber to finish (write what it holds, then end); waits up to
     * {@code drain} for them to end, then cuts off those still writing. Off the loop only.
     */
    void close(Duration drain) {
        closed = true;
        List<Subscriber> all = new ArrayList<>();
        io.netty.util.concurrent.Future<?> f = loop.submit(() -> {
            if (ticker != null) {
                ticker.cancel(false);
                ticker = null;
            }
            all.addAll(active);
            all.addAll(joining);
            active.clear();
            joining.clear();
            all.forEach(Subscriber::finish);
        });
        if (!f.awaitUninterruptibly(drain.toMillis())) {
            LOG.warn("{}: event stream loop did not answer in time", node.name());
            return;
        }
        long deadline = System.nanoTime() + drain.toNanos();
        try {
            while (System.nanoTime() - deadline < 0 && all.stream().anyMatch(s -> !s.isClosed())) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop.execute(() -> all.forEach(Subscriber::close));
    }
}
