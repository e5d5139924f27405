package dev.grapevine.dns;

import dev.grapevine.roles.metrics.Metrics;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DnsStats as a metrics source: responses by response code, and the other counters. */
class DnsStatsMetricsTest {

    @Test
    void responsesByRcodeTheUsualSixAlwaysOthersOnceSeen() {
        DnsStats stats = new DnsStats();
        stats.recordResponse(0);
        stats.recordResponse(0);
        stats.recordResponse(3);
        stats.recordResponse(16);
        stats.recordResponse(4000);
        stats.recordForwarded();
        Metrics metrics = new Metrics();
        metrics.register(stats);
        String text = metrics.render();
        List<String> responses = text.lines().filter(l -> l.startsWith("grapevine_dns_responses_total{")).toList();
        assertEquals(List.of(
                "grapevine_dns_responses_total{rcode=\"noerror\"} 2",
                "grapevine_dns_responses_total{rcode=\"formerr\"} 0",
                "grapevine_dns_responses_total{rcode=\"servfail\"} 0",
                "grapevine_dns_responses_total{rcode=\"nxdomain\"} 1",
                "grapevine_dns_responses_total{rcode=\"notimp\"} 0",
                "grapevine_dns_responses_total{rcode=\"refused\"} 0",
                "grapevine_dns_responses_total{rcode=\"" + org.xbill.DNS.Rcode.string(16).toLowerCase() + "\"} 1",
                "grapevine_dns_responses_total{rcode=\"other\"} 1"), responses, text);
        assertTrue(text.contains("\ngrapevine_dns_forwarded_total 1\n"), text);
        assertTrue(text.contains("\ngrapevine_dns_forward_failures_total 0\n"), text);
    }
}
