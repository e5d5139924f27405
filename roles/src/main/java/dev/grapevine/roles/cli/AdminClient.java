package dev.grapevine.roles.cli;

import dev.grapevine.HostPort;
import dev.grapevine.roles.JsonTree;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The {@code grapevine} command's client of a node's admin API: JSON calls and line streams over plain HTTP/1.1,
 * one connection per call, with the token when one is set. Every failure becomes a {@link CliException} with a
 * one-line reason.
 *
 * <p>A socket and a few lines of HTTP rather than {@code java.net.http.HttpClient}: a command's time is mostly
 * the JVM starting, and the JDK's client (its selector thread, its TLS setup, HTTP/2) adds about a quarter of a
 * second of class loading to every run for nothing a loopback call needs (see the CLI latency table in the
 * roles README).
 */
final class AdminClient {

    private static final Duration CONNECT = Duration.ofSeconds(5);
    /** Longer than the server's own 30 s wait on the cluster, so the server's 504 arrives first. */
    private static final Duration CALL = Duration.ofSeconds(45);

    private final String address;
    private final HostPort target;
    private final String token;
    private final String errorPrefix;

    /**
     * @param errorPrefix how a refusal of the node begins, as Serf words it for the command ("Error sending
     *                    event"); "Error" when the command has no such wording
     */
    AdminClient(String address, String token, String errorPrefix) {
        this.errorPrefix = errorPrefix;
        this.address = address;
        try {
            this.target = HostPort.parse(address, 0);
            if (target.port() <= 0) {
                throw new IllegalArgumentException("no port");
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(1, "Error: -admin '" + address + "' must be host:port");
        }
        this.token = token;
    }

    /** GET {@code path}: the JSON answer. */
    Object get(String path) {
        return call("GET", path, null);
    }

    /** POST {@code body} (JSON, or the raw payload) to {@code path}: the JSON answer. */
    Object post(String path, byte[] body) {
        return call("POST", path, body);
    }

    private Object call(String method, String path, byte[] body) {
        byte[] answer;
        int status;
        try (Socket s = connect(CALL)) {
            InputStream in = send(s, method, path, body);
            status = status(in);
            answer = body(in, headers(in)).readAllBytes();
        } catch (IOException e) {
            throw unreachable(e);
        }
        if (status / 100 != 2) {
            throw refused(status, answer);
        }
        try {
            return JsonTree.parse(answer);
        } catch (IOException e) {
            throw new CliException(1, errorPrefix + ": the node at " + address + " answered something that is not"
                    + " JSON: " + oneLine(e.getMessage()));
        }
    }

    /**
     * Sends {@code method path}, runs {@code opened} once the node accepted it (a 2xx status), then hands each
     * line of the answer to {@code line} as it arrives, until the node ends the answer (returns normally) or
     * the connection breaks (throws).
     */
    void stream(String method, String path, byte[] body, Runnable opened, Consumer<String> line) {
        Socket s;
        InputStream in;
        int status;
        Map<String, String> headers;
        try {
            s = connect(CALL);
            in = send(s, method, path, body);
            status = status(in);
            headers = headers(in);
        } catch (IOException e) {
            throw unreachable(e);
        }
        try (Socket closing = s; InputStream answer = body(in, headers)) {
            if (status / 100 != 2) {
                throw refused(status, answer.readAllBytes());
            }
            closing.setSoTimeout(0); // a monitor may stay silent for hours
            opened.run();
            BufferedReader r = new BufferedReader(new InputStreamReader(answer, StandardCharsets.UTF_8));
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                if (!l.isEmpty()) {
                    line.accept(l);
                }
            }
        } catch (IOException e) {
            throw new CliException(1, errorPrefix + ": the stream from " + address + " broke: " + oneLine(message(e)));
        }
    }

    private Socket connect(Duration readTimeout) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(target.host(), target.port()), (int) CONNECT.toMillis());
            s.setSoTimeout((int) readTimeout.toMillis());
            s.setTcpNoDelay(true);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private InputStream send(Socket s, String method, String path, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(256).append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(target).append("\r\n")
                .append("User-Agent: grapevine\r\n")
                .append("Accept: application/json, application/x-ndjson\r\n")
                .append("Connection: close\r\n");
        if (token != null) {
            head.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        OutputStream out = s.getOutputStream();
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        if (body != null) {
            out.write(body);
        }
        out.flush();
        return new BufferedInputStream(s.getInputStream());
    }

    private static int status(InputStream in) throws IOException {
        String line = line(in);
        // HTTP/1.1 200 OK
        if (line.length() < 12 || !line.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + line);
        }
        try {
            return Integer.parseInt(line.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status line: " + line);
        }
    }

    private static Map<String, String> headers(InputStream in) throws IOException {
        Map<String, String> out = new java.util.HashMap<>();
        for (String l = line(in); !l.isEmpty(); l = line(in)) {
            int colon = l.indexOf(':');
            if (colon > 0) {
                out.put(l.substring(0, colon).strip().toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
            }
            if (out.size() > 100) {
                throw new IOException("too many header lines");
            }
        }
        return out;
    }

    /** The body: chunked, of a Content-Length, or up to the end of the connection. */
    private static InputStream body(InputStream in, Map<String, String> headers) throws IOException {
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            return new Chunked(in);
        }
        String length = headers.get("content-length");
        if (length != null) {
            try {
                return new java.io.ByteArrayInputStream(in.readNBytes(Integer.parseInt(length)));
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length: " + length);
            }
        }
        return in;
    }

    /** One CRLF-terminated line of the head (at most 8 KiB). */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(80);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("the connection closed in the middle of the answer");
            }
            if (c != '\r') {
                b.write(c);
            }
            if (b.size() > 8192) {
                throw new IOException("header line over 8 KiB");
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** A chunked body, decoded; ends at the last (empty) chunk. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line(in);
                int semi = size.indexOf(';');
                try {
                    left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size: " + size);
                }
                if (left == 0) {
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("the connection closed in the middle of a chunk");
            }
            left -= n;
            if (left == 0) {
                line(in); // the CRLF after the chunk
            }
            return n;
        }
    }

    private CliException unreachable(IOException e) {
        if (e instanceof SocketTimeoutException) {
            return new CliException(1, "Error: no answer from the Grapevine node at " + address + " in time");
        }
        return new CliException(1, "Error connecting to the Grapevine node at " + address + ": " + oneLine(message(e)));
    }

    private CliException refused(int status, byte[] body) {
        String why = null;
        try {
            Object doc = JsonTree.parse(body);
            if (doc instanceof Map<?, ?> m && m.get("error") instanceof String s) {
                why = s;
            }
        } catch (IOException e) {
            // not JSON: reported by status alone
        }
        if (why == null) {
            why = new String(body, StandardCharsets.UTF_8);
            if (why.length() > 200) {
                why = why.substring(0, 200) + "...";
            }
        }
        why = oneLine(why);
        if (status == 401) {
            return new CliException(1, errorPrefix + ": the node refused the call (401): " + why
                    + " (set -token, -token-file or GRAPEVINE_ADMIN_TOKEN)");
        }
        return new CliException(1, errorPrefix + ": " + why + " (" + status + ")");
    }

    /** {@code text} with its line breaks and runs of white space made single spaces. */
    static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s+", " ");
    }

    private static String message(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused (is the node running, and is its admin API on this address?)";
            }
        }
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
