package dev.grapevine.benchmarks;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;


/**
 * A grouped bar chart written as a PNG with {@code java.awt} in headless mode, in the style of {@link LineChart}:
 * one group of bars per category (a row of a benchmark), one bar per series (say 1 and 64 connections), each
 * labelled with its value. No charting library on the benchmarks' class path.
 *
 * <p>As a main, it draws a CSV whose header names the series after a first column of category names
 * ({@code row,1 connection,64 connections}); an empty cell is a missing value (no bar, "n/a"):
 * <pre>java -cp benchmarks.jar dev.grapevine.benchmarks.BarChart chart.csv chart.png "title" ["y label"]</pre>
 */
public final class BarChart {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 60;
    private static final int BOTTOM = 80;
    /** Series colours, in order (then they repeat). */
    static final Color[] PALETTE = {
        new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40)};

    private record Group(String category, double[] values) { }

    private final String title;
    private final String yLabel;
    private final List<String> series;
    private final List<Group> groups = new ArrayList<>();

    /**
     * An empty chart.
     *
     * @param title  shown above the plot
     * @param yLabel the vertical axis
     * @param series the names of the bars in each group, in order
     */
    public BarChart(String title, String yLabel, List<String> series) {
        if (series.isEmpty()) {
            throw new IllegalArgumentException("a bar chart needs at least one series");
        }
        this.title = title;
        this.yLabel = yLabel;
        this.series = List.copyOf(series);
    }

    /**
     * Adds a group of bars, one value per series; {@code NaN} is a missing value.
     *
     * @throws IllegalArgumentException when the count differs from the series' or a value is negative or infinite
     */
    public BarChart add(String category, double... values) {
        if (values.length != series.size()) {
            throw new IllegalArgumentException("category " + category + ": " + values.length + " values for "
                    + series.size() + " series");
        }
        for (double v : values) {
            if (v < 0 || Double.isInfinite(v)) {
                throw new IllegalArgumentException("category " + category + ": value " + v);
            }
        }
        groups.add(new Group(category, values.clone()));
        return this;
    }

    /** How many groups were added. */
    public int size() {
        return groups.size();
    }

    /**
     * Reads a chart from CSV lines: a header (first cell ignored, the rest name the series), then one line per
     * category; blank lines are skipped, an empty cell is a missing value. Cells hold no commas.
     *
     * @throws IllegalArgumentException on a line with the wrong number of cells or a value that is not a number
     */
    public static BarChart fromCsv(List<String> lines, String title, String yLabel) {
        List<String> rows = lines.stream().filter(l -> !l.isBlank()).toList();
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no header line");
        }
        String[] header = rows.get(0).split(",", -1);
        if (header.length < 2) {
            throw new IllegalArgumentException("the header names no series: " + rows.get(0));
        }
        BarChart chart = new BarChart(title, yLabel, List.of(header).subList(1, header.length));
        for (String line : rows.subList(1, rows.size())) {
            String[] cells = line.split(",", -1);
            if (cells.length != header.length) {
                throw new IllegalArgumentException("expected " + header.length + " cells: " + line);
            }
            double[] values = new double[cells.length - 1];
            for (int i = 1; i < cells.length; i++) {
                String c = cells[i].trim();
                try {
                    values[i - 1] = c.isEmpty() ? Double.NaN : Double.parseDouble(c);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a number: '" + c + "' in " + line, e);
                }
            }
            chart.add(cells[0].trim(), values);
        }
        return chart;
    }

    /** {@code CSV PNG TITLE [Y-LABEL]}: draws the CSV's bars to the PNG. */
    public static void main(String[] args) throws IOException {
        if (args.length < 3 || args.length > 4) {
            System.err.println("usage: BarChart CSV PNG TITLE [Y-LABEL]");
            System.exit(2);
        }
        List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
        fromCsv(lines, args[2], args.length > 3 ? args[3] : "").writePng(Path.of(args[1]));
        System.out.println("chart: " + args[1]);
    }

    /** Draws the chart and writes it to {@code file} as a PNG. */
    public void writePng(Path file) throws IOException {
        double yMax = yMax();
        ChartPng.write(file, WIDTH, HEIGHT, g -> {
            drawAxes(g, yMax);
            drawBars(g, yMax);
            drawLegend(g);
        });
    }

    /** The top of the axis: a whole number of grid steps above the largest value, with room for its label. */
    private double yMax() {
        double max = 0;
        for (Group gr : groups) {
            for (double v : gr.values()) {
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        if (max <= 0) {
            return 1;
        }
        double step = ChartPng.niceStep(max * 1.08);
        return Math.ceil(max * 1.08 / step) * step;
    }

    private static int plotWidth() {
        return WIDTH - LEFT - RIGHT;
    }

    private static int py(double y, double yMax) {
        return HEIGHT - BOTTOM - (int) Math.round(y / yMax * (HEIGHT - TOP - BOTTOM));
    }

    private void drawAxes(Graphics2D g, double yMax) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        double step = ChartPng.niceStep(yMax);
        for (double y = 0; y <= yMax + 1e-9; y += step) {
            g.setColor(new Color(230, 230, 230));
            g.drawLine(LEFT, py(y, yMax), LEFT + plotWidth(), py(y, yMax));
            g.setColor(Color.DARK_GRAY);
            String label = compact(y);
            g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), py(y, yMax) + 4);
        }
        g.setColor(Color.BLACK);
        g.drawLine(LEFT, py(0, yMax), LEFT + plotWidth(), py(0, yMax));
        g.drawLine(LEFT, py(0, yMax), LEFT, py(yMax, yMax));
        Graphics2D r = (Graphics2D) g.create();
        r.rotate(-Math.PI / 2);
        r.drawString(yLabel, -py(yMax / 2, yMax) - g.getFontMetrics().stringWidth(yLabel) / 2, 18);
        r.dispose();
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, LEFT, 24);
    }

    private void drawBars(Graphics2D g, double yMax) {
        if (groups.isEmpty()) {
            return;
        }
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        Font valueFont = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
        double groupWidth = (double) plotWidth() / groups.size();
        int barWidth = Math.max(1, (int) (groupWidth * 0.8 / series.size()));
        for (int i = 0; i < groups.size(); i++) {
            Group gr = groups.get(i);
            int x0 = LEFT + (int) Math.round(i * groupWidth + (groupWidth - barWidth * series.size()) / 2);
            for (int s = 0; s < series.size(); s++) {
                double v = gr.values()[s];
                int x = x0 + s * barWidth;
                g.setFont(valueFont);
                String text = Double.isNaN(v) ? "n/a" : compact(v);
                int top = py(Double.isNaN(v) ? 0 : v, yMax);
                if (!Double.isNaN(v)) {
                    g.setColor(PALETTE[s % PALETTE.length]);
                    g.fillRect(x, top, barWidth - 2, py(0, yMax) - top);
                }
                g.setColor(Color.DARK_GRAY);
                FontMetrics fm = g.getFontMetrics();
                g.drawString(text, x + (barWidth - 2 - fm.stringWidth(text)) / 2, top - 3);
            }
            g.setFont(labelFont);
            g.setColor(Color.BLACK);
            FontMetrics fm = g.getFontMetrics();
            int y = py(0, yMax) + 16;
            int centre = LEFT + (int) Math.round(i * groupWidth + groupWidth / 2);
            for (String line : wrap(gr.category(), fm, (int) groupWidth - 6)) {
                g.drawString(line, centre - fm.stringWidth(line) / 2, y);
                y += fm.getHeight();
            }
        }
    }

    private void drawLegend(Graphics2D g) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int x = LEFT;
        int y = 44;
        for (int s = 0; s < series.size(); s++) {
            g.setColor(PALETTE[s % PALETTE.length]);
            g.fillRect(x, y - 10, 14, 10);
            g.setColor(Color.BLACK);
            g.drawString(series.get(s), x + 20, y);
            x += 20 + g.getFontMetrics().stringWidth(series.get(s)) + 24;
        }
    }

    /** Splits {@code text} at spaces into lines no wider than {@code width} (a longer word gets its own line). */
    static List<String> wrap(String text, FontMetrics fm, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && fm.stringWidth(line + " " + word) > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }

    /** 1, 2 or 5 times a power of ten, giving 5 to 10 grid lines. */

    /** {@code 950}, {@code 12.3k}, {@code 48k}: short enough to sit above a bar. */
    static String compact(double v) {
        if (v >= 10_000) {
            return String.format(Locale.ROOT, "%.0fk", v / 1000);
        }
        if (v >= 1_000) {
            return String.format(Locale.ROOT, "%.1fk", v / 1000);
        }
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
