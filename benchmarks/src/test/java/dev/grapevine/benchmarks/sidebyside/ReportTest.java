package dev.grapevine.benchmarks.sidebyside;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tables and chart data written from results, and the argument checks. */
class ReportTest {

    private static Result result(String system, double scale) {
        return new Result(system, 10, 0.5 * scale, 0.01, 0.1 * scale, 0.2 * scale, 5 * scale, 6 * scale, 0,
                0.3 * scale, 0.4 * scale, 0, 0.2 * scale, 14 * scale, 2 * scale, 300 * scale, 2, 290, 0, 3.5, 1);
    }

    @Test
    void ratiosDivideGrapevineBySerf() {
        String md = Report.markdown(List.of(result("serf", 1), result("grapevine-jvm", 2),
                result("grapevine-embedded", 0.5)));
        String jvmRow = md.lines().filter(l -> l.startsWith("| 10 | one JVM per node |")).findFirst().orElseThrow();
        String embeddedRow = md.lines().filter(l -> l.startsWith("| 10 | all in one JVM |")).findFirst().orElseThrow();
        assertEquals(11, jvmRow.split("2\\.00x", -1).length - 1, jvmRow);
        assertEquals(11, embeddedRow.split("0\\.50x", -1).length - 1, embeddedRow);
        assertTrue(md.contains("| 10 | Serf (one process per node) | 0.50 | 0.10 | 0.20 | 5.00 | 6.00 | 0.30 | 0.40 | 0.200 | 14.0 | 2.0 | 300 | 0 | 3.5 |"), md);
    }

    @Test
    void missingFiguresShowAsDashesAndNaN() {
        Result failed = new Result("serf", 10, Double.NaN, 0, 0.1, 0.2, 5, Double.NaN, 2, 0.3, 0.4, 0, 0.2, 14,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 1, 0);
        String md = Report.markdown(List.of(failed));
        assertTrue(md.contains("| 10 | Serf (one process per node) | - | 0.10 | 0.20 | 5.00 (2 never) | - (2 never) |"), md);
        String dat = Report.chartData(List.of(failed));
        assertTrue(dat.startsWith("# join converged (s)\n# N serf grapevine-jvm grapevine-embedded\n10 NaN NaN NaN\n"), dat);
    }

    @Test
    void resultsReadBackFromCsv() {
        Result r = result("grapevine-jvm", 2);
        Result back = Result.fromCsv(r.csv());
        assertEquals(r.csv(), back.csv());
        assertEquals(Report.markdown(List.of(r)), Report.markdown(List.of(back)));
        assertThrows(IllegalArgumentException.class, () -> Result.fromCsv("serf,10,1"));
    }

    @Test
    void mediansAndMaxima() {
        assertEquals(2.0, Result.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, Result.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertTrue(Double.isNaN(Result.median(List.of())));
        assertEquals(4.0, Result.max(List.of(4.0, 1.0)));
    }

    @Test
    void badArgumentsNameTheFlag() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SerfSideBySide.parse(new String[]{"--sizes", "5"}));
        assertTrue(e.getMessage().startsWith("--sizes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SerfSideBySide.parse(new String[]{"--systems", "consul"}));
        assertTrue(e.getMessage().startsWith("--systems"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SerfSideBySide.parse(new String[]{"--idle"}));
        assertTrue(e.getMessage().startsWith("--idle"), e.getMessage());
    }
}
