package dev.grapevine.dns;

import dev.grapevine.Member;
import dev.grapevine.roles.Roles;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The records of the responder's domain, computed per question from the live membership. The names:
 * <ul>
 *   <li>{@code <domain>}: SOA and NS (the local node's node name);</li>
 *   <li>{@code <role>.service.<domain>}: A/AAAA of every member serving the role (up, with the role tag,
 *       healthy: {@link Roles#serves}), shuffled per answer, one record per distinct address; SRV with the
 *       member's {@code <role>.port} tag, or its only {@code <service>.port} tag;</li>
 *   <li>{@code _<service>._tcp.<role>.service.<domain>} (or {@code _udp}, RFC 2782): SRV with the port of
 *       the {@code <service>.port} tag, for the serving members that have one;</li>
 *   <li>{@code <node>.node.<domain>}: A/AAAA of an up member by name, and one TXT record per tag
 *       ({@code key=value}).</li>
 * </ul>
 * SRV targets are node names; their addresses go in the additional section. {@code service.<domain>} and
 * {@code node.<domain>} exist with no records (NODATA). Every other name is NXDOMAIN. Negative answers carry
 * the SOA in the authority section (RFC 2308).
 */
final class MembershipZone {

    private static final long SOA_REFRESH = 3600;
    private static final long SOA_RETRY = 600;
    private static final long SOA_EXPIRE = 86400;
    private static final int SRV_PRIORITY = 1;
    private static final int SRV_WEIGHT = 1;
    private static final int MAX_LABEL = 63;
    private static final int MAX_NAME = 255;
    private static final int MAX_CHARACTER_STRING = 255;

    private final Name domain;
    private final long ttl;
    private final MemberDirectory directory;
    private final Name hostmaster;

    MembershipZone(Name domain, long ttl, MemberDirectory directory) {
        this.domain = domain;
        this.ttl = ttl;
        this.directory = directory;
        this.hostmaster = Name.fromConstantString("hostmaster." + domain);
    }

    /** The zone's apex. */
    Name domain() {
        return domain;
    }

    /** True when {@code name} is the domain or below it. */
    boolean contains(Name name) {
        return name.subdomain(domain);
    }

    /**
     * Answers one question for a name in the domain: fills the answer, authority and additional sections of
     * {@code response} and returns the response code (NOERROR, with or without data, or NXDOMAIN).
     */
    int answer(Name qname, int qtype, Message response) {
        MemberDirectory.Index index = directory.current();
        Found found = lookup(qname, index);
        if (found == null) {
            response.addRecord(soa(index), Section.AUTHORITY);
            return Rcode.NXDOMAIN;
        }
        List<Record> matching = new ArrayList<>();
        for (Record r : found.records) {
            if (qtype == Type.ANY || r.getType() == qtype) {
                matching.add(r);
            }
        }
        if (matching.isEmpty()) {
            response.addRecord(soa(index), Section.AUTHORITY);
            return Rcode.NOERROR;
        }
        Set<Name> glued = new HashSet<>();
        for (Record r : matching) {
            response.addRecord(r, Section.ANSWER);
        }
        for (Record r : matching) {
            Name target = r.getAdditionalName();
            if (target != null && glued.add(target)) {
                for (Record g : found.glue.getOrDefault(target, List.of())) {
                    response.addRecord(g, Section.ADDITIONAL);
                }
            }
        }
        return Rcode.NOERROR;
    }

    /** The records of a name that exists (possibly none: an empty non-terminal), and addresses of targets. */
    private record Found(List<Record> records, Map<Name, List<Record>> glue) {
        static final Found EMPTY = new Found(List.of(), Map.of());
    }

    /** The records of {@code qname}, or null when it does not exist. */
    private Found lookup(Name qname, MemberDirectory.Index index) {
        int k = qname.labels() - domain.labels();
        if (k == 0) {
            return apex(index);
        }
        String[] rel = new String[k];
        for (int i = 0; i < k; i++) {
            byte[] label = qname.getLabel(i);
            rel[i] = new String(label, 1, label.length - 1, StandardCharsets.UTF_8);
        }
        String kind = MemberDirectory.fold(rel[k - 1]);
        if (kind.equals("service")) {
            return k == 1 ? Found.EMPTY : service(qname, rel, k - 1, index);
        }
        if (kind.equals("node")) {
            return k == 1 ? Found.EMPTY : node(qname, String.join(".", List.of(rel).subList(0, k - 1)), index);
        }
        return null;
    }

    private Found apex(MemberDirectory.Index index) {
        List<Record> records = new ArrayList<>();
        records.add(soa(index));
        Map<Name, List<Record>> glue = new HashMap<>();
        Name ns = nodeName(directory.localName());
        Member self = index.up(directory.localName());
        if (ns != null) {
            records.add(new NSRecord(domain, DClass.IN, ttl, ns));
            if (self != null) {
                glue.put(ns, addresses(ns, List.of(self)));
            }
        }
        return new Found(records, glue);
    }

    /** {@code parts[0..n)} are the labels before {@code service}. */
    private Found service(Name qname, String[] parts, int n, MemberDirectory.Index index) {
        if (n >= 3 && parts[0].startsWith("_") && isProtocol(parts[1])) {
            String service = parts[0].substring(1);
            List<Member> members = index.serving(join(parts, 2, n));
            Map<Name, List<Record>> glue = new HashMap<>();
            List<Record> srv = srv(qname, members, m -> port(m, service), glue);
            return srv.isEmpty() ? null : new Found(srv, glue);
        }
        if (n >= 2 && isProtocol(parts[0])) {
            // _tcp.<role>.service: exists when some _<service>._tcp.<role>.service below it does.
            for (Member m : index.serving(join(parts, 1, n))) {
                if (!ports(m).isEmpty()) {
                    return Found.EMPTY;
                }
            }
            return null;
        }
        List<Member> members = index.serving(join(parts, 0, n));
        if (members.isEmpty()) {
            return null;
        }
        Map<Name, List<Record>> glue = new HashMap<>();
        List<Record> records = addresses(qname, members);
        records.addAll(srv(qname, members, this::plainPort, glue));
        return new Found(records, glue);
    }

    private Found node(Name qname, String nodeName, MemberDirectory.Index index) {
        Member m = index.up(nodeName);
        if (m == null) {
            return null;
        }
        List<Record> records = addresses(qname, List.of(m));
        for (Map.Entry<String, String> tag : new TreeMap<>(m.tags()).entrySet()) {
            Record txt = txt(qname, tag.getKey() + "=" + tag.getValue());
            if (txt != null) {
                records.add(txt);
            }
        }
        return new Found(records, Map.of());
    }

    /** A and AAAA records of the members' addresses, one per distinct address, shuffled. */
    private List<Record> addresses(Name owner, List<Member> members) {
        Set<InetAddress> seen = new HashSet<>();
        List<Record> out = new ArrayList<>();
        for (Member m : members) {
            InetAddress a = m.address().getAddress();
            if (a == null || !seen.add(a)) {
                continue;
            }
            if (a instanceof Inet4Address) {
                out.add(new ARecord(owner, DClass.IN, ttl, a));
            } else if (a instanceof Inet6Address) {
                out.add(new AAAARecord(owner, DClass.IN, ttl, a));
            }
        }
        Collections.shuffle(out, ThreadLocalRandom.current());
        return out;
    }

    /** SRV records of the members that have a port, targets their node names, shuffled; fills the glue. */
    private List<Record> srv(Name owner, List<Member> members, java.util.function.Function<Member, OptionalInt> port,
                             Map<Name, List<Record>> glue) {
        List<Record> out = new ArrayList<>();
        for (Member m : members) {
            OptionalInt p = port.apply(m);
            Name target = p.isPresent() ? nodeName(m.name()) : null;
            if (target == null) {
                continue;
            }
            out.add(new SRVRecord(owner, DClass.IN, ttl, SRV_PRIORITY, SRV_WEIGHT, p.getAsInt(), target));
            glue.put(target, addresses(target, List.of(m)));
        }
        Collections.shuffle(out, ThreadLocalRandom.current());
        return out;
    }

    /**
     * The port a plain {@code <role>.service} SRV answer gives: the {@code <role>.port} tag, else the member's
     * only valid {@code <service>.port} tag; none when it has several others (which one is meant is unknown:
     * ask {@code _<service>._tcp.<role>.service}).
     */
    private OptionalInt plainPort(Member m) {
        OptionalInt own = port(m, m.tag(Roles.ROLE));
        if (own.isPresent()) {
            return own;
        }
        List<Integer> all = ports(m);
        return all.size() == 1 ? OptionalInt.of(all.get(0)) : OptionalInt.empty();
    }

    /** The valid ports of all the member's {@code <service>.port} tags. */
    private static List<Integer> ports(Member m) {
        List<Integer> out = new ArrayList<>();
        for (String key : m.tags().keySet()) {
            if (key.endsWith(Roles.PORT_SUFFIX)) {
                Roles.port(m, key.substring(0, key.length() - Roles.PORT_SUFFIX.length())).ifPresent(out::add);
            }
        }
        return out;
    }

    /** The port of {@code service} ({@link Roles#port}), the service name matched ignoring ASCII case. */
    private static OptionalInt port(Member m, String service) {
        OptionalInt exact = Roles.port(m, service);
        if (exact.isPresent()) {
            return exact;
        }
        String wanted = MemberDirectory.fold(Roles.portTag(service));
        for (String key : m.tags().keySet()) {
            if (MemberDirectory.fold(key).equals(wanted)) {
                return Roles.port(m, key.substring(0, key.length() - Roles.PORT_SUFFIX.length()));
            }
        }
        return OptionalInt.empty();
    }

    private SOARecord soa(MemberDirectory.Index index) {
        Name host = nodeName(directory.localName());
        return new SOARecord(domain, DClass.IN, ttl, host != null ? host : domain, hostmaster,
                index.serial(), SOA_REFRESH, SOA_RETRY, SOA_EXPIRE, ttl);
    }

    /**
     * {@code <node>.node.<domain>} for a member name, its dots separating labels; null when the name cannot
     * be a DNS name (an empty label, a label over 63 bytes, or over 255 bytes in all).
     */
    Name nodeName(String member) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (String label : (member + ".node").split("\\.", -1)) {
            byte[] b = label.getBytes(StandardCharsets.UTF_8);
            if (b.length == 0 || b.length > MAX_LABEL) {
                return null;
            }
            wire.write(b.length);
            wire.writeBytes(b);
        }
        byte[] suffix = domain.toWire();
        if (wire.size() + suffix.length > MAX_NAME) {
            return null;
        }
        wire.writeBytes(suffix);
        try {
            return new Name(wire.toByteArray());
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * One TXT record holding {@code text}, split into character-strings of at most 255 bytes (readers join
     * them, as for SPF); null when it would not fit one record.
     */
    private Record txt(Name owner, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream rdata = new ByteArrayOutputStream();
        int off = 0;
        do {
            int len = Math.min(MAX_CHARACTER_STRING, b.length - off);
            rdata.write(len);
            rdata.write(b, off, len);
            off += len;
        } while (off < b.length);
        if (rdata.size() > 65535) {
            return null;
        }
        return Record.newRecord(owner, Type.TXT, DClass.IN, ttl, rdata.toByteArray());
    }

    private static boolean isProtocol(String label) {
        String p = MemberDirectory.fold(label);
        return p.equals("_tcp") || p.equals("_udp");
    }

    private static String join(String[] parts, int from, int to) {
        return String.join(".", List.of(parts).subList(from, to));
    }
}
