package dev.grapevine.roles.admin;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.grapevine.Member;
import dev.grapevine.MemberStatus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON documents of the admin API, written with Jackson's streaming generator (which does all the escaping).
 * Compact output: no document contains a line break, so each fits on one Server-Sent Events {@code data:} line.
 */
final class AdminJson {

    private final JsonFactory factory = JsonFactory.builder().build();

    /** A JSON body. */
    @FunctionalInterface
    interface Body {
        /** Writes the document. */
        void write(JsonGenerator g) throws IOException;
    }

    /** The document {@code body} writes, as UTF-8 bytes. */
    byte[] bytes(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = factory.createGenerator(out, JsonEncoding.UTF8)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory", e);
        }
        return out.toByteArray();
    }

    /** The document {@code body} writes, as a string. */
    String string(Body body) {
        return new String(bytes(body), StandardCharsets.UTF_8);
    }

    /** A status as the API spells it: alive, suspect, failed or left. */
    static String status(MemberStatus status) {
        return status.name().toLowerCase(Locale.ROOT);
    }

    /** The status the API spelling names, or null. */
    static MemberStatus parseStatus(String text) {
        for (MemberStatus s : MemberStatus.values()) {
            if (status(s).equals(text)) {
                return s;
            }
        }
        return null;
    }

    /** The IP address of a member's address (its host name when unresolved). */
    static String host(InetSocketAddress address) {
        return address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
    }

    /** {@code {"name", "address", "port", "status", "tags": {...}}}, tags sorted by key. */
    static void member(JsonGenerator g, Member m) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", m.name());
        g.writeStringField("address", host(m.address()));
        g.writeNumberField("port", m.address().getPort());
        g.writeStringField("status", status(m.status()));
        g.writeObjectFieldStart("tags");
        for (Map.Entry<String, String> t : new TreeMap<>(m.tags()).entrySet()) {
            g.writeStringField(t.getKey(), t.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    /** Writes one item of an array. */
    @FunctionalInterface
    interface Item<T> {
        /** Writes {@code item}. */
        void write(JsonGenerator g, T item) throws IOException;
    }

    /** An array of {@code items}, in their order, each written by {@code item}. */
    static <T> void array(JsonGenerator g, Collection<T> items, Item<T> item) throws IOException {
        g.writeStartArray();
        for (T t : items) {
            item.write(g, t);
        }
        g.writeEndArray();
    }

    /** An array of members, in the given order. */
    static void members(JsonGenerator g, Collection<Member> members) throws IOException {
        array(g, members, AdminJson::member);
    }

    /** {@code {"name", "ltime", "payload", "encoding", "size", "received"}}; received in ISO-8601 UTC. */
    static void event(JsonGenerator g, ReceivedEvent e) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", e.name());
        g.writeNumberField("ltime", e.ltime());
        g.writeStringField("payload", e.payloadText());
        g.writeStringField("encoding", e.encoding());
        g.writeNumberField("size", e.size());
        g.writeStringField("received", e.received().toString());
        g.writeEndObject();
    }

    /** An array of events, in the given order. */
    static void events(JsonGenerator g, List<ReceivedEvent> events) throws IOException {
        array(g, events, AdminJson::event);
    }

    /** The health document; see {@link NodeHealth}. */
    static void health(JsonGenerator g, NodeHealth h) throws IOException {
        g.writeStartObject();
        g.writeStringField("node", h.node());
        g.writeBooleanField("healthy", h.healthy());
        if (h.status() != null) {
            g.writeStringField("status", status(h.status()));
        } else {
            g.writeStringField("status", "closed");
        }
        if (h.healthTag() != null) {
            g.writeStringField("healthTag", h.healthTag());
        } else {
            g.writeNullField("healthTag");
        }
        g.writeNumberField("healthScore", h.healthScore());
        g.writeObjectFieldStart("members");
        int total = 0;
        for (Map.Entry<MemberStatus, Integer> c : h.counts().entrySet()) {
            g.writeNumberField(status(c.getKey()), c.getValue());
            total += c.getValue();
        }
        g.writeNumberField("total", total);
        g.writeEndObject();
        g.writeFieldName("checks");
        array(g, h.checks(), (out, c) -> {
            out.writeStartObject();
            out.writeStringField("name", c.name());
            out.writeBooleanField("passing", c.passing());
            out.writeStringField("output", c.output());
            out.writeEndObject();
        });
        g.writeFieldName("problems");
        array(g, h.problems(), JsonGenerator::writeString);
        g.writeEndObject();
    }

    /** {@code {"error": message, "status": code}}. */
    static void error(JsonGenerator g, int status, String message) throws IOException {
        g.writeStartObject();
        g.writeStringField("error", message);
        g.writeNumberField("status", status);
        g.writeEndObject();
    }
}
