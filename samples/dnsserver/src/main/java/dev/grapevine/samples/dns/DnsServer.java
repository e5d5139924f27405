package dev.grapevine.samples.dns;

import dev.grapevine.GossipNode;
import dev.grapevine.dns.Cidr;
import dev.grapevine.dns.DnsResponder;
import dev.grapevine.handlers.HandlerFlags;
import dev.grapevine.roles.Durations;
import dev.grapevine.roles.Flag;
import dev.grapevine.roles.Launch;
import dev.grapevine.roles.LaunchOptions;
import dev.grapevine.roles.NodeLauncher;
import dev.grapevine.roles.Roles;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The DNS server sample: the {@link DnsResponder} on {@code --dns}, answering {@code <role>.service.<domain>},
 * SRV and {@code <node>.node.<domain>} from the live membership and forwarding other names to the
 * {@code --upstream} resolvers (refusing them when there are none), so that containers can use it as their
 * only resolver. Tagged {@code role=dns} and {@code dns.port}. It is no open resolver: other names are forwarded
 * only for clients in the {@code --dns-allow} networks (default: loopback and the node's own networks), and UDP
 * answers are rate limited per client network ({@code --dns-rate-limit}, {@code --dns-rate-slip}).
 *
 * <pre>java -jar dnsserver.jar --name dnsserver1 --bind 127.0.0.10:7946 --dns 127.0.0.10:8600 \
 *     --upstream 127.0.0.53:53 --admin 127.0.0.10:8500</pre>
 */
public final class DnsServer {

    /** {@code --domain NAME}: the zone answered from the membership. */
    static final Flag<String> DOMAIN = Flag.string("domain", "NAME", "the zone answered from the membership")
            .env("GRAPEVINE_DOMAIN").defaultValue("grapevine.");

    /** {@code --dns-ttl DURATION}: the TTL of the answers. */
    static final Flag<Duration> TTL = Flag.value("dns-ttl", "DURATION", "TTL of the answers, e.g. 0s or 5s",
            Durations::parseNonNegative)
            .env("GRAPEVINE_DNS_TTL").defaultValue("0s");

    /** {@code --dns-allow CIDR}: a network whose clients may have other names forwarded; repeatable. */
    static final Flag<Cidr> ALLOW = Flag.value("dns-allow", "CIDR",
            "a network whose clients may have names outside the domain forwarded, e.g. 10.0.0.0/8;"
                    + " default: loopback and the node's own networks", Cidr::parse)
            .env("GRAPEVINE_DNS_ALLOW").repeatable();

    /** {@code --dns-rate-limit N}: UDP answers a second per client network; 0 turns the limit off. */
    static final Flag<Integer> RATE_LIMIT = Flag.value("dns-rate-limit", "N",
            "UDP answers a second per client network (/24, IPv6 /56), burst as many; 0: no limit",
            text -> wholeNumber(text, 0, 1_000_000))
            .env("GRAPEVINE_DNS_RATE_LIMIT").defaultValue("100");

    /** {@code --dns-rate-slip K}: over the limit, every K-th query gets a truncated answer, the others none. */
    static final Flag<Integer> RATE_SLIP = Flag.value("dns-rate-slip", "K",
            "over the rate limit every K-th query gets a truncated answer (TC: retry over TCP), the others none;"
                    + " 0: none", text -> wholeNumber(text, 0, 10))
            .env("GRAPEVINE_DNS_RATE_SLIP").defaultValue("2");

    /** The flags of the DNS server besides the shared ones. */
    static final List<Flag<?>> FLAGS = flags();

    private DnsServer() {
    }

    private static List<Flag<?>> flags() {
        List<Flag<?>> flags = new ArrayList<>(List.of(DOMAIN, TTL, ALLOW, RATE_LIMIT, RATE_SLIP));
        flags.addAll(HandlerFlags.FLAGS);
        return List.copyOf(flags);
    }

    /** Runs until SIGTERM or SIGINT, then leaves the cluster and stops answering. */
    public static void main(String[] args) throws InterruptedException {
        NodeLauncher.main(args, Map.of(Roles.ROLE, Roles.DNS), FLAGS, List.of(LaunchOptions.DNS), DnsServer::start);
    }

    /** Starts the DNS responder and the handlers of a launched DNS server. */
    static void start(Launch launch) throws IOException {
        DnsResponder responder = launch.register(responder(launch.options(), launch.node()).start());
        launch.metrics().register(responder.stats()); // grapevine_dns_* on GET /v1/metrics
        HandlerFlags.start(launch);
    }

    /** The responder the flags describe, for {@code node}. */
    static DnsResponder.Builder responder(LaunchOptions o, GossipNode node) {
        DnsResponder.Builder b = DnsResponder.builder()
                .node(node)
                .bind(o.require(LaunchOptions.DNS, "a DNS server"))
                .domain(o.get(DOMAIN).orElseThrow())
                .ttl(o.get(TTL).orElseThrow())
                .upstreams(o.upstream())
                .rateLimit(o.get(RATE_LIMIT).orElseThrow())
                .rateLimitSlip(o.get(RATE_SLIP).orElseThrow());
        List<Cidr> allow = o.all(ALLOW);
        if (!allow.isEmpty()) {
            b.allow(allow);
        }
        return b;
    }

    private static Integer wholeNumber(String text, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("'" + text + "' must be " + min + " to " + max);
        }
        return n;
    }
}
