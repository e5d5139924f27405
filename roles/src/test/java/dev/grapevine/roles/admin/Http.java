package dev.grapevine.roles.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A small HTTP client for the admin API tests, over java.net.http. */
final class Http {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final URI base;

    Http(URI base) {
        this.base = base;
    }

    /** An answer: status, content type and body. */
    record Response(int status, String contentType, String body, HttpResponse<String> raw) {
        /** The body parsed as JSON. */
        JsonNode json() {
            try {
                return MAPPER.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }
    }

    Response get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    Response post(String path, byte[] body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    Response post(String path, byte[] body, String header, String value) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header(header, value)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    Response get(String path, String header, String value) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header(header, value).GET());
    }

    Response method(String method, String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    private Response send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body(), r);
    }

    /** Opens {@code /v1/stream}; its events arrive in {@link EventStream#events}. */
    EventStream stream() throws IOException, InterruptedException {
        HttpResponse<java.util.stream.Stream<String>> r = client.send(
                HttpRequest.newBuilder(base.resolve("/v1/stream")).GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        return new EventStream(r);
    }

    /** One Server-Sent Event: its type and data parsed as JSON. */
    record Event(String type, JsonNode data) {
    }

    /**
     * A reader of one event stream on its own thread. {@link #next} takes events in order; the reader puts an
     * event of type {@code end} when the stream ends.
     */
    static final class EventStream implements AutoCloseable {
        final int status;
        final String contentType;
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        private final java.util.stream.Stream<String> lines;
        private final CompletableFuture<Void> reader;

        EventStream(HttpResponse<java.util.stream.Stream<String>> r) {
            this.status = r.statusCode();
            this.contentType = r.headers().firstValue("Content-Type").orElse("");
            this.lines = r.body();
            this.reader = CompletableFuture.runAsync(this::read);
        }

        private void read() {
            String type = "message";
            List<String> data = new ArrayList<>();
            try {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (line.isEmpty()) {
                        if (!data.isEmpty()) {
                            events.add(new Event(type, MAPPER.readTree(String.join("\n", data))));
                        }
                        type = "message";
                        data.clear();
                    } else if (line.startsWith("event: ")) {
                        type = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data.add(line.substring(6));
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                // The stream broke: treated as its end.
            }
            events.add(new Event("end", null));
        }

        /** The next event, waiting up to 30 s; fails when none comes. */
        Event next() throws InterruptedException {
            Event e = events.poll(30, TimeUnit.SECONDS);
            if (e == null) {
                throw new AssertionError("no event within 30 s");
            }
            return e;
        }

        /** Skips events until one matches, waiting up to 30 s for each. */
        Event until(java.util.function.Predicate<Event> wanted) throws InterruptedException {
            while (true) {
                Event e = next();
                if (wanted.test(e)) {
                    return e;
                }
                if (e.type().equals("end")) {
                    throw new AssertionError("stream ended before the expected event");
                }
            }
        }

        @Override
        public void close() {
            lines.close();
            reader.cancel(true);
        }
    }
}
