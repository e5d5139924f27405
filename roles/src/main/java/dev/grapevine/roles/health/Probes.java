package dev.grapevine.roles.health;

import dev.grapevine.HostPort;
import dev.grapevine.roles.Shell;
import dev.grapevine.roles.http.HttpReply;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/** The probes of the four kinds of check. */
final class Probes {

    private Probes() {
    }

    /** Keeps the first {@code limit} bytes it is given and counts the rest. */
    static final class BoundedBytes {

        private final byte[] kept;
        private int size;
        private long total;

        BoundedBytes(int limit) {
            this.kept = new byte[limit];
        }

        synchronized void add(byte[] bytes, int offset, int length) {
            int room = Math.min(kept.length - size, length);
            if (room > 0) {
                System.arraycopy(bytes, offset, kept, size, room);
                size += room;
            }
            total += length;
        }

        /** Counts {@code count} more bytes that were not read. */
        synchronized void skipped(long count) {
            total += count;
        }

        /**
         * {@code ": TEXT"} with the text kept (UTF-8, malformed bytes replaced, trailing white space dropped),
         * after a note when some was cut; empty when there was none. The note comes first so that a later cut
         * of the whole output cannot lose it.
         */
        synchronized String suffix() {
            String s = printable(new String(Arrays.copyOf(kept, size), StandardCharsets.UTF_8)).stripTrailing();
            String note = total > size ? " (output cut to the first " + size + " of " + total + " bytes)" : "";
            return s.isEmpty() ? note : note + " Output: " + s;
        }
    }

    /** {@code text} with control characters other than tab and line breaks replaced by '?', fit for a log. */
    static String printable(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> sb.appendCodePoint(
                Character.isISOControl(cp) && cp != '\n' && cp != '\r' && cp != '\t' ? '?' : cp));
        return sb.toString();
    }

    /**
     * HTTP GET through the checker's pooled client ({@code TCP_NODELAY}, kept connections): passes on a 2xx
     * status. Redirects are followed (at most {@link #MAX_REDIRECTS}, never from https to http), as the JDK's
     * {@code Redirect.NORMAL} does. Host names are resolved on a worker, the exchange runs on the HTTP loop.
     */
    record Http(URI uri) implements Probe {

        static final int MAX_REDIRECTS = 5;
        private static final Map<String, List<String>> HEADERS = Map.of("User-Agent", List.of("grapevine-health-check"));

        @Override
        public Run start(Context context, Duration timeout) {
            String what = "HTTP GET " + uri;
            CompletableFuture<Outcome> result = new CompletableFuture<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            follow(context, uri, 0, deadline, what, result);
            // The exchange ends by itself at the deadline (the connection is then dropped): nothing to interrupt.
            return new Run(result, () -> result.complete(new Outcome(false, what + ": aborted")));
        }

        private static void follow(Context context, URI target, int hops, long deadline, String what,
                                   CompletableFuture<Outcome> result) {
            try {
                context.workers().execute(() -> {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        result.complete(new Outcome(false, what + ": timed out"));
                        return;
                    }
                    CompletableFuture<HttpReply> call;
                    try {
                        call = context.http().get().call(target, "GET", HEADERS, new byte[0], Duration.ofNanos(left));
                    } catch (RuntimeException e) {
                        result.complete(Outcome.failed(what, e));
                        return;
                    }
                    call.whenComplete((reply, e) -> {
                        if (e != null) {
                            result.complete(Outcome.failed(what, e));
                            return;
                        }
                        Optional<URI> next = redirect(target, reply);
                        if (next.isPresent() && hops < MAX_REDIRECTS) {
                            follow(context, next.get(), hops + 1, deadline, what, result);
                            return;
                        }
                        BoundedBytes body = new BoundedBytes(HealthCheck.MAX_OUTPUT);
                        body.add(reply.body(), 0, reply.body().length);
                        int code = reply.status();
                        result.complete(new Outcome(code >= 200 && code <= 299, what + ": " + code + body.suffix()));
                    });
                });
            } catch (RejectedExecutionException e) {
                result.complete(new Outcome(false, what + ": no worker thread free"));
            }
        }

        /** Where a 301, 302, 303, 307 or 308 answer points, unless it leaves https for http. */
        static Optional<URI> redirect(URI from, HttpReply reply) {
            int code = reply.status();
            if (code != 301 && code != 302 && code != 303 && code != 307 && code != 308) {
                return Optional.empty();
            }
            Optional<String> location = reply.header("Location");
            if (location.isEmpty()) {
                return Optional.empty();
            }
            try {
                URI to = from.resolve(location.get().trim());
                if ("https".equalsIgnoreCase(from.getScheme()) && !"https".equalsIgnoreCase(to.getScheme())) {
                    return Optional.empty();
                }
                return Optional.of(to);
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
    }

    /** TCP connect: passes when the connection is accepted. */
    record Tcp(HostPort address) implements Probe {

        @Override
        public Run start(Context context, Duration timeout) {
            String what = "TCP connect " + address;
            Socket socket = new Socket();
            return Run.onWorker(context.workers(), what, () -> {
                try (socket) {
                    socket.connect(new InetSocketAddress(address.host(), address.port()),
                            (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
                    return new Outcome(true, what + ": success");
                }
            }, () -> closeQuietly(socket));
        }

        private static void closeQuietly(Socket socket) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing only to wake the connect; nothing to report
            }
        }
    }

    /**
     * A shell command ({@code /bin/sh -c}, through {@link Shell}): passes on exit status 0. Its standard output and
     * error go to a temporary file (no thread reads a pipe, and a child that keeps running cannot hold the run
     * open), of which the first {@link HealthCheck#MAX_OUTPUT} bytes are kept; the file is deleted after each run.
     * Standard input is empty. An abort kills the process and its descendants.
     */
    record Command(String command) implements Probe {

        @Override
        public Run start(Context context, Duration timeout) {
            String what = "command '" + command + "'";
            CompletableFuture<Outcome> result = new CompletableFuture<>();
            AtomicReference<Shell.Run> process = new AtomicReference<>();
            AtomicBoolean aborted = new AtomicBoolean();
            Run starter = Run.onWorker(context.workers(), what, () -> {
                Shell.Run p = Shell.command(command).tempFiles(null, "grapevine-check-")
                        .outputLimit(HealthCheck.MAX_OUTPUT).start();
                process.set(p);
                if (aborted.get()) {
                    p.kill();
                }
                p.onExit().thenAccept(r -> result.complete(outcome(what, r)));
                return null;
            }, () -> { });
            starter.result().whenComplete((failed, e) -> {
                if (failed != null) {
                    result.complete(failed); // the process did not start
                }
            });
            return new Run(result, () -> {
                aborted.set(true);
                Shell.Run p = process.get();
                if (p != null) {
                    p.kill();
                }
                starter.abort().run();
            });
        }

        private static Outcome outcome(String what, Shell.Result r) {
            BoundedBytes text = new BoundedBytes(HealthCheck.MAX_OUTPUT);
            text.add(r.output(), 0, r.output().length);
            text.skipped(r.outputSize() - r.output().length);
            String unreadable = r.outputError() == null ? "" : " (output unreadable: " + r.outputError() + ")";
            return new Outcome(r.exitCode() == 0, what + ": exit status " + r.exitCode() + unreadable + text.suffix());
        }
    }

    /** A Java predicate (or callable): passes when it returns true. */
    record Java(Callable<Boolean> test) implements Probe {

        static Java of(BooleanSupplier supplier) {
            return new Java(supplier::getAsBoolean);
        }

        @Override
        public Run start(Context context, Duration timeout) {
            return Run.onWorker(context.workers(), "predicate", () -> {
                Boolean ok = test.call();
                return new Outcome(Boolean.TRUE.equals(ok), "predicate returned " + ok);
            }, () -> { });
        }
    }
}
