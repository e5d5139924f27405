package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** A handler found through META-INF/services by {@link DispatcherTest}; records into statics it can read. */
public final class DiscoveredHandler implements EventHandler, AutoCloseable {

    static final List<Long> SEEN = new CopyOnWriteArrayList<>();
    static final AtomicBoolean CLOSED = new AtomicBoolean();

    /** Public and without arguments, for ServiceLoader. */
    public DiscoveredHandler() {
    }

    static void reset() {
        SEEN.clear();
        CLOSED.set(false);
    }

    @Override
    public void handle(ClusterEvent event) {
        SEEN.add(((ClusterEvent.UserEvent) event).ltime());
    }

    @Override
    public String events() {
        return "user:discovered";
    }

    @Override
    public void close() {
        CLOSED.set(true);
    }
}
