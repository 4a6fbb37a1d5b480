package ai.actnn.examples.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.DoubleStream;

/**
 * The PNG charts of the examples, in one consistent style:
 *
 * <ul>
 *   <li>{@link #throughput}: batch size against images per second, one line per level, each
 *       level's largest batch that fits the memory budget marked with a cross (like ActNN's {@code
 *       mem_speed_r50.png});
 *   <li>{@link #memoryBars}: activation (or peak) memory per level as grouped bars;
 *   <li>{@link #accuracy}: test accuracy per epoch, one line per level.
 * </ul>
 *
 * Charts are rendered off-screen ({@code java.awt.headless} is set if unset).
 */
public final class Charts {

    /** Width of one chart in pixels. */
    public static final int WIDTH = 800;

    /** Height of one chart in pixels. */
    public static final int HEIGHT = 520;

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
    };

    private Charts() {}

    /**
     * Creates the throughput chart.
     *
     * @param title the chart title, e.g. "ResNet-18, 32x32 images, CPU"
     * @param perLevel one series per level: x = batch sizes, y = images per second
     * @param maxBatch per level name, the largest batch that fit (absent: not searched); the
     *     level's point at that batch is marked, or a marker is put on the x axis if it was not
     *     measured
     * @return the chart
     */
    public static XYChart throughput(String title, List<Series> perLevel, Map<String, Integer> maxBatch) {
        return throughput(title, "images", perLevel, maxBatch);
    }

    /**
     * Creates the throughput chart of examples of a given kind.
     *
     * @param title the chart title, e.g. "bert-tiny, sequence length 128, width 128, CPU"
     * @param examples what one example is, plural ("images", "sequences"): the y axis shows
     *     {@code examples} per second
     * @param perLevel one series per level: x = batch sizes, y = examples per second
     * @param maxBatch per level name, the largest batch that fit (see {@link #throughput(String,
     *     List, Map)})
     * @return the chart
     */
    public static XYChart throughput(
            String title, String examples, List<Series> perLevel, Map<String, Integer> maxBatch) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("batch size").yAxisTitle("throughput (" + examples + "/s)").build();
        style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setXAxisMin(0.0);
        chart.getStyler().setYAxisDecimalPattern("#,##0");
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        chart.getStyler().setMarkerSize(9);
        chart.getStyler().setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        chart.getStyler().setAnnotationTextFontColor(Color.DARK_GRAY);
        double top = finite(perLevel, Series::y).max().orElse(1);
        for (int i = 0; i < perLevel.size(); i++) {
            Series s = perLevel.get(i);
            addLine(chart, s, PALETTE[i % PALETTE.length]);
            Integer max = maxBatch.get(s.name());
            if (max != null) {
                double y = yAt(s, max);
                double at = Double.isNaN(y) ? 0 : y;
                XYSeries mark = chart.addSeries(s.name() + " max batch", new double[] {max}, new double[] {at});
                mark.setMarker(SeriesMarkers.CROSS);
                mark.setMarkerColor(Color.BLACK);
                mark.setShowInLegend(false);
                mark.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                // the label sits just above the cross
                chart.addAnnotation(new org.knowm.xchart.AnnotationText(
                        "max batch " + max, max, at + 0.06 * top, false));
            }
        }
        chart.getStyler().setYAxisMax(top * 1.15);
        double right = finite(perLevel, Series::x).max().orElse(1);
        for (int max : maxBatch.values()) {
            right = Math.max(right, max);
        }
        chart.getStyler().setXAxisMax(right * (maxBatch.isEmpty() ? 1.02 : 1.12)); // room for labels
        return chart;
    }

    /**
     * Creates a grouped bar chart: one group of bars per category (level), one bar per series.
     *
     * @param title the chart title
     * @param yTitle the y axis title, e.g. "activation memory (MB)"
     * @param categories the group labels (levels)
     * @param series per series name (e.g. "batch 64", or "activation" and "peak"), one value per
     *     category (NaN: no bar)
     * @return the chart
     */
    public static CategoryChart memoryBars(
            String title, String yTitle, List<String> categories, Map<String, double[]> series) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("level").yAxisTitle(yTitle).build();
        style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        chart.getStyler().setYAxisMin(0.0);
        // headroom above the tallest bar for the legend, which sits inside the plot's top right
        double tallest = series.values().stream().flatMapToDouble(Arrays::stream)
                .filter(Double::isFinite).max().orElse(0);
        if (tallest > 0) {
            chart.getStyler().setYAxisMax(tallest * (1.25 + 0.1 * series.size()));
        }
        chart.getStyler().setAvailableSpaceFill(0.7);
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setSeriesColors(PALETTE);
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            double[] values = e.getValue();
            if (values.length != categories.size()) {
                throw new IllegalArgumentException("series " + e.getKey() + " has " + values.length
                        + " values for " + categories.size() + " categories");
            }
            // bar labels print the values as they are: round them to one decimal
            List<Double> ys = Arrays.stream(values)
                    .map(v -> Double.isFinite(v) ? Units.round(v, 1) : 0).boxed().toList();
            chart.addSeries(e.getKey(), categories, ys);
        }
        return chart;
    }

    /**
     * Creates the accuracy chart.
     *
     * @param title the chart title
     * @param perLevel one series per level: x = epochs (1, 2, ...), y = test accuracy in percent
     * @return the chart
     */
    public static XYChart accuracy(String title, List<Series> perLevel) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("epoch").yAxisTitle("test accuracy (%)").build();
        style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setYAxisDecimalPattern("0.0");
        chart.getStyler().setMarkerSize(7);
        double low = finite(perLevel, Series::y).min().orElse(0);
        double high = finite(perLevel, Series::y).max().orElse(100);
        // a little room around the lines, so that a few points apart does not fill the plot
        chart.getStyler().setYAxisMin(Math.max(0, Math.floor(low - 1)));
        chart.getStyler().setYAxisMax(Math.min(100, Math.ceil(high + 1)));
        for (int i = 0; i < perLevel.size(); i++) {
            addLine(chart, perLevel.get(i), PALETTE[i % PALETTE.length]);
        }
        return chart;
    }

    /** Adds a series as a line with round markers, both in the series' colour. */
    private static void addLine(XYChart chart, Series s, Color color) {
        XYSeries line = chart.addSeries(s.name(), s.x(), s.y());
        line.setLineColor(color);
        line.setMarkerColor(color);
        line.setMarker(SeriesMarkers.CIRCLE);
    }

    /** Returns the finite values of one coordinate of all series: missing points are NaN. */
    private static DoubleStream finite(List<Series> series, Function<Series, double[]> coordinate) {
        return series.stream().flatMapToDouble(s -> Arrays.stream(coordinate.apply(s))).filter(Double::isFinite);
    }

    /**
     * Writes one chart as a PNG.
     *
     * @param chart the chart
     * @param out the file (parent directories are created)
     * @throws IOException if writing fails
     */
    public static void save(Chart<?, ?> chart, Path out) throws IOException {
        save(List.of(chart), out);
    }

    /**
     * Writes charts side by side in one PNG.
     *
     * @param charts the charts, left to right
     * @param out the file (parent directories are created)
     * @throws IOException if writing fails
     */
    public static void save(List<? extends Chart<?, ?>> charts, Path out) throws IOException {
        if (charts.isEmpty()) {
            throw new IllegalArgumentException("no chart to save");
        }
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (var stream = Files.newOutputStream(out)) {
            if (charts.size() == 1) {
                BitmapEncoder.saveBitmap(charts.get(0), stream, BitmapEncoder.BitmapFormat.PNG);
            } else {
                BitmapEncoder.saveBitmap(new java.util.ArrayList<Chart<?, ?>>(charts), 1, charts.size(),
                        stream, BitmapEncoder.BitmapFormat.PNG);
            }
        }
    }

    private static double yAt(Series s, int x) {
        for (int i = 0; i < s.x().length; i++) {
            if (s.x()[i] == x) {
                return s.y()[i];
            }
        }
        return Double.NaN;
    }

    private static void style(Styler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotBorderVisible(true);
        styler.setLegendBorderColor(Color.LIGHT_GRAY);
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        styler.setBaseFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        styler.setSeriesColors(PALETTE);
        styler.setAntiAlias(true);
        styler.setChartTitleBoxVisible(false);
        styler.setChartPadding(12);
        if (styler instanceof org.knowm.xchart.style.AxesChartStyler axes) {
            axes.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            axes.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            axes.setPlotGridLinesColor(new Color(0xe0e0e0));
        }
    }
}
