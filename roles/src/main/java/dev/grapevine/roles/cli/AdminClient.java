package dev.grapevine.roles.cli;

import dev.grapevine.roles.JsonTree;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The {@code grapevine} command's client of a node's admin API: JSON calls and line streams, with the token
 * when one is set. Every failure becomes a {@link CliException} with a one-line reason.
 */
final class AdminClient {

    private static final Duration CONNECT = Duration.ofSeconds(5);
    /** Longer than the server's own 30 s wait on the cluster, so the server's 504 arrives first. */
    private static final Duration CALL = Duration.ofSeconds(45);

    private final String address;
    private final URI base;
    private final String token;
    private final HttpClient http;
    private final String errorPrefix;

    /**
     * @param errorPrefix how a refusal of the node begins, as Serf words it for the command ("Error sending
     *                    event"); "Error" when the command has no such wording
     */
    AdminClient(String address, String token, String errorPrefix) {
        this.errorPrefix = errorPrefix;
        this.address = address;
        try {
            this.base = URI.create("http://" + address);
            if (base.getHost() == null || base.getPort() < 0) {
                throw new IllegalArgumentException("no port");
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(1, "Error: -admin '" + address + "' must be host:port");
        }
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT).version(HttpClient.Version.HTTP_1_1).build();
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
        HttpRequest req = request(method, path, body).timeout(CALL).build();
        HttpResponse<byte[]> res;
        try {
            res = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(1, "Error: interrupted");
        }
        if (res.statusCode() / 100 != 2) {
            throw refused(res.statusCode(), res.body());
        }
        try {
            return JsonTree.parse(res.body());
        } catch (IOException e) {
            throw new CliException(1, errorPrefix + ": the node at " + address + " answered something that is not"
                    + " JSON: " + oneLine(e.getMessage()));
        }
    }

    /**
     * Sends {@code method path} and hands each line of the answer to {@code line} as it arrives, until the node
     * ends the answer (returns normally) or the connection breaks (throws).
     */
    void stream(String method, String path, byte[] body, Runnable opened, Consumer<String> line) {
        HttpRequest req = request(method, path, body).build();
        HttpResponse<InputStream> res;
        try {
            res = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(1, "Error: interrupted");
        }
        try (InputStream in = res.body()) {
            if (res.statusCode() / 100 != 2) {
                throw refused(res.statusCode(), in.readAllBytes());
            }
            opened.run();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                if (!l.isEmpty()) {
                    line.accept(l);
                }
            }
        } catch (IOException e) {
            throw new CliException(1, errorPrefix + ": the stream from " + address + " broke: " + oneLine(message(e)));
        }
    }

    private HttpRequest.Builder request(String method, String path, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private CliException unreachable(IOException e) {
        if (e instanceof HttpTimeoutException) {
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
