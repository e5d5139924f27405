package dev.grapevine.samples.app;

import dev.grapevine.roles.http.HttpHandler;
import dev.grapevine.roles.http.Request;
import dev.grapevine.roles.http.Responder;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** {@code GET /hello} answers {@code I'm <name>}; other methods get 405, other paths 404. */
final class HelloHandler implements HttpHandler {

    private static final Map<String, String> TEXT = Map.of("Content-Type", "text/plain; charset=utf-8");

    private final byte[] answer;

    HelloHandler(String name) {
        this.answer = ("I'm " + name).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void handle(Request req, Responder out) {
        if (!req.rawPath().equals("/hello")) {
            out.text(404, "no such path: " + req.rawPath());
            return;
        }
        if (!req.method().equals("GET") && !req.method().equals("HEAD")) {
            out.respond(405, Map.of("Allow", "GET, HEAD"), new byte[0]);
            return;
        }
        out.respond(200, TEXT, answer); // a HEAD request gets the headers only
    }
}
