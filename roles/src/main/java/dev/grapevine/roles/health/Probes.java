package dev.grapevine.roles.health;

import dev.grapevine.HostPort;
import dev.grapevine.roles.Shell;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

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

    /** HTTP GET: passes on a 2xx status. */
    record Http(URI uri) implements Probe {

        @Override
        public Run start(Context context, Duration timeout) {
            String what = "HTTP GET " + uri;
            HttpRequest request = HttpRequest.newBuilder(uri).GET().timeout(timeout)
                    .header("User-Agent", "grapevine-health-check").build();
            BoundedBytes body = new BoundedBytes(HealthCheck.MAX_OUTPUT);
            Consumer<Optional<byte[]>> sink = chunk -> chunk.ifPresent(b -> body.add(b, 0, b.length));
            CompletableFuture<HttpResponse<Void>> exchange =
                    context.http().get().sendAsync(request, HttpResponse.BodyHandlers.ofByteArrayConsumer(sink));
            CompletableFuture<Outcome> result = exchange.handle((response, e) -> {
                if (e != null) {
                    return Outcome.failed(what, e);
                }
                int code = response.statusCode();
                return new Outcome(code >= 200 && code <= 299, what + ": " + code + body.suffix());
            });
            return new Run(result, () -> exchange.cancel(true));
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
