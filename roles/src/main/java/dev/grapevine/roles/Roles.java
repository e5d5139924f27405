package dev.grapevine.roles;

import dev.grapevine.Member;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The tag conventions the roles module relies on, in one place, with small pure helpers to read them.
 *
 * <table>
 *   <caption>Tags</caption>
 *   <tr><th>tag</th><th>values</th><th>meaning</th></tr>
 *   <tr><td>{@value #ROLE}</td><td>{@value #DNS}, {@value #PROXY}, {@value #FRONT}, {@value #APP}, or any
 *       custom name</td><td>what the member does; a member has at most one role. Absent: no role (it is in
 *       no {@link RoleView}).</td></tr>
 *   <tr><td>{@value #HEALTH}</td><td>{@value #PASSING}, {@value #CRITICAL}</td><td>whether the member wants
 *       traffic. Absent counts as {@value #PASSING}; any other value (including {@value #CRITICAL} and typos)
 *       counts as not healthy, so a member is only ever in rotation when it says so or says nothing.
 *       Values are compared ignoring case.</td></tr>
 *   <tr><td>{@code <service>}{@value #PORT_SUFFIX}</td><td>a decimal port, 1 to 65535</td><td>the port of one
 *       of the member's services, e.g. {@code http.port=8080}, {@code dns.port=53}; the host is the member's
 *       own address. A malformed or out-of-range value counts as absent.</td></tr>
 * </table>
 *
 * <p>A member <em>serves</em> a role ({@link #serves}) when it is up ({@link Member#isUp()}: alive or merely
 * suspect), its role tag equals the role exactly, and it is healthy. Suspect members are kept in: a suspicion
 * is usually refuted, and dropping members on every missed probe would churn load balancers for nothing; a
 * member that really died leaves rotation when it is declared failed.
 */
public final class Roles {

    /** Tag key of the member's role. */
    public static final String ROLE = "role";
    /** Tag key of the member's health: {@value #PASSING} or {@value #CRITICAL}; absent means passing. */
    public static final String HEALTH = "health";
    /** Suffix of a service port tag: {@code <service>.port}. */
    public static final String PORT_SUFFIX = ".port";

    /** Health value: in rotation. */
    public static final String PASSING = "passing";
    /** Health value: out of rotation. */
    public static final String CRITICAL = "critical";

    /** Role of DNS responders. */
    public static final String DNS = "dns";
    /** Role of proxies. */
    public static final String PROXY = "proxy";
    /** Role of front ends. */
    public static final String FRONT = "front";
    /** Role of application servers. */
    public static final String APP = "app";

    /** Service name of the HTTP port ({@code http.port}). */
    public static final String HTTP = "http";

    private Roles() {
    }

    /** The member's role tag, if any. */
    public static Optional<String> role(Member member) {
        return Optional.ofNullable(member.tag(ROLE));
    }

    /** True when the health tag is absent or {@value #PASSING} (ignoring case). */
    public static boolean isHealthy(Member member) {
        String health = member.tag(HEALTH);
        return health == null || PASSING.equalsIgnoreCase(health);
    }

    /** The tag key of a service's port: {@code service + ".port"}. */
    public static String portTag(String service) {
        Objects.requireNonNull(service, "service");
        return service + PORT_SUFFIX;
    }

    /** The port of {@code service} from its {@code <service>.port} tag; empty when absent, malformed or out of range. */
    public static OptionalInt port(Member member, String service) {
        String value = member.tag(portTag(service));
        if (value == null) {
            return OptionalInt.empty();
        }
        try {
            int port = Integer.parseInt(value);
            return port >= 1 && port <= 65535 ? OptionalInt.of(port) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** The member's address host with the port of {@code service}; empty when the member has no valid port tag. */
    public static Optional<InetSocketAddress> endpoint(Member member, String service) {
        OptionalInt port = port(member, service);
        if (port.isEmpty()) {
            return Optional.empty();
        }
        InetSocketAddress address = member.address();
        return Optional.of(address.isUnresolved()
                ? InetSocketAddress.createUnresolved(address.getHostString(), port.getAsInt())
                : new InetSocketAddress(address.getAddress(), port.getAsInt()));
    }

    /** True when the member is up (alive or suspect), has exactly this role, and is healthy. */
    public static boolean serves(Member member, String role) {
        return member.isUp() && role.equals(member.tag(ROLE)) && isHealthy(member);
    }
}
