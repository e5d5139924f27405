package dev.grapevine;

import java.util.Arrays;

/**
 * One member's answer to a query.
 *
 * @param from    the member that answered
 * @param payload its answer
 */
public record QueryResponse(String from, byte[] payload) {

    /** Decodes the payload with {@code codec}. */
    public <T> T payload(dev.grapevine.payload.PayloadCodec<T> codec) throws dev.grapevine.payload.PayloadException {
        return codec.decode(payload);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QueryResponse r && r.from.equals(from) && Arrays.equals(r.payload, payload);
    }

    @Override
    public int hashCode() {
        return from.hashCode() * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "QueryResponse[from=" + from + ", " + payload.length + " bytes]";
    }
}
