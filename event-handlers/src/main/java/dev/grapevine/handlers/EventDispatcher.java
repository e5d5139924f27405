package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import dev.grapevine.ClusterListener;
import dev.grapevine.GossipNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs event handlers, script and Java alike, for one node. It is a {@link ClusterListener}: the node's
 * listener thread hands it each event, it gives the event to every handler whose filter matches, and
 * returns at once. Each handler has its own bounded queue and its own thread, so handlers run off the
 * protocol and listener threads, one run at a time per handler, in event order, each under a timeout; a
 * slow, hanging or failing handler is logged and counted ({@link #stats()}) and delays neither the other
 * handlers nor membership.
 *
 * <pre>{@code
 * try (EventDispatcher handlers = EventDispatcher.builder()
 *         .script("member-join,member-leave=/etc/lb/reload.sh")
 *         .script("query:load=uptime")
 *         .handler(event -> log.info("{}", event))
 *         .install(node)) {
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link Builder#install} adds the dispatcher with replay ({@link GossipNode#addListener(ClusterListener,
 * boolean)}): its handlers first get a {@code member-join} for the node itself, then one for every member up
 * at that moment, then every event after, as Serf's agent, which attaches its handlers before it starts, gives
 * them. So a handler installed after the node became reachable (a launched process installs them once its
 * role started) misses no member that joined in between. A dispatcher given to the node's builder instead
 * ({@code d = builder.build(); node = GossipNode.builder()...listener(d).start(); d.attach(node);}) sees
 * every event from the first; events received before {@link #attach} wait in the queues.
 *
 * <p>{@link #close()} stops every handler thread, kills running scripts and deletes the temporary files.
 * {@link #close()} removes the dispatcher from the node it is attached to.
 */
public final class EventDispatcher implements ClusterListener, AutoCloseable,
        dev.grapevine.roles.metrics.MetricsSource {

    private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);
    /** How long close() waits for each handler thread. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    /** Replaced as a whole by {@link #updateScripts}; {@link #onEvent} reads it without the lock. */
    private volatile List<Lane> lanes;
    private Path tempDir;
    private final Settings settings;
    private int lanesMade;
    private GossipNode node;
    private ScheduledThreadPoolExecutor watchdog;
    private volatile boolean closed;

    /** The builder's lane settings, for lanes made by {@link #updateScripts}. */
    private record Settings(int queueCapacity, int maxBatch, Duration timeout, Duration slowWarning) {
    }

    private EventDispatcher(List<Lane> lanes, Path tempDir, Settings settings) {
        this.lanes = List.copyOf(lanes);
        this.tempDir = tempDir;
        this.settings = settings;
        this.lanesMade = lanes.size();
    }

    /** A builder with no handler yet. */
    public static Builder builder() {
        return new Builder();
    }

    /** Queues {@code event} for every handler whose filter matches; never blocks. */
    @Override
    public void onEvent(ClusterEvent event) {
        if (closed) {
            return;
        }
        for (Lane lane : lanes) {
            lane.offer(event);
        }
    }

    /**
     * Starts the handler threads for {@code node}, whose name, tags and query response limit the handlers
     * use. The dispatcher must already receive the node's events (see {@link Builder#install}).
     *
     * @return this
     * @throws IllegalStateException when already attached or closed
     */
    public synchronized EventDispatcher attach(GossipNode node) {
        Objects.requireNonNull(node, "node");
        if (closed) {
            throw new IllegalStateException("event dispatcher is closed");
        }
        if (this.node != null) {
            throw new IllegalStateException("event dispatcher is already attached to " + this.node.name());
        }
        this.node = node;
        if (lanes.isEmpty()) {
            return this;
        }
        for (int i = 0; i < lanes.size(); i++) {
            lanes.get(i).start(node, "grapevine-handler-" + node.name() + "-" + (i + 1), watchdog());
        }
        LOG.info("{}: {} event handler(s) running", node.name(), lanes.size());
        return this;
    }

    /** The thread that stops runs past their timeout, made with the first handler. Called with the lock held. */
    private ScheduledThreadPoolExecutor watchdog() {
        if (watchdog == null) {
            watchdog = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "grapevine-handlers-" + node.name() + "-watchdog");
                t.setDaemon(true);
                return t;
            });
            watchdog.setRemoveOnCancelPolicy(true);
        }
        return watchdog;
    }

    /**
     * Makes {@code specs} the script handlers, as Serf's agent does with its scripts on SIGHUP: a handler whose
     * filter and command are unchanged keeps running with what it has queued (it loses and repeats nothing); a
     * new one starts and gets the events from now on; a removed one stops (its queue discarded, a running
     * script killed). Java handlers are kept as they are.
     *
     * @return whether anything changed
     * @throws IllegalStateException when not attached yet, or closed
     * @throws UncheckedIOException  when the first script handler's temporary directory cannot be made
     */
    public synchronized boolean updateScripts(List<HandlerSpec> specs) {
        if (closed || node == null) {
            throw new IllegalStateException(closed ? "event dispatcher is closed" : "event dispatcher is not attached");
        }
        List<HandlerSpec> wanted = new ArrayList<>(specs);
        List<Lane> next = new ArrayList<>();
        List<Lane> removed = new ArrayList<>();
        for (Lane lane : lanes) {
            if (!(lane.invoker() instanceof ScriptInvoker script)) {
                next.add(lane);
            } else if (wanted.remove(script.spec())) {
                next.add(lane);
            } else {
                removed.add(lane);
            }
        }
        if (wanted.isEmpty() && removed.isEmpty()) {
            return false;
        }
        if (!wanted.isEmpty() && tempDir == null) {
            try {
                tempDir = Files.createTempDirectory("grapevine-handlers-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a temporary directory for script handlers", e);
            }
        }
        for (HandlerSpec spec : wanted) {
            int index = ++lanesMade;
            Lane lane = new Lane(index, new ScriptInvoker(spec, tempDir), settings.queueCapacity(),
                    settings.maxBatch(), settings.timeout(), settings.slowWarning());
            lane.start(node, "grapevine-handler-" + node.name() + "-" + index, watchdog());
            next.add(lane);
        }
        lanes = List.copyOf(next); // from here on events go to the new set only
        for (Lane lane : removed) {
            lane.close(CLOSE_WAIT);
        }
        LOG.info("{}: event handlers reloaded: {} started, {} stopped, {} running", node.name(), wanted.size(),
                removed.size(), next.size());
        return true;
    }

    /** Counters of every handler, in registration order. */
    public List<HandlerStats> stats() {
        return lanes.stream().map(Lane::stats).toList();
    }

    /**
     * The handlers' figures for a process's metrics ({@code GET /v1/metrics}): {@code grapevine_handler_queue_depth}
     * (events waiting), {@code grapevine_handler_dropped_total}, {@code grapevine_handler_failures_total} and
     * {@code grapevine_handler_timeouts_total}, labelled {@code handler} with each handler's description (as in
     * {@link #stats()}, numbered, so unique: a fixed set for the configuration, not for the cluster). A launched
     * process registers the dispatcher with its metrics when it registers it with the launch.
     */
    @Override
    public void write(dev.grapevine.roles.metrics.MetricsWriter w) {
        for (HandlerStats s : stats()) {
            String handler = s.handler();
            w.gauge("handler_queue_depth", "events waiting in an event handler's queue", s.queued(),
                    "handler", handler);
            w.counter("handler_dropped_total", "events dropped because an event handler's queue was full",
                    s.dropped(), "handler", handler);
            w.counter("handler_failures_total", "event handler runs that failed", s.failures(), "handler", handler);
            w.counter("handler_timeouts_total", "event handler runs stopped at their timeout", s.timeouts(),
                    "handler", handler);
        }
    }

    /** True while any handler thread runs (false after {@link #close()}, unless a handler ignores interrupts). */
    public boolean running() {
        return lanes.stream().anyMatch(Lane::isAlive);
    }

    /** Stops every handler (killing running scripts), the watchdog, and deletes temporary files. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (node != null) {
            node.removeListener(this);
        }
        for (Lane lane : lanes) {
            lane.close(CLOSE_WAIT);
        }
        if (watchdog != null) {
            watchdog.shutdownNow();
            try {
                watchdog.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (tempDir != null) {
            deleteTree(tempDir);
        }
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.warn("temporary directory {} not deleted: {}", dir, e.toString());
        }
    }

    /** Collects handlers and settings; {@link #build()} checks them. */
    public static final class Builder {
        /** Handlers in registration order; a script's needs the temporary directory made at build. */
        private final List<java.util.function.Function<Path, Invoker>> handlers = new ArrayList<>();
        private boolean anyScript;
        private Duration timeout = Duration.ofSeconds(60);
        private Duration slowWarning = Duration.ofSeconds(1);
        private int queueCapacity = 8192;
        private int maxBatch = 1024;

        private Builder() {
        }

        /**
         * Adds a script handler written as Serf's {@code -event-handler}: {@code [FILTER=]COMMAND}.
         *
         * @throws IllegalArgumentException naming the bad part of {@code spec}
         */
        public Builder script(String spec) {
            return script(HandlerSpec.parse(spec));
        }

        /** Adds a script handler. */
        public Builder script(HandlerSpec spec) {
            Objects.requireNonNull(spec, "spec");
            handlers.add(dir -> new ScriptInvoker(spec, dir));
            anyScript = true;
            return this;
        }

        /** Adds several script handlers; see {@link #script(String)}. */
        public Builder scripts(Collection<String> specs) {
            specs.forEach(this::script);
            return this;
        }

        /**
         * Adds a Java handler for the events its {@link EventHandler#events()} names.
         *
         * @throws IllegalArgumentException when that filter is malformed
         */
        public Builder handler(EventHandler handler) {
            Objects.requireNonNull(handler, "handler");
            return handler(handler.events(), handler, false);
        }

        /**
         * Adds a Java handler for the events {@code filter} names (Serf's syntax, {@code ""} or {@code *} for
         * all), whatever its {@link EventHandler#events()} says.
         *
         * @throws IllegalArgumentException when the filter is malformed
         */
        public Builder handler(String filter, EventHandler handler) {
            return handler(filter, Objects.requireNonNull(handler, "handler"), false);
        }

        private Builder handler(String filter, EventHandler handler, boolean owned) {
            EventFilter f;
            try {
                f = EventFilter.parse(Objects.requireNonNull(filter, "filter of " + handler.getClass().getName()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("event handler " + handler.getClass().getName() + ": "
                        + e.getMessage(), e);
            }
            JavaInvoker invoker = new JavaInvoker(handler, f, owned);
            handlers.add(dir -> invoker);
            return this;
        }

        /** Adds every {@link EventHandler} that {@link ServiceLoader} finds on the context class path. */
        public Builder discover() {
            return discover(Thread.currentThread().getContextClassLoader());
        }

        /**
         * Adds every {@link EventHandler} that {@link ServiceLoader} finds through {@code loader}. The
         * dispatcher created them, so it closes those that are {@link AutoCloseable}.
         *
         * @throws IllegalArgumentException when a listed handler cannot be loaded or has a malformed filter
         */
        public Builder discover(ClassLoader loader) {
            try {
                for (EventHandler h : ServiceLoader.load(EventHandler.class, loader)) {
                    handler(h.events(), h, true);
                }
            } catch (ServiceConfigurationError e) {
                throw new IllegalArgumentException("event handler discovery: " + e.getMessage(), e);
            }
            return this;
        }

        /** The longest one run may take before it is stopped (default 60 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = positive("timeout", timeout);
            return this;
        }

        /** A run still going after this is logged as slow (default 1 s, as Serf). */
        public Builder slowWarning(Duration slowWarning) {
            this.slowWarning = positive("slowWarning", slowWarning);
            return this;
        }

        /** Events each handler may have waiting; past that the oldest is dropped (default 8192). */
        public Builder queueCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("queueCapacity must be at least 1, was " + capacity);
            }
            this.queueCapacity = capacity;
            return this;
        }

        /**
         * The most member events of one type a script gets in one run, one stdin line each (default 1024;
         * 1 runs it once per member event).
         */
        public Builder maxBatch(int maxBatch) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
            }
            this.maxBatch = maxBatch;
            return this;
        }

        private static Duration positive(String field, Duration d) {
            Objects.requireNonNull(d, field);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(field + " must be positive, was " + d);
            }
            return d;
        }

        /**
         * A dispatcher that queues events from now on and runs handlers once {@linkplain #attach attached}.
         *
         * @throws UncheckedIOException when the temporary directory for script input and output cannot be made
         */
        public EventDispatcher build() {
            Path dir = null;
            if (anyScript) {
                try {
                    dir = Files.createTempDirectory("grapevine-handlers-");
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create a temporary directory for script handlers", e);
                }
            }
            List<Lane> lanes = new ArrayList<>();
            for (var h : handlers) {
                lanes.add(new Lane(lanes.size() + 1, h.apply(dir), queueCapacity, maxBatch, timeout, slowWarning));
            }
            return new EventDispatcher(lanes, dir, new Settings(queueCapacity, maxBatch, timeout, slowWarning));
        }

        /**
         * Builds, registers as a listener of {@code node} with replay and attaches: handlers see a join for the
         * node and every member up now (the node first), then every event after.
         */
        public EventDispatcher install(GossipNode node) {
            EventDispatcher d = build();
            node.addListener(d, true);
            return d.attach(node);
        }
    }
}
