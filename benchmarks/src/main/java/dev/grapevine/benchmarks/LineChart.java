package dev.grapevine.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Path2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;


/**
 * A plain line chart written as a PNG with {@code java.awt} in headless mode: enough for the convergence
 * curve, with no charting library on the benchmarks' class path.
 */
public final class LineChart {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    private record Series(String name, Color color, boolean dashed, double[] x, double[] y) { }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final double xMax;
    private final double yMax;
    private final List<Series> series = new ArrayList<>();

    /**
     * A chart whose axes run from 0 to {@code xMax} and 0 to {@code yMax}.
     *
     * @param title  shown above the plot
     * @param xLabel the horizontal axis
     * @param yLabel the vertical axis
     */
    public LineChart(String title, String xLabel, String yLabel, double xMax, double yMax) {
        if (!(xMax > 0) || !(yMax > 0)) {
            throw new IllegalArgumentException("xMax and yMax must be positive, were " + xMax + ", " + yMax);
        }
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.xMax = xMax;
        this.yMax = yMax;
    }

    /**
     * Adds a line through the points ({@code x[i]}, {@code y[i]}).
     *
     * @throws IllegalArgumentException when the arrays differ in length
     */
    public LineChart add(String name, Color color, boolean dashed, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series " + name + ": " + x.length + " x values, " + y.length + " y");
        }
        series.add(new Series(name, color, dashed, x.clone(), y.clone()));
        return this;
    }

    /** Draws the chart and writes it to {@code file} as a PNG. */
    public void writePng(Path file) throws IOException {
        ChartPng.write(file, WIDTH, HEIGHT, g -> {
            drawAxes(g);
            for (Series s : series) {
                drawSeries(g, s);
            }
            drawLegend(g);
        });
    }

    private int px(double x) {
        return LEFT + (int) Math.round(x / xMax * (WIDTH - LEFT - RIGHT));
    }

    private int py(double y) {
        return HEIGHT - BOTTOM - (int) Math.round(y / yMax * (HEIGHT - TOP - BOTTOM));
    }

    private void drawAxes(Graphics2D g) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        double xStep = ChartPng.niceStep(xMax);
        double yStep = ChartPng.niceStep(yMax);
        for (double x = 0; x <= xMax + 1e-9; x += xStep) {
            g.setColor(new Color(230, 230, 230));
            g.drawLine(px(x), py(0), px(x), py(yMax));
            g.setColor(Color.DARK_GRAY);
            String label = trim(x);
            g.drawString(label, px(x) - g.getFontMetrics().stringWidth(label) / 2, py(0) + 18);
        }
        for (double y = 0; y <= yMax + 1e-9; y += yStep) {
            g.setColor(new Color(230, 230, 230));
            g.drawLine(px(0), py(y), px(xMax), py(y));
            g.setColor(Color.DARK_GRAY);
            String label = trim(y);
            g.drawString(label, px(0) - 8 - g.getFontMetrics().stringWidth(label), py(y) + 4);
        }
        g.setColor(Color.BLACK);
        g.drawLine(px(0), py(0), px(xMax), py(0));
        g.drawLine(px(0), py(0), px(0), py(yMax));
        g.drawString(xLabel, px(xMax / 2) - g.getFontMetrics().stringWidth(xLabel) / 2, HEIGHT - 20);
        Graphics2D r = (Graphics2D) g.create();
        r.rotate(-Math.PI / 2);
        r.drawString(yLabel, -py(yMax / 2) - g.getFontMetrics().stringWidth(yLabel) / 2, 20);
        r.dispose();
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, LEFT, 24);
    }

    private void drawSeries(Graphics2D g, Series s) {
        g.setColor(s.color());
        g.setStroke(stroke(s.dashed()));
        Path2D.Double path = new Path2D.Double();
        for (int i = 0; i < s.x().length; i++) {
            double x = Math.min(s.x()[i], xMax);
            if (i == 0) {
                path.moveTo(px(x), py(s.y()[i]));
            } else {
                path.lineTo(px(x), py(s.y()[i]));
            }
        }
        g.draw(path);
        g.setStroke(new BasicStroke(1f));
    }

    private void drawLegend(Graphics2D g) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int y = py(yMax * 0.35);
        int x = px(xMax * 0.55);
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(stroke(s.dashed()));
            g.drawLine(x, y - 4, x + 30, y - 4);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), x + 38, y);
            y += 20;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static BasicStroke stroke(boolean dashed) {
        return dashed
                ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {8f, 5f}, 0f)
                : new BasicStroke(2f);
    }

    /** 1, 2 or 5 times a power of ten, giving 5 to 10 grid lines. */

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format("%.1f", v);
    }
}
