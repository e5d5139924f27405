package dev.grapevine.transport;

import java.nio.channels.SelectionKey;

/**
 * Service-provider interface between {@link EventLoop} and the channels registered with it: the loop calls
 * {@link #onReady} on its thread whenever the key's channel is ready for one of its interest operations.
 *
 * <p>A handler should deal with its own I/O errors. If it throws anyway, the loop logs the exception,
 * cancels the key and closes the channel: a level-triggered selector would otherwise call a failing
 * handler again and again and spin.
 */
@FunctionalInterface
public interface IoHandler {

    /**
     * The channel of {@code key} is ready for some of {@link SelectionKey#readyOps()}. Called on the loop
     * thread, only while the key is valid.
     */
    void onReady(SelectionKey key);
}
