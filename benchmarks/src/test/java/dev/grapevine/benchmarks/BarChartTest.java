package dev.grapevine.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BarChartTest {

    @Test
    void readsTheSeriesFromTheHeaderAndOneGroupPerLine() {
        BarChart chart = BarChart.fromCsv(List.of(
                "row,1 connection,64 connections",
                "nginx static,12000.5,48000",
                "",
                "proxy -> front -> app,,9000"), "t", "requests/s");
        assertEquals(2, chart.size());
    }

    @Test
    void rejectsLinesOfAnotherShapeAndValuesThatAreNoBars() {
        assertThrows(IllegalArgumentException.class,
                () -> BarChart.fromCsv(List.of("row,a,b", "x,1"), "t", ""));
        assertThrows(IllegalArgumentException.class,
                () -> BarChart.fromCsv(List.of("row,a", "x,fast"), "t", ""));
        assertThrows(IllegalArgumentException.class, () -> BarChart.fromCsv(List.of("row"), "t", ""));
        BarChart chart = new BarChart("t", "", List.of("a", "b"));
        assertThrows(IllegalArgumentException.class, () -> chart.add("x", 1));
        assertThrows(IllegalArgumentException.class, () -> chart.add("x", 1, -2));
        assertThrows(IllegalArgumentException.class, () -> chart.add("x", 1, Double.POSITIVE_INFINITY));
    }

    @Test
    void barsAreAsTallAsTheirValues(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("sub/chart.png");
        new BarChart("requests/s", "requests/s", List.of("1 connection", "64 connections"))
                .add("a row with a long name that wraps", 10_000, 20_000)
                .add("missing", Double.NaN, 5_000)
                .writePng(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(560, img.getHeight());
        long first = pixels(img, BarChart.PALETTE[0]);
        long second = pixels(img, BarChart.PALETTE[1]);
        assertTrue(first > 1_000, "the first series is drawn: " + first);
        // The second series has bars of 20,000 and 5,000 against the first's single 10,000 (plus one legend box each).
        double ratio = (double) second / first;
        assertTrue(ratio > 2.3 && ratio < 2.7, "bar areas follow the values: " + second + " / " + first);
    }

    @Test
    void valuesAreShortEnoughToSitAboveABar() {
        assertEquals("950", BarChart.compact(950));
        assertEquals("12.3", BarChart.compact(12.34));
        assertEquals("1.5k", BarChart.compact(1_500));
        assertEquals("48k", BarChart.compact(48_200));
    }

    private static long pixels(BufferedImage img, Color c) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xffffff) == (c.getRGB() & 0xffffff)) {
                    n++;
                }
            }
        }
        return n;
    }
}
