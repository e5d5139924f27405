package dev.grapevine.handlers;

import dev.grapevine.roles.metrics.Metrics;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dispatcher as a metrics source: one series per handler and figure, labelled with its description. */
class DispatcherMetricsTest {

    @Test
    void eachHandlerIsOneSeriesPerFigure() {
        EventHandler quiet = e -> { };
        try (EventDispatcher d = EventDispatcher.builder().handler(quiet).handler(quiet).build()) {
            Metrics metrics = new Metrics();
            metrics.register(d);
            String text = metrics.render();
            List<String> depth = text.lines().filter(l -> l.startsWith("grapevine_handler_queue_depth{")).toList();
            assertEquals(List.of("grapevine_handler_queue_depth{handler=\"" + d.stats().get(0).handler() + "\"} 0",
                    "grapevine_handler_queue_depth{handler=\"" + d.stats().get(1).handler() + "\"} 0"), depth, text);
            assertTrue(text.contains("# TYPE grapevine_handler_dropped_total counter\n"), text);
            assertTrue(text.contains("# TYPE grapevine_handler_failures_total counter\n"), text);
            assertTrue(text.contains("# TYPE grapevine_handler_timeouts_total counter\n"), text);
        }
    }
}
