package dev.grapevine.roles.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One HTTP request as a handler sees it: method, target, headers and the whole body (bounded by the service's
 * {@code maxBody}). Immutable once handed to the handler.
 */
public final class Request {

    private final String method;
    private final String uri;
    private final HttpHeaders headers;
    private final byte[] body;
    private final InetSocketAddress remote;
    private QueryStringDecoder decoded;

    Request(String method, String uri, HttpHeaders headers, byte[] body, InetSocketAddress remote) {
        this.method = method;
        this.uri = uri;
        this.headers = headers;
        this.body = body;
        this.remote = remote;
    }

    /** The method, as sent (upper case for the standard ones). */
    public String method() {
        return method;
    }

    /** The request target as sent, e.g. {@code /v1/members?role=app}. */
    public String uri() {
        return uri;
    }

    /** The path part of the target, not decoded. */
    public String rawPath() {
        return decoder().rawPath();
    }

    /** The query part of the target, not decoded; empty when there is none. */
    public String rawQuery() {
        return decoder().rawQuery();
    }

    /** The decoded query parameters, each with its values in order. */
    public Map<String, List<String>> parameters() {
        return decoder().parameters();
    }

    /** The first value of header {@code name} (any case), or null. */
    public String header(String name) {
        return headers.get(name);
    }

    /** Every value of header {@code name} (any case), in order. */
    public List<String> headers(String name) {
        return headers.getAll(name);
    }

    /** The names of the headers present. */
    public Set<String> headerNames() {
        return headers.names();
    }

    /** The body; empty when there was none. The array is this request's own: do not change it. */
    public byte[] body() {
        return body;
    }

    /** The client's address. */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    private QueryStringDecoder decoder() {
        if (decoded == null) {
            decoded = new QueryStringDecoder(uri);
        }
        return decoded;
    }

    @Override
    public String toString() {
        return method + " " + uri;
    }
}
