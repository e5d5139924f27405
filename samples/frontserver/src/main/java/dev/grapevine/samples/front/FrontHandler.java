package dev.grapevine.samples.front;

import dev.grapevine.roles.RoleClient;
import dev.grapevine.roles.http.HttpHandler;
import dev.grapevine.roles.http.Request;
import dev.grapevine.roles.http.Responder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * {@code GET /hello} calls {@code GET /hello} on an app server picked from the membership and answers
 * {@code Hello <front>, <app's answer> !}. An app server that fails mid-request is retried on another (see
 * {@link RoleClient}), so the caller sees no error while any app server is alive; with none, 503. The call runs
 * on the HTTP loop that received the request: no thread waits for the app server.
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
    public void handle(Request req, Responder out) {
        if (!req.rawPath().equals("/hello")) {
            out.text(404, "no such path: " + req.rawPath());
            return;
        }
        if (!req.method().equals("GET")) {
            out.respond(405, Map.of("Allow", "GET"), new byte[0]);
            return;
        }
        apps.getAsync("/hello").whenComplete((r, e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                LOG.warn("no app server answered: {}", cause.getMessage());
                out.text(503, "no app server available: " + cause.getMessage());
                return;
            }
            if (r.attempts() > 1) {
                LOG.info("answered by {} after {} attempts", r.member(), r.attempts());
            }
            out.text(r.status(), r.status() == 200 ? "Hello " + name + ", " + r.body() + " !" : r.body());
        });
    }
}
