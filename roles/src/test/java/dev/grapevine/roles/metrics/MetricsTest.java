package dev.grapevine.roles.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry and writer: the text format's rules, without a cluster. */
class MetricsTest {

    @Test
    void familiesFromSeveralSourcesAreWrittenTogetherUnderOneHelpAndType() {
        Metrics m = new Metrics();
        m.register(w -> w.counter("http_requests_total", "requests", 3, "server", "admin")
                .gauge("other", "something else", 1));
        m.register(w -> w.counter("http_requests_total", "requests", 5, "server", "app"));
        String text = m.render();
        assertEquals("""
                # HELP grapevine_http_requests_total requests
                # TYPE grapevine_http_requests_total counter
                grapevine_http_requests_total{server="admin"} 3
                grapevine_http_requests_total{server="app"} 5
                # HELP grapevine_other something else
                # TYPE grapevine_other gauge
                grapevine_other 1
                """, text);
        List<PrometheusText.Sample> samples = PrometheusText.parse(text);
        assertEquals(3, samples.size());
        assertEquals(Map.of("server", "app"), samples.get(1).labels());
    }

    @Test
    void labelValuesAndHelpAreEscaped() {
        Metrics m = new Metrics();
        m.register(w -> w.gauge("g", "a \\ help\nover two lines", 1.5, "handler", "say \"hi\"\\now\n"));
        String text = m.render();
        assertTrue(text.contains("# HELP grapevine_g a \\\\ help\\nover two lines\n"), text);
        assertTrue(text.contains("grapevine_g{handler=\"say \\\"hi\\\"\\\\now\\n\"} 1.5\n"), text);
        assertEquals("say \"hi\"\\now\n", PrometheusText.parse(text).get(0).labels().get("handler"));
    }

    @Test
    void valuesAreFormattedAsTheFormatWantsThem() {
        assertEquals("0", MetricsWriter.format(0));
        assertEquals("12345678901", MetricsWriter.format(12345678901L));
        assertEquals("0.25", MetricsWriter.format(0.25));
        assertEquals("NaN", MetricsWriter.format(Double.NaN));
        assertEquals("+Inf", MetricsWriter.format(Double.POSITIVE_INFINITY));
        assertEquals("-Inf", MetricsWriter.format(Double.NEGATIVE_INFINITY));
    }

    @Test
    void malformedSamplesAreRefusedNamingTheFault() {
        MetricsWriter w = new MetricsWriter();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> w.counter("probes", "x", 1))
                .getMessage().contains("_total"));
        assertThrows(IllegalArgumentException.class, () -> w.gauge("Bad-Name", "x", 1));
        assertThrows(IllegalArgumentException.class, () -> w.gauge("g", "x", 1, "status"));
        assertThrows(IllegalArgumentException.class, () -> w.gauge("g", "x", 1, "__reserved", "v"));
        assertThrows(IllegalArgumentException.class, () -> w.gauge("g", "x", 1, "a", "1", "a", "2"));
        w.gauge("g", "x", 1, "a", "1");
        assertThrows(IllegalArgumentException.class, () -> w.gauge("g", "x", 2, "a", "1"), "same series twice");
        assertThrows(IllegalArgumentException.class, () -> w.counter("g_total", "x", 1).gauge("g_total", "x", 1, "b", "2"),
                "one family, two types");
    }

    @Test
    void aFailingSourceIsLeftOutAndTheOthersStillRender() {
        Metrics m = new Metrics();
        m.register(w -> {
            throw new IllegalStateException("broken");
        });
        MetricsSource ok = m.register(w -> w.gauge("up", "it works", 1));
        assertEquals(1, PrometheusText.parse(m.render()).size());
        assertTrue(m.unregister(ok));
        assertEquals("", m.render());
    }

    @Test
    void theTestParserRejectsWhatTheFormatForbids() {
        for (String bad : List.of(
                "grapevine_x 1\n",                                                          // no TYPE
                "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n",                 // family split
                "# TYPE a_total counter\n# TYPE a_total counter\na_total 1\n",              // TYPE twice
                "# TYPE a counter\na 1\n",                                                  // counter without _total
                "# TYPE a gauge\na{x=1} 1\n",                                               // unquoted label
                "# TYPE a gauge\na 1 2 3\n",                                                // junk after value
                "# TYPE a gauge\na one\n",                                                  // not a number
                "# TYPE a gauge\na 1\na 2\n",                                               // series twice
                "# TYPE a gauge\na 1")) {                                                   // no final line feed
            assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(bad), bad);
        }
    }
}
