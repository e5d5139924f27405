package dev.grapevine.samples.dns;

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
 * only resolver. Tagged {@code role=dns} and {@code dns.port}.
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

    private DnsServer() {
    }

    /** Runs until SIGTERM or SIGINT, then leaves the cluster and stops answering. */
    public static void main(String[] args) throws InterruptedException {
        List<Flag<?>> flags = new ArrayList<>(List.of(DOMAIN, TTL));
        flags.addAll(HandlerFlags.FLAGS);
        NodeLauncher.main(args, Map.of(Roles.ROLE, Roles.DNS), flags, List.of(LaunchOptions.DNS), DnsServer::start);
    }

    /** Starts the DNS responder and the handlers of a launched DNS server. */
    static void start(Launch launch) throws IOException {
        LaunchOptions o = launch.options();
        launch.register(DnsResponder.builder()
                .node(launch.node())
                .bind(o.require(LaunchOptions.DNS, "a DNS server"))
                .domain(o.get(DOMAIN).orElseThrow())
                .ttl(o.get(TTL).orElseThrow())
                .upstreams(o.upstream())
                .start());
        HandlerFlags.start(launch);
    }
}
