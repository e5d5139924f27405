package dev.grapevine.roles.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A whole answer from an upstream server, as {@link HttpConnector#call} gathers it.
 *
 * @param status  the status code
 * @param headers the headers, names in lower case, values in order
 * @param body    the body (empty for none)
 */
public record HttpReply(int status, Map<String, List<String>> headers, byte[] body) {

    /** The body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The first value of header {@code name} (any case). */
    public Optional<String> header(String name) {
        List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }
}
