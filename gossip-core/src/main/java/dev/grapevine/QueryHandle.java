package dev.grapevine;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A query in flight. Responses stream in as they arrive: through {@link QueryOptions#onResponse}, or
 * {@link #responses()} (a blocking iterator that ends at the deadline); {@link #result()} completes at the
 * deadline with everything gathered.
 */
public final class QueryHandle {

    private static final QueryResponse END = new QueryResponse("", new byte[0]);

    private final String name;
    private final int id;
    private final CompletableFuture<QueryResult> result = new CompletableFuture<>();
    private final BlockingQueue<QueryResponse> stream = new LinkedBlockingQueue<>();

    /** Created by the event layer. */
    public QueryHandle(String name, int id) {
        this.name = name;
        this.id = id;
    }

    /** The query's name. */
    public String name() {
        return name;
    }

    /** The query's id on the wire. */
    public int id() {
        return id;
    }

    /** Completes at the deadline with every ack and response gathered. */
    public CompletableFuture<QueryResult> result() {
        return result;
    }

    /**
     * The responses as they arrive; {@code hasNext()} blocks until the next one or the deadline. Do not
     * iterate on a listener thread or in a simulation (it would wait for itself); use
     * {@link QueryOptions#onResponse} or {@link #result()} there.
     */
    public Iterable<QueryResponse> responses() {
        return () -> new Iterator<>() {
            private QueryResponse next;
            private boolean ended;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                if (ended) {
                    return false;
                }
                try {
                    QueryResponse r = stream.take();
                    if (r == END) {
                        ended = true;
                        stream.add(END); // other iterators end too
                        return false;
                    }
                    next = r;
                    return true;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }

            @Override
            public QueryResponse next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                QueryResponse r = next;
                next = null;
                return r;
            }
        };
    }

    /** Called by the event layer with each response. */
    public void deliver(QueryResponse response) {
        stream.add(response);
    }

    /** Called by the event layer at the deadline. */
    public void complete(QueryResult gathered) {
        stream.add(END);
        result.complete(gathered);
    }

    /** Called by the event layer when the query could not be sent. */
    public void fail(Throwable cause) {
        stream.add(END);
        result.completeExceptionally(cause);
    }
}
