package dev.grapevine;

/**
 * A host and port as written by people: {@code host:port}, {@code [v6]:port}, a bare IPv6 literal, or a bare
 * host (with a default port). Parsing never resolves names.
 *
 * @param host a name or address literal, without brackets
 * @param port 0 to 65535
 */
public record HostPort(String host, int port) {

    /** Validates the port range and a non-empty host. */
    public HostPort {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 0-65535");
        }
    }

    /**
     * Parses {@code text}; {@code defaultPort} applies when it names no port.
     *
     * @throws IllegalArgumentException with the reason when the text is not an address
     */
    public static HostPort parse(String text, int defaultPort) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("address is empty");
        }
        String s = text.trim();
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "' has '[' without ']'");
            }
            String host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (rest.isEmpty()) {
                return new HostPort(host, defaultPort);
            }
            if (!rest.startsWith(":")) {
                throw new IllegalArgumentException("'" + text + "': expected ':port' after ']'");
            }
            return new HostPort(host, port(text, rest.substring(1)));
        }
        int first = s.indexOf(':');
        if (first < 0) {
            return new HostPort(s, defaultPort);
        }
        if (s.indexOf(':', first + 1) >= 0) {
            // Several colons and no brackets: a bare IPv6 literal.
            return new HostPort(s, defaultPort);
        }
        return new HostPort(s.substring(0, first), port(text, s.substring(first + 1)));
    }

    private static int port(String text, String p) {
        try {
            int port = Integer.parseInt(p);
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("'" + text + "': port " + port + " is outside 0-65535");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': port '" + p + "' is not a number");
        }
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
