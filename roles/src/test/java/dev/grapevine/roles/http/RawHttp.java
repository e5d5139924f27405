package dev.grapevine.roles.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test helpers that speak HTTP/1.1 over plain sockets, so that tests see (and can send) exactly the bytes on the
 * wire: a client connection, and a server whose every connection is handed to a test's code on a thread.
 */
final class RawHttp {

    private RawHttp() {
    }

    /** An answer as read off the wire. */
    record Response(String statusLine, int status, Map<String, List<String>> headers, byte[] body) {

        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** One client connection; requests and answers in turn. */
    static final class Client implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Client(InetSocketAddress server) throws IOException {
            socket = new Socket();
            socket.connect(server, 5000);
            socket.setSoTimeout(20_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void send(String text) throws IOException {
            send(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Reads one answer; {@code head} tells that it has no body whatever its headers say. */
        Response read(boolean head) throws IOException {
            return RawHttp.read(in, head);
        }

        Response exchange(String request) throws IOException {
            send(request);
            return read(request.startsWith("HEAD "));
        }

        /** True when the server closed the connection (end of stream, or a reset). */
        boolean closedByServer() {
            try {
                return in.read() < 0;
            } catch (IOException e) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Reads a message head and body: Content-Length, chunked, or (no length) to the end of the stream. */
    static Response read(InputStream in, boolean headOnly) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("connection closed before an answer");
        }
        Map<String, List<String>> headers = new TreeMap<>();
        String l;
        while ((l = line(in)) != null && !l.isEmpty()) {
            int colon = l.indexOf(':');
            headers.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(l.substring(colon + 1).trim());
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<String> length = headers.get("content-length");
        List<String> te = headers.get("transfer-encoding");
        if (headOnly || status == 204 || status == 304 || status / 100 == 1) {
            return new Response(statusLine, status, headers, new byte[0]);
        }
        if (te != null && te.get(0).equalsIgnoreCase("chunked")) {
            while (true) {
                String size = line(in);
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    while ((l = line(in)) != null && !l.isEmpty()) {
                        // trailers: none expected
                    }
                    break;
                }
                body.write(in.readNBytes(n));
                line(in);
            }
        } else if (length != null) {
            int n = Integer.parseInt(length.get(0));
            byte[] b = in.readNBytes(n);
            if (b.length < n) {
                throw new IOException("body cut at " + b.length + " of " + n + " bytes");
            }
            body.write(b);
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(statusLine, status, headers, body.toByteArray());
    }

    /** A line without its CRLF; null at the end of the stream. */
    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] bytes = b.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads a request head (request line and headers) off a socket; null when the peer closed first. */
    static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        String l;
        while ((l = line(in)) != null && !l.isEmpty()) {
            lines.add(l);
        }
        return l == null && lines.isEmpty() ? null : lines;
    }

    /** What a {@link Server} does with one connection. */
    @FunctionalInterface
    interface Connection {
        void handle(Socket s) throws IOException;
    }

    /** A server handing each connection to {@code onConnection} on a thread of its own. */
    static final class Server implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread acceptor;
        private final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

        Server(InetSocketAddress bind, Connection onConnection) throws IOException {
            socket = new ServerSocket();
            socket.bind(bind, 50);
            acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        accepted.add(s);
                        Thread t = new Thread(() -> {
                            try (s) {
                                onConnection.handle(s);
                            } catch (IOException e) {
                                // the test's peer went away
                            }
                        }, "raw-http-conn");
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "raw-http-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
