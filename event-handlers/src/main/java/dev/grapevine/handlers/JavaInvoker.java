package dev.grapevine.handlers;

import dev.grapevine.ClusterEvent;
import dev.grapevine.GossipNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Runs an {@link EventHandler}: one event per call; cancelled by interrupting its thread. */
final class JavaInvoker implements Invoker {

    private static final Logger LOG = LoggerFactory.getLogger(JavaInvoker.class);

    private final EventHandler handler;
    private final EventFilter filter;
    /** True when the dispatcher created the handler (ServiceLoader) and so closes it. */
    private final boolean owned;

    JavaInvoker(EventHandler handler, EventFilter filter, boolean owned) {
        this.handler = handler;
        this.filter = filter;
        this.owned = owned;
    }

    @Override
    public String description() {
        return "java " + handler.getClass().getName() + " (" + filter + ")";
    }

    @Override
    public EventFilter filter() {
        return filter;
    }

    @Override
    public boolean batchesMemberEvents() {
        return false;
    }

    @Override
    public void attached(GossipNode node) {
        handler.attached(node);
    }

    @Override
    public void invoke(List<ClusterEvent> batch, GossipNode node, Invocation invocation) throws Exception {
        for (ClusterEvent e : batch) {
            handler.handle(e);
        }
    }

    @Override
    public void closed() {
        if (owned && handler instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("{}: close failed: {}", description(), e.toString());
            }
        }
    }
}
