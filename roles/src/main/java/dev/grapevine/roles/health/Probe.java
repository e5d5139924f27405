package dev.grapevine.roles.health;

import dev.grapevine.roles.http.HttpConnector;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * How one kind of check runs once. {@link #start} must not block: blocking work goes to the context's
 * workers, and the run reports through {@link Run#result()}.
 */
interface Probe {

    /** Starts one run. */
    Run start(Context context, Duration timeout);

    /** What a probe may use: threads that may block, and the pooled HTTP client (made on first use). */
    record Context(Executor workers, Supplier<HttpConnector> http) {
    }

    /** The result of one run: passed or not, with its output. */
    record Outcome(boolean passed, String output) {

        static Outcome failed(String what, Throwable e) {
            Throwable t = e;
            while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
                t = t.getCause();
            }
            String message = t.getMessage();
            return new Outcome(false, what + ": " + t.getClass().getSimpleName()
                    + (message == null || message.isBlank() ? "" : ": " + message));
        }
    }

    /**
     * One run in progress.
     *
     * @param result completes when the run's work has really ended (not merely timed out)
     * @param abort  asks the work to stop (kill the process, interrupt the thread, cancel the exchange);
     *               safe from any thread, at any time
     */
    record Run(CompletableFuture<Outcome> result, Runnable abort) {

        /** Runs {@code body} on one of {@code workers}; abort runs {@code onAbort}, then interrupts the body. */
        static Run onWorker(Executor workers, String what, Callable<Outcome> body, Runnable onAbort) {
            CompletableFuture<Outcome> result = new CompletableFuture<>();
            Object lock = new Object();
            Thread[] runner = new Thread[1];
            boolean[] aborted = new boolean[1];
            Runnable task = () -> {
                synchronized (lock) {
                    if (aborted[0]) {
                        result.complete(new Outcome(false, what + ": aborted before it started"));
                        return;
                    }
                    runner[0] = Thread.currentThread();
                }
                try {
                    result.complete(body.call());
                } catch (Throwable e) {
                    result.complete(Outcome.failed(what, e));
                    if (e instanceof VirtualMachineError fatal) {
                        throw fatal;
                    }
                } finally {
                    synchronized (lock) {
                        runner[0] = null;
                        Thread.interrupted(); // an abort that came late must not reach the worker's next task
                    }
                }
            };
            try {
                workers.execute(task);
            } catch (RejectedExecutionException e) {
                result.complete(new Outcome(false, what + ": no worker thread free"));
            }
            return new Run(result, () -> {
                onAbort.run();
                synchronized (lock) {
                    aborted[0] = true;
                    if (runner[0] != null) {
                        runner[0].interrupt();
                    }
                }
            });
        }
    }
}
