package dev.grapevine.dns;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns the bytes of one query into the bytes of its response, whatever the bytes are: the transport-free
 * heart of the responder, shared by the UDP and TCP listeners.
 *
 * <ul>
 *   <li>Shorter than a header, or a response (QR set): dropped and counted.</li>
 *   <li>Header readable but the rest is not (or several questions, several OPT records): FORMERR.</li>
 *   <li>Opcode other than QUERY: NOTIMP. EDNS version above 0: BADVERS.</li>
 *   <li>A name in the domain: answered from the membership (AA set); zone transfers REFUSED, classes other
 *       than IN refused.</li>
 *   <li>Any other name: relayed to the upstreams ({@link Outcome.Forward}), REFUSED when there are none or
 *       when the client is not in an allowed network ({@link AccessControl}).</li>
 * </ul>
 * Before any of this, a UDP query over its client network's rate limit ({@link ResponseRateLimiter}) gets a
 * minimal truncated response or nothing. TCP is not rate limited.
 * UDP responses are cut to the client's payload size (512 bytes without EDNS; the EDNS size capped at
 * {@code maxUdpPayload}): first the additional section goes, then trailing answers, with TC set.
 */
final class QueryHandler {

    private static final Logger LOG = LoggerFactory.getLogger(QueryHandler.class);
    /** The UDP payload every client accepts (RFC 1035). */
    static final int CLASSIC_UDP_PAYLOAD = 512;
    /** The most a TCP frame can carry. */
    static final int TCP_PAYLOAD = 65535;

    /** What to do with one query. */
    sealed interface Outcome {
        /** Send nothing. */
        record Drop() implements Outcome {
        }

        /** Send these bytes. */
        record Reply(byte[] wire) implements Outcome {
        }

        /**
         * Relay to the upstreams, then send what {@link QueryHandler#forward} returns.
         *
         * @param query  the query's bytes
         * @param parsed the query
         * @param tcp    whether the client asked over TCP
         * @param limit  the most bytes the client accepts
         */
        record Forward(byte[] query, Message parsed, boolean tcp, int limit) implements Outcome {
        }
    }

    private static final Outcome DROP = new Outcome.Drop();

    private final MembershipZone zone;
    private final Forwarder forwarder;
    private final int maxUdpPayload;
    private final DnsStats stats;
    private final AccessControl access;
    private final ResponseRateLimiter limiter;

    /**
     * @param zone          the local names
     * @param forwarder     the upstreams, or null to refuse names outside the domain
     * @param maxUdpPayload the most a UDP response may carry, whatever size an EDNS client offers
     * @param stats         where to count
     */
    QueryHandler(MembershipZone zone, Forwarder forwarder, int maxUdpPayload, DnsStats stats) {
        this(zone, forwarder, maxUdpPayload, stats, null, null);
    }

    /**
     * @param zone          the local names
     * @param forwarder     the upstreams, or null to refuse names outside the domain
     * @param maxUdpPayload the most a UDP response may carry, whatever size an EDNS client offers
     * @param stats         where to count
     * @param access        the clients names are forwarded for; null: every client
     * @param limiter       the rate limit of UDP responses; null: none
     */
    QueryHandler(MembershipZone zone, Forwarder forwarder, int maxUdpPayload, DnsStats stats, AccessControl access,
                 ResponseRateLimiter limiter) {
        this.zone = zone;
        this.forwarder = forwarder;
        this.maxUdpPayload = maxUdpPayload;
        this.stats = stats;
        this.access = access;
        this.limiter = limiter;
    }

    /**
     * Handles a query and forwards it too when needed, blocking meanwhile: for TCP connections (one thread
     * each) and tests.
     *
     * @return the response's bytes, or null to send nothing
     */
    byte[] respond(byte[] data, int length, boolean tcp) {
        return respond(data, length, tcp, null);
    }

    /** {@link #respond(byte[], int, boolean)} for a query from {@code client}. */
    byte[] respond(byte[] data, int length, boolean tcp, InetAddress client) {
        Outcome o = handle(data, length, tcp, client);
        if (o instanceof Outcome.Reply reply) {
            return reply.wire();
        }
        if (o instanceof Outcome.Forward f) {
            return forward(f);
        }
        return null;
    }

    /** Decides what to do with the first {@code length} bytes of {@code data}. Never throws. */
    Outcome handle(byte[] data, int length, boolean tcp) {
        return handle(data, length, tcp, null);
    }

    /**
     * Decides what to do with the first {@code length} bytes of {@code data}, a query from {@code client} (null:
     * unknown, then not rate limited, and forwarded only when there is no access control). Never throws.
     */
    Outcome handle(byte[] data, int length, boolean tcp, InetAddress client) {
        if (length < Header.LENGTH || (data[2] & 0x80) != 0) {
            stats.recordMalformedDropped();
            LOG.debug("dropped a {}-byte {} packet: {}", length, tcp ? "TCP" : "UDP",
                    length < Header.LENGTH ? "shorter than a header" : "a response, not a query");
            return DROP;
        }
        if (!tcp && limiter != null && client != null) {
            ResponseRateLimiter.Decision d = limiter.admit(client);
            if (d == ResponseRateLimiter.Decision.SLIP) {
                return slip(data, length, client);
            }
            if (d == ResponseRateLimiter.Decision.DROP) {
                stats.recordRateLimitedDropped();
                return DROP;
            }
        }
        Message query;
        try {
            query = new Message(Arrays.copyOf(data, length));
        } catch (Exception e) { // WireParseException and whatever else the parser throws on hostile bytes
            return formatError(data, e);
        }
        try {
            return answer(query, Arrays.copyOf(data, length), tcp, client);
        } catch (RuntimeException e) {
            stats.recordInternalError();
            LOG.warn("internal error answering {}", query.getQuestion(), e);
            return new Outcome.Reply(finish(reply(query, Rcode.SERVFAIL, recursion(client)), limit(query, tcp), tcp));
        }
    }

    /**
     * The rate limiter's "slip": a response with the query's ID and question, TC set and no records, so that a
     * real client asks again over TCP; no bigger than the query (plus an OPT when it had one). A query that does
     * not parse gets nothing.
     */
    private Outcome slip(byte[] data, int length, InetAddress client) {
        Message query;
        try {
            query = new Message(Arrays.copyOf(data, length));
        } catch (Exception e) {
            stats.recordRateLimitedDropped();
            return DROP;
        }
        Message r = reply(query, Rcode.NOERROR, recursion(client));
        r.getHeader().setFlag(Flags.TC);
        stats.recordRateLimitedTruncated();
        return new Outcome.Reply(r.toWire());
    }

    /** Whether names outside the domain are forwarded for {@code client}: RA in its answers. */
    private boolean recursion(InetAddress client) {
        return forwarder != null && allowed(client);
    }

    private boolean allowed(InetAddress client) {
        return access == null || access.allows(client);
    }

    /** Relays a query upstream; SERVFAIL when no upstream answers. Blocks up to the upstream timeouts. */
    byte[] forward(Outcome.Forward f) {
        byte[] answer = forwarder.forward(f.query(), f.parsed(), f.tcp(), f.limit());
        if (answer == null) {
            return forwardFailed(f);
        }
        if (answer.length > f.limit()) {
            // An upstream that ignored the client's payload size: cut it here, as for local answers.
            try {
                return finish(new Message(answer), f.limit(), f.tcp());
            } catch (Exception e) {
                return forwardFailed(f);
            }
        }
        stats.recordResponse(answer[3] & 0x0F);
        if (!f.tcp() && (answer[2] & 0x02) != 0) {
            stats.recordTruncated();
        }
        return answer;
    }

    /** SERVFAIL for a query that could not be forwarded (no upstream answered, or the queue was full). */
    byte[] forwardFailed(Outcome.Forward f) {
        stats.recordForwardFailure();
        return finish(reply(f.parsed(), Rcode.SERVFAIL, true), f.limit(), f.tcp());
    }

    private Outcome formatError(byte[] data, Exception cause) {
        stats.recordFormatError();
        LOG.debug("FORMERR: {}", cause.toString());
        Message r = new Message(((data[0] & 0xFF) << 8) | (data[1] & 0xFF));
        Header h = r.getHeader();
        h.setFlag(Flags.QR);
        h.setOpcode((data[2] >> 3) & 0x0F);
        if ((data[2] & 0x01) != 0) {
            h.setFlag(Flags.RD);
        }
        h.setRcode(Rcode.FORMERR);
        stats.recordResponse(Rcode.FORMERR);
        return new Outcome.Reply(r.toWire());
    }

    private Outcome answer(Message query, byte[] raw, boolean tcp, InetAddress client) {
        Header qh = query.getHeader();
        boolean ra = recursion(client);
        int opts = 0;
        for (Record r : query.getSection(Section.ADDITIONAL)) {
            if (r.getType() == Type.OPT) {
                opts++;
                if (!r.getName().equals(Name.root)) {
                    opts = Integer.MAX_VALUE;
                    break;
                }
            }
        }
        Record question = query.getQuestion();
        if (qh.getCount(Section.QUESTION) != 1 || question == null || opts > 1) {
            stats.recordFormatError();
            return new Outcome.Reply(finish(reply(query, Rcode.FORMERR, ra), limit(query, tcp), tcp));
        }
        int limit = limit(query, tcp);
        if (qh.getOpcode() != Opcode.QUERY) {
            return new Outcome.Reply(finish(reply(query, Rcode.NOTIMP, ra), limit, tcp));
        }
        OPTRecord opt = query.getOPT();
        if (opt != null && opt.getVersion() > 0) {
            return new Outcome.Reply(finish(reply(query, Rcode.BADVERS, ra), limit, tcp));
        }
        Name qname = question.getName();
        int qtype = question.getType();
        if (!zone.contains(qname)) {
            if (forwarder == null) {
                return new Outcome.Reply(finish(reply(query, Rcode.REFUSED, false), limit, tcp));
            }
            if (!ra) {
                stats.recordRefusedNotAllowed();
                LOG.debug("REFUSED {} to {}: not in an allowed network", qname, client);
                return new Outcome.Reply(finish(reply(query, Rcode.REFUSED, false), limit, tcp));
            }
            stats.recordForwarded();
            return new Outcome.Forward(raw, query, tcp, limit);
        }
        int dclass = question.getDClass();
        if (dclass != DClass.IN && dclass != DClass.ANY || qtype == Type.AXFR || qtype == Type.IXFR) {
            return new Outcome.Reply(finish(reply(query, Rcode.REFUSED, ra), limit, tcp));
        }
        if (!Type.isRR(qtype) && qtype != Type.ANY) {
            return new Outcome.Reply(finish(reply(query, Rcode.NOTIMP, ra), limit, tcp));
        }
        Message response = reply(query, Rcode.NOERROR, ra);
        response.getHeader().setFlag(Flags.AA);
        response.getHeader().setRcode(zone.answer(qname, qtype, response));
        return new Outcome.Reply(finish(response, limit, tcp));
    }

    /** The most bytes the client accepts for this query. */
    private int limit(Message query, boolean tcp) {
        if (tcp) {
            return TCP_PAYLOAD;
        }
        OPTRecord opt = query.getOPT();
        if (opt == null) {
            return CLASSIC_UDP_PAYLOAD;
        }
        return Math.max(CLASSIC_UDP_PAYLOAD, Math.min(opt.getPayloadSize(), maxUdpPayload));
    }

    /**
     * A response to {@code query} with its ID, opcode, RD and question, RA when {@code ra} (names can be
     * forwarded for this client), and an OPT record when the query had one (with the extended bits of
     * {@code rcode}).
     */
    private Message reply(Message query, int rcode, boolean ra) {
        Header qh = query.getHeader();
        Message r = new Message(qh.getID());
        Header h = r.getHeader();
        h.setFlag(Flags.QR);
        h.setOpcode(qh.getOpcode());
        if (qh.getFlag(Flags.RD)) {
            h.setFlag(Flags.RD);
        }
        if (ra) {
            h.setFlag(Flags.RA);
        }
        if (query.getQuestion() != null && qh.getCount(Section.QUESTION) == 1) {
            r.addRecord(query.getQuestion(), Section.QUESTION);
        }
        h.setRcode(rcode & 0x0F);
        if (query.getOPT() != null) {
            r.addRecord(new OPTRecord(maxUdpPayload, rcode >>> 4, 0, 0), Section.ADDITIONAL);
        }
        return r;
    }

    /**
     * The response's bytes within {@code limit}: the whole message when it fits; else without the additional
     * section (save OPT), which no client needs; else with as many answers as fit, no authority, and TC set.
     * Counts the response.
     */
    private byte[] finish(Message m, int limit, boolean tcp) {
        int rcode = m.getHeader().getRcode() | (m.getOPT() == null ? 0 : m.getOPT().getExtendedRcode() << 4);
        stats.recordResponse(rcode);
        byte[] wire = m.toWire();
        if (wire.length <= limit) {
            return wire;
        }
        OPTRecord opt = m.getOPT();
        m.removeAllRecords(Section.ADDITIONAL);
        if (opt != null) {
            m.addRecord(opt, Section.ADDITIONAL);
        }
        wire = m.toWire();
        if (wire.length <= limit) {
            return wire;
        }
        List<Record> answers = new ArrayList<>(m.getSection(Section.ANSWER));
        m.removeAllRecords(Section.ANSWER);
        m.removeAllRecords(Section.AUTHORITY);
        m.getHeader().setFlag(Flags.TC);
        if (!tcp) {
            stats.recordTruncated();
        }
        // The longest prefix of the (shuffled) answers that fits: a client that will not retry over TCP
        // still gets some of them.
        byte[] best = m.toWire();
        int lo = 1;
        int hi = answers.size();
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            m.removeAllRecords(Section.ANSWER);
            for (int i = 0; i < mid; i++) {
                m.addRecord(answers.get(i), Section.ANSWER);
            }
            byte[] candidate = m.toWire();
            if (candidate.length <= limit) {
                best = candidate;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }
}
