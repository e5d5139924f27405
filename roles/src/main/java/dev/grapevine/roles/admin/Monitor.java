package dev.grapevine.roles.admin;

import dev.grapevine.ClusterEvent;
import dev.grapevine.ClusterListener;
import dev.grapevine.GossipNode;
import dev.grapevine.Member;
import dev.grapevine.roles.LogLevel;
import dev.grapevine.roles.LogLineFormat;
import dev.grapevine.roles.http.ResponseStream;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * {@code GET /v1/monitor}: the node's log and cluster events as they happen, one JSON object per line (what
 * {@code serf monitor} shows). Log lines come from {@code java.util.logging}, which is where SLF4J writes in the
 * launched role servers (the {@code slf4j-jdk14} binding); with another binding the stream says so in its first
 * line and carries events only. A monitor cannot show more than the process logs: its level only filters further
 * (Serf's monitor can go below the agent's level; here that takes {@code --log-level} or SIGHUP). A new monitor
 * first gets the last {@value #BACKLOG} lines logged, as Serf's does.
 *
 * <p>The log handler is attached to the root {@code java.util.logging} logger from the server's start to its
 * close, so it sees every record of the JVM: a process with several nodes (an embedder's) shows all of their
 * logs in each node's monitor; the role servers run one node each. Writes never block the logging thread: a client that leaves more than
 * {@code queue} lines unread is cut off. A record logged while a line is being written (the HTTP layer logging
 * at debug, say) is not fed back into the stream.
 */
final class Monitor implements AutoCloseable {

    private final GossipNode node;
    private final AdminJson json;
    private final int queue;
    /** As Serf's agent: the last lines logged, replayed to a monitor when it opens. */
    static final int BACKLOG = 512;

    private final List<Tap> taps = new CopyOnWriteArrayList<>();
    /** The last {@link #BACKLOG} log lines with their levels; guarded by {@code this}. */
    private final java.util.ArrayDeque<Object[]> backlog = new java.util.ArrayDeque<>(BACKLOG);
    private final ThreadLocal<Boolean> writing = ThreadLocal.withInitial(() -> false);
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (writing.get()) {
                return;
            }
            writing.set(true);
            try {
                String line = logLine(r);
                int level = r.getLevel().intValue();
                synchronized (Monitor.this) {
                    if (backlog.size() == BACKLOG) {
                        backlog.removeFirst();
                    }
                    backlog.addLast(new Object[]{level, line});
                }
                for (Tap t : taps) {
                    if (level >= t.level.intValue()) {
                        t.offer(line);
                    }
                }
            } finally {
                writing.set(false);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final ClusterListener events = this::onEvent;
    private final LogLineFormat format = new LogLineFormat();
    private boolean attached;
    private boolean closed;

    /** Starts keeping the backlog: the log handler is attached from now until {@link #close()}. */
    Monitor(GossipNode node, AdminJson json, int queue) {
        this.node = node;
        this.json = json;
        this.queue = queue;
        Logger.getLogger("").addHandler(handler);
    }

    /**
     * Opens a monitor at {@code level}: the stream's headers, the start line, the backlog at that level, then
     * lines as they come.
     *
     * @throws AdminError 503 when {@code max} monitors are open already
     */
    synchronized void open(java.util.function.Supplier<ResponseStream> opener, LogLevel level, int max) {
        if (closed || taps.size() >= max) {
            throw new AdminError(503, closed ? "admin server is closing"
                    : "too many monitors open (maxStreams " + max + ")");
        }
        ResponseStream stream = opener.get();
        Tap tap = new Tap(stream, level.jul());
        boolean jul = dev.grapevine.roles.ProcessLog.julBacked();
        tap.offer(json.string(g -> {
            g.writeStartObject();
            g.writeStringField("type", "start");
            g.writeStringField("node", node.name());
            g.writeStringField("level", level.toString());
            g.writeBooleanField("logs", jul);
            if (!jul) {
                g.writeStringField("note", "this process logs through "
                        + LoggerFactory.getILoggerFactory().getClass().getName()
                        + ", not java.util.logging: only events are streamed");
            }
            g.writeEndObject();
        }) + "\n");
        for (Object[] past : backlog) {
            if ((int) past[0] >= tap.level.intValue()) {
                tap.offer((String) past[1]);
            }
        }
        taps.add(tap);
        stream.onClose(() -> remove(tap));
        if (!attached) {
            node.addListener(events);
            attached = true;
        }
    }

    private synchronized void remove(Tap tap) {
        taps.remove(tap);
        if (taps.isEmpty() && attached) {
            node.removeListener(events);
            attached = false;
        }
    }

    /** Open monitors. */
    int open() {
        return taps.size();
    }

    private String logLine(LogRecord r) {
        String text = format.format(r).stripTrailing();
        return json.string(g -> {
            g.writeStartObject();
            g.writeStringField("type", "log");
            g.writeStringField("level", LogLineFormat.name(r.getLevel()));
            g.writeStringField("logger", r.getLoggerName());
            g.writeStringField("line", text);
            g.writeEndObject();
        }) + "\n";
    }

    private void onEvent(ClusterEvent e) {
        String kind;
        String detail;
        if (e instanceof ClusterEvent.MemberEvent m) {
            Member who = m.member();
            kind = EventNames.of(e);
            detail = who.name() + " " + AdminJson.host(who.address()) + ":" + who.address().getPort();
        } else if (e instanceof ClusterEvent.UserEvent u) {
            kind = "user";
            detail = u.name() + " (" + u.payload().length + " bytes, ltime " + u.ltime() + ")";
        } else if (e instanceof ClusterEvent.Query q) {
            kind = "query";
            detail = q.name() + " from " + q.from() + " (" + q.payload().length + " bytes)";
        } else {
            return;
        }
        String line = json.string(g -> {
            g.writeStartObject();
            g.writeStringField("type", "event");
            g.writeStringField("event", kind);
            g.writeStringField("line", "[EVENT] " + kind + ": " + detail);
            g.writeEndObject();
        }) + "\n";
        writing.set(true);
        try {
            for (Tap t : taps) {
                t.offer(line);
            }
        } finally {
            writing.set(false);
        }
    }

    /** Ends every open monitor and detaches the log handler and the node listener. */
    @Override
    public synchronized void close() {
        closed = true;
        Logger.getLogger("").removeHandler(handler);
        for (Tap t : taps) {
            t.stream.end();
        }
        taps.clear();
        backlog.clear();
        if (attached) {
            node.removeListener(events);
            attached = false;
        }
    }

    /** One client. */
    private final class Tap {
        private final ResponseStream stream;
        private final Level level;

        Tap(ResponseStream stream, Level level) {
            this.stream = stream;
            this.level = level;
        }

        void offer(String line) {
            if (!stream.isOpen()) {
                return;
            }
            if (stream.pendingWrites() >= queue) {
                stream.abort();
                return;
            }
            stream.write(line);
        }
    }

    /** Event names as Serf's handlers see them. */
    private static final class EventNames {
        static String of(ClusterEvent e) {
            if (e instanceof ClusterEvent.MemberJoined) {
                return "member-join";
            } else if (e instanceof ClusterEvent.MemberLeft) {
                return "member-leave";
            } else if (e instanceof ClusterEvent.MemberFailed) {
                return "member-failed";
            } else if (e instanceof ClusterEvent.MemberUpdated) {
                return "member-update";
            } else if (e instanceof ClusterEvent.MemberReaped) {
                return "member-reap";
            }
            return e.getClass().getSimpleName();
        }
    }
}
