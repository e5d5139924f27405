package dev.grapevine.dns;

import org.xbill.DNS.Rcode;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counters of one {@link DnsResponder}, written by its listener and forwarding threads and readable from any
 * thread at any time.
 */
public final class DnsStats implements dev.grapevine.roles.metrics.MetricsSource {

    /** Response codes 0 to 23 (RFC 6895: through BADCOOKIE) are counted one by one; others in the last slot. */
    private static final int RCODE_SLOTS = 24;

    private final AtomicLongArray byRcode = new AtomicLongArray(RCODE_SLOTS + 1);
    private final AtomicLong malformedDropped = new AtomicLong();
    private final AtomicLong formatErrors = new AtomicLong();
    private final AtomicLong truncated = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong forwardFailures = new AtomicLong();
    private final AtomicLong tcpRejected = new AtomicLong();
    private final AtomicLong internalErrors = new AtomicLong();
    private final AtomicLong refusedNotAllowed = new AtomicLong();
    private final AtomicLong rateLimitedTruncated = new AtomicLong();
    private final AtomicLong rateLimitedDropped = new AtomicLong();

    DnsStats() {
    }

    void recordResponse(int rcode) {
        byRcode.incrementAndGet(rcode >= 0 && rcode < RCODE_SLOTS ? rcode : RCODE_SLOTS);
    }

    void recordMalformedDropped() {
        malformedDropped.incrementAndGet();
    }

    void recordFormatError() {
        formatErrors.incrementAndGet();
    }

    void recordTruncated() {
        truncated.incrementAndGet();
    }

    void recordForwarded() {
        forwarded.incrementAndGet();
    }

    void recordForwardFailure() {
        forwardFailures.incrementAndGet();
    }

    void recordTcpRejected() {
        tcpRejected.incrementAndGet();
    }

    void recordInternalError() {
        internalErrors.incrementAndGet();
    }

    void recordRefusedNotAllowed() {
        refusedNotAllowed.incrementAndGet();
    }

    void recordRateLimitedTruncated() {
        rateLimitedTruncated.incrementAndGet();
    }

    void recordRateLimitedDropped() {
        rateLimitedDropped.incrementAndGet();
    }

    /**
     * Responses sent with this response code (extended codes such as BADVERS included), whether answered
     * locally, relayed from an upstream, or produced because a query was malformed or could not be forwarded.
     */
    public long responses(int rcode) {
        return byRcode.get(rcode >= 0 && rcode < RCODE_SLOTS ? rcode : RCODE_SLOTS);
    }

    /** Responses sent, all codes together. */
    public long responsesTotal() {
        long sum = 0;
        for (int i = 0; i <= RCODE_SLOTS; i++) {
            sum += byRcode.get(i);
        }
        return sum;
    }

    /** A snapshot of the non-zero response counters, keyed by the code's mnemonic ({@code NOERROR}, ...). */
    public Map<String, Long> responsesByRcode() {
        Map<String, Long> out = new TreeMap<>();
        for (int i = 0; i <= RCODE_SLOTS; i++) {
            long n = byRcode.get(i);
            if (n != 0) {
                out.put(i == RCODE_SLOTS ? "OTHER" : Rcode.string(i), n);
            }
        }
        return out;
    }

    /**
     * Datagrams or TCP frames dropped without an answer: shorter than a DNS header, or carrying the QR bit
     * (a response, which a server must never answer).
     */
    public long malformedDropped() {
        return malformedDropped.get();
    }

    /** Queries with a readable header but an unparsable or invalid body, answered with FORMERR. */
    public long formatErrors() {
        return formatErrors.get();
    }

    /** UDP responses sent with the TC bit: the answer did not fit the client's payload size. */
    public long truncated() {
        return truncated.get();
    }

    /** Queries for names outside the domain relayed to an upstream resolver. */
    public long forwarded() {
        return forwarded.get();
    }

    /**
     * Forwarded queries answered SERVFAIL because no upstream answered in time (or validly), or because the
     * forwarding queue was full.
     */
    public long forwardFailures() {
        return forwardFailures.get();
    }

    /** TCP connections closed at once because {@code maxTcpConnections} were already open. */
    public long tcpConnectionsRejected() {
        return tcpRejected.get();
    }

    /** Queries that hit an unexpected error in the responder itself; answered SERVFAIL and logged. */
    public long internalErrors() {
        return internalErrors.get();
    }

    /**
     * Queries for names outside the domain answered REFUSED because the client is not in an allowed network
     * (also counted in {@code responses(REFUSED)}).
     */
    public long refusedNotAllowed() {
        return refusedNotAllowed.get();
    }

    /**
     * UDP queries over their network's rate limit answered with a minimal truncated response (TC set, no
     * records: the client retries over TCP). Not counted in {@link #responses(int)} nor {@link #truncated()}.
     */
    public long rateLimitedTruncated() {
        return rateLimitedTruncated.get();
    }

    /** UDP queries over their network's rate limit left unanswered. */
    public long rateLimitedDropped() {
        return rateLimitedDropped.get();
    }

    /**
     * These counters for a process's metrics ({@code GET /v1/metrics}): {@code grapevine_dns_responses_total} by
     * {@code rcode} (lower-case mnemonic; codes 0 to 5 always, others once seen, {@code other} beyond the
     * counted range) and one counter each for malformed drops, format errors, truncated answers, forwarded
     * queries, forwarding failures, refused TCP connections, internal errors, clients refused by the allow list,
     * and rate-limited slips and drops.
     */
    @Override
    public void write(dev.grapevine.roles.metrics.MetricsWriter w) {
        String help = "DNS responses sent, by response code";
        for (int i = 0; i <= RCODE_SLOTS; i++) {
            long n = byRcode.get(i);
            // NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP and REFUSED (0 to 5) always; others once seen.
            if (n != 0 || i <= Rcode.REFUSED) {
                String code = i == RCODE_SLOTS ? "other" : Rcode.string(i).toLowerCase(java.util.Locale.ROOT);
                w.counter("dns_responses_total", help, n, "rcode", code);
            }
        }
        w.counter("dns_malformed_dropped_total", "DNS messages dropped unanswered (too short, or a response)",
                malformedDropped());
        w.counter("dns_format_errors_total", "DNS queries answered FORMERR", formatErrors());
        w.counter("dns_truncated_total", "DNS UDP answers sent truncated (TC)", truncated());
        w.counter("dns_forwarded_total", "DNS queries outside the domain relayed upstream", forwarded());
        w.counter("dns_forward_failures_total", "forwarded DNS queries answered SERVFAIL", forwardFailures());
        w.counter("dns_tcp_rejected_total", "DNS TCP connections refused over the limit", tcpConnectionsRejected());
        w.counter("dns_internal_errors_total", "DNS queries that hit an internal error", internalErrors());
        w.counter("dns_refused_not_allowed_total", "DNS queries for outside names refused: the client is not in"
                + " an allowed network", refusedNotAllowed());
        w.counter("dns_rate_limited_truncated_total", "DNS UDP queries over their network's rate limit answered"
                + " with a truncated slip", rateLimitedTruncated());
        w.counter("dns_rate_limited_dropped_total", "DNS UDP queries over their network's rate limit left"
                + " unanswered", rateLimitedDropped());
    }

    @Override
    public String toString() {
        return "DnsStats{responses=" + responsesByRcode() + ", malformedDropped=" + malformedDropped()
                + ", formatErrors=" + formatErrors() + ", truncated=" + truncated() + ", forwarded=" + forwarded()
                + ", forwardFailures=" + forwardFailures() + ", tcpRejected=" + tcpConnectionsRejected()
                + ", internalErrors=" + internalErrors() + ", refusedNotAllowed=" + refusedNotAllowed()
                + ", rateLimitedTruncated=" + rateLimitedTruncated() + ", rateLimitedDropped=" + rateLimitedDropped()
                + "}";
    }
}
