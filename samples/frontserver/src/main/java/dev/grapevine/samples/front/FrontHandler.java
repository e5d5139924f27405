package dev.grapevine.samples.front;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.grapevine.roles.RoleClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /hello} calls {@code GET /hello} on an app server picked from the membership and answers
 * {@code Hello <front>, <app's answer> !}. An app server that fails mid-request is retried on another
 * (see {@link RoleClient}), so the caller sees no error while any app server is alive; with none, 503.
 */
final class FrontHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(FrontHandler.class);

    private final String name;
    private final RoleClient apps;

    FrontHandler(String name, RoleClient apps) {
        this.name = name;
        this.apps = apps;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            ex.getRequestBody().transferTo(java.io.OutputStream.nullOutputStream()); // read, not kept
            if (!ex.getRequestURI().getPath().equals("/hello")) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            if (!ex.getRequestMethod().equals("GET")) {
                ex.getResponseHeaders().set("Allow", "GET");
                ex.sendResponseHeaders(405, -1);
                return;
            }
            int status;
            String body;
            try {
                RoleClient.Reply<String> r = apps.get("/hello");
                status = r.response().statusCode();
                body = status == 200 ? "Hello " + name + ", " + r.response().body() + " !" : r.response().body();
                if (r.attempts() > 1) {
                    LOG.info("answered by {} after {} attempts", r.member().name(), r.attempts());
                }
            } catch (RoleClient.NoMemberException e) {
                LOG.warn("no app server answered: {}", e.getMessage());
                status = 503;
                body = "no app server available: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                status = 503;
                body = "interrupted";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(status, bytes.length);
            ex.getResponseBody().write(bytes);
        }
    }
}
