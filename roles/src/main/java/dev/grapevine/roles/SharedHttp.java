package dev.grapevine.roles;

import dev.grapevine.roles.http.HttpConnector;
import dev.grapevine.roles.http.HttpLoop;

/**
 * The HTTP loop and pooled client a launched process shares among all it does over HTTP, each made on first use
 * (a plain node with no admin API and no HTTP check makes neither) and closed together.
 */
final class SharedHttp implements AutoCloseable {

    private final String name;
    private HttpLoop loop;
    private HttpConnector connector;
    private boolean closed;

    SharedHttp(String name) {
        this.name = name;
    }

    synchronized HttpLoop loop() {
        if (closed) {
            throw new IllegalStateException("the launch of " + name + " is closed");
        }
        if (loop == null) {
            loop = HttpLoop.create(name, 1);
        }
        return loop;
    }

    synchronized HttpConnector connector() {
        if (connector == null) {
            connector = HttpConnector.builder(loop()).build();
        }
        return connector;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (connector != null) {
            connector.close();
        }
        if (loop != null) {
            loop.close();
        }
    }
}
