package dev.grapevine.samples.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP load for the end-to-end tests: {@code connections} keep-alive connections, each sending {@code GET path}
 * again as soon as the last answer is in, for a while; counts answers by class and socket errors. It is
 * {@code wrk} when installed (the same counts, parsed from its report), otherwise a plain Java client with one
 * thread per connection. It measures no speed that a test asserts: only what was answered and how.
 */
final class LoadGenerator {

    /** What came back. */
    record Counts(long requests, long non2xx, long socketErrors, String tool, String report) {
    }

    private LoadGenerator() {
    }

    /** True when wrk is on the path (and not turned off with {@code -Dgrapevine.test.javaLoad=true}). */
    static boolean wrkInstalled() {
        return !Boolean.getBoolean("grapevine.test.javaLoad") && ElasticClusterIT.onPath("wrk");
    }

    /**
     * Starts the load in the background; {@link Running#await()} returns the counts once {@code duration} is over.
     *
     * @param timeout how long one answer may take before it counts as a socket error
     */
    static Running start(InetSocketAddress server, String path, int connections, Duration duration, Duration timeout,
                         Path workDir) throws IOException {
        return wrkInstalled() ? new Wrk(server, path, connections, duration, timeout, workDir)
                : new JavaLoad(server, path, connections, duration, timeout);
    }

    /** Load in progress. */
    interface Running {
        Counts await() throws Exception;
    }

    /** Debian's wrk: {@code -t2 -cN -dS --timeout T}. */
    private static final class Wrk implements Running {
        private final Process process;
        private final Path out;

        Wrk(InetSocketAddress server, String path, int connections, Duration duration, Duration timeout, Path dir)
                throws IOException {
            out = dir.resolve("wrk.txt");
            process = new ProcessBuilder("wrk", "-t2", "-c" + connections, "-d" + duration.toSeconds() + "s",
                    "--timeout", timeout.toSeconds() + "s",
                    "http://" + server.getAddress().getHostAddress() + ":" + server.getPort() + path)
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        }

        @Override
        public Counts await() throws Exception {
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("wrk did not end");
            }
            String report = java.nio.file.Files.readString(out);
            Matcher total = Pattern.compile("(\\d+) requests in").matcher(report);
            if (process.exitValue() != 0 || !total.find()) {
                throw new IllegalStateException("wrk failed (exit " + process.exitValue() + "): " + report);
            }
            long non2xx = find(report, "Non-2xx or 3xx responses: (\\d+)");
            long errors = 0;
            Matcher socket = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)")
                    .matcher(report);
            if (socket.find()) {
                for (int i = 1; i <= 4; i++) {
                    errors += Long.parseLong(socket.group(i));
                }
            }
            return new Counts(Long.parseLong(total.group(1)), non2xx, errors, "wrk", report);
        }

        private static long find(String text, String regex) {
            Matcher m = Pattern.compile(regex).matcher(text);
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        }
    }

    /** The fallback: a thread per connection, HTTP/1.1 keep-alive over a plain socket. */
    private static final class JavaLoad implements Running {
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicLong requests = new AtomicLong();
        private final AtomicLong non2xx = new AtomicLong();
        private final AtomicLong errors = new AtomicLong();

        JavaLoad(InetSocketAddress server, String path, int connections, Duration duration, Duration timeout) {
            long end = System.nanoTime() + duration.toNanos();
            byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: " + server.getAddress().getHostAddress() + ":"
                    + server.getPort() + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < connections; i++) {
                Thread t = new Thread(() -> run(server, request, end, (int) timeout.toMillis()), "load-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        private void run(InetSocketAddress server, byte[] request, long end, int timeoutMillis) {
            Socket s = null;
            while (System.nanoTime() - end < 0) {
                try {
                    if (s == null) {
                        s = new Socket();
                        s.setTcpNoDelay(true);
                        s.connect(server, timeoutMillis);
                        s.setSoTimeout(timeoutMillis);
                    }
                    OutputStream out = s.getOutputStream();
                    out.write(request);
                    out.flush();
                    int status = readAnswer(s.getInputStream());
                    requests.incrementAndGet();
                    if (status < 200 || status > 299) {
                        non2xx.incrementAndGet();
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                    close(s);
                    s = null;
                }
            }
            close(s);
        }

        /** Reads one answer with a Content-Length body; returns its status. */
        private static int readAnswer(InputStream in) throws IOException {
            String status = line(in);
            int length = 0;
            String l;
            while (!(l = line(in)).isEmpty()) {
                if (l.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Integer.parseInt(l.substring(15).trim());
                }
            }
            if (in.readNBytes(length).length < length) {
                throw new IOException("answer cut short");
            }
            return Integer.parseInt(status.split(" ")[1]);
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed by the server");
                }
                if (c != '\r') {
                    b.write(c);
                }
            }
            return b.toString(StandardCharsets.ISO_8859_1);
        }

        private static void close(Socket s) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }

        @Override
        public Counts await() throws InterruptedException {
            for (Thread t : threads) {
                t.join();
            }
            return new Counts(requests.get(), non2xx.get(), errors.get(), "java",
                    requests + " requests, " + non2xx + " non-2xx, " + errors + " socket errors");
        }
    }
}
