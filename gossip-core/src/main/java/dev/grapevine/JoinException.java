package dev.grapevine;

import java.net.InetSocketAddress;
import java.util.Map;

/** No address given to {@code join} could be reached; says why for each. */
public final class JoinException extends Exception {

    private final Map<InetSocketAddress, Throwable> causes;

    /** Creates the exception from the failure of each address tried. */
    public JoinException(String message, Map<InetSocketAddress, Throwable> causes) {
        super(message + describe(causes));
        this.causes = Map.copyOf(causes);
        causes.values().stream().findFirst().ifPresent(this::initCause);
    }

    /** The failure of each address tried. */
    public Map<InetSocketAddress, Throwable> causes() {
        return causes;
    }

    private static String describe(Map<InetSocketAddress, Throwable> causes) {
        StringBuilder sb = new StringBuilder();
        causes.forEach((a, t) -> sb.append("; ").append(a).append(": ")
                .append(t.getClass().getSimpleName()).append(t.getMessage() == null ? "" : " " + t.getMessage()));
        return sb.toString();
    }
}
