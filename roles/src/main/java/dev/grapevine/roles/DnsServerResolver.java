package dev.grapevine.roles;

import dev.grapevine.HostPort;
import dev.grapevine.HostResolver;

import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Objects;

/**
 * A {@link HostResolver} that asks one DNS server, not the system's resolver: with the cluster's own DNS server
 * (the dnsserver sample), a process joins through a name the membership answers, such as
 * {@code dns.service.grapevine}, with no change to the machine's resolver configuration. It asks for A and AAAA
 * records with the JDK's own DNS client (JNDI, module {@code jdk.naming.dns}: UDP, then TCP when the answer is
 * truncated). Literal addresses resolve to themselves.
 */
public final class DnsServerResolver implements HostResolver {

    private final HostPort server;
    private final Duration timeout;

    /**
     * A resolver asking {@code server}, waiting at most {@code timeout} for each of its two queries (A, AAAA).
     *
     * @throws IllegalArgumentException when the timeout is not positive
     */
    public DnsServerResolver(HostPort server, Duration timeout) {
        this.server = Objects.requireNonNull(server, "server");
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        this.timeout = timeout;
    }

    /** The server asked. */
    public HostPort server() {
        return server;
    }

    @Override
    public List<InetAddress> resolve(String host) throws UnknownHostException {
        if (isLiteral(host)) {
            return List.of(InetAddress.getByName(host));
        }
        Hashtable<String, String> env = new Hashtable<>();
        env.put(javax.naming.Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        String h = server.host().indexOf(':') >= 0 ? "[" + server.host() + "]" : server.host();
        env.put(javax.naming.Context.PROVIDER_URL, "dns://" + h + ":" + server.port());
        // One try each: join() resolves on the listener thread, which must not wait long (join retries anyway).
        env.put("com.sun.jndi.dns.timeout.initial", Long.toString(Math.max(1, timeout.toMillis())));
        env.put("com.sun.jndi.dns.timeout.retries", "1");
        List<InetAddress> out = new ArrayList<>();
        String name = host.endsWith(".") ? host : host + ".";
        NamingException failure = null;
        DirContext ctx = null;
        try {
            ctx = new InitialDirContext(env);
            // One query per type: asking for both at once would send QTYPE ANY, which resolvers may answer
            // minimally (RFC 8482) or refuse.
            for (String type : new String[]{"A", "AAAA"}) {
                try {
                    Attribute a = ctx.getAttributes(name, new String[]{type}).get(type);
                    if (a == null) {
                        continue;
                    }
                    NamingEnumeration<?> values = a.getAll();
                    while (values.hasMore()) {
                        out.add(InetAddress.getByName(values.next().toString()));
                    }
                } catch (NamingException e) {
                    failure = e;
                }
            }
        } catch (NamingException e) {
            failure = e;
        } finally {
            if (ctx != null) {
                try {
                    ctx.close();
                } catch (NamingException ignored) {
                    // nothing held
                }
            }
        }
        if (out.isEmpty() && failure != null) {
            UnknownHostException u = new UnknownHostException(host + " (asked " + server + "): "
                    + failure.getMessage());
            u.initCause(failure);
            throw u;
        }
        if (out.isEmpty()) {
            throw new UnknownHostException(host + " has no A or AAAA record at " + server);
        }
        return out;
    }

    private static boolean isLiteral(String host) {
        return host.indexOf(':') >= 0 || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    @Override
    public String toString() {
        return "DnsServerResolver[" + server + "]";
    }
}
