package dev.grapevine.benchmarks.sidebyside;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fault driver's arguments and its table, without running anything. */
class FaultSideBySideTest {

    @Test
    void defaultsAreTheIssuesDurationsAndQuickShortensEveryPhase() {
        FaultSideBySide.Settings d = FaultSideBySide.parse(new String[]{});
        assertEquals(List.of(600, 120, 60, 600, 120), List.of(d.loss(), d.oneWay(), d.partition(), d.churn(), d.flap()));
        assertEquals(List.of("loss5", "loss10", "loss20", "out100", "out50", "in100", "in50", "half", "one-vs-rest",
                "asym", "pause2", "pause10", "pause30", "churn", "flap"), d.scenarios());
        FaultSideBySide.Settings q = FaultSideBySide.parse(new String[]{"--quick", "--loss", "45"});
        assertEquals(List.of(45, 30, 30, 120, 60, 120), List.of(q.loss(), q.oneWay(), q.partition(), q.churn(), q.flap(),
                q.heal()));
    }

    @Test
    void familiesExpandAndUnknownNamesAreRefused() {
        assertEquals(List.of("pause3", "half", "one-vs-rest", "asym", "flap"), FaultSideBySide.parse(
                new String[]{"--pauses", "3", "--scenarios", "pause,partition,flap"}).scenarios());
        assertThrows(IllegalArgumentException.class, () -> FaultSideBySide.parse(new String[]{"--scenarios", "quake"}));
        assertThrows(IllegalArgumentException.class, () -> FaultSideBySide.parse(new String[]{"--systems", "consul"}));
        assertThrows(IllegalArgumentException.class, () -> FaultSideBySide.parse(new String[]{"--n", "2"}));
    }

    @Test
    void theTableHasOneRowPerSystemAndScenario() {
        FaultSideBySide.Settings s = FaultSideBySide.parse(new String[]{"--scenarios", "loss10,half"});
        List<FaultSideBySide.Row> rows = List.of(
                new FaultSideBySide.Row("serf", "loss10", 3, 0.25, 40, Double.NaN, 0.5, 30, 1, 0, ""),
                new FaultSideBySide.Row("grapevine-jvm", "half", 0, 0, 12, 6.25, 1.5, 0, 0, 0, "x"));
        String md = FaultSideBySide.markdown(s, rows);
        assertTrue(md.contains("| loss10 | serf | 3 | 0.25 | 40 | - | 0.5 | 30 | 1 | 0 |  |"), md);
        assertTrue(md.contains("| half | grapevine-jvm | 0 | 0.00 | 12 | 6.3 | 1.5 | 0 | 0 | 0 | x |"), md);
        assertEquals(2 + 2, md.lines().filter(l -> l.startsWith("|")).count(), md);
    }
}
