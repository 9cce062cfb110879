package org.pamadam.cli.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG line charts (XChart): one line per optimizer and lr, the mean over seeds, with a translucent
 * band from the minimum to the maximum over seeds in the line's colour (no band for one seed).
 */
public final class Charts {
    private Charts() {
    }

    public static void write(Path file, String title, String yLabel, List<Series> series) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle("epoch")
                .yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisDecimalPattern("0");
        Color[] palette = chart.getStyler().getSeriesColors();
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            Color colour = palette[i % palette.length];
            if (hasSpread(s)) {
                band(chart, s, colour);
            }
            XYSeries line = chart.addSeries(s.label(), s.epochs(), s.mean());
            line.setLineColor(colour);
            line.setMarkerColor(colour);
            line.setMarker(SeriesMarkers.CIRCLE);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static boolean hasSpread(Series s) {
        for (int i = 0; i < s.mean().length; i++) {
            if (s.max()[i] > s.min()[i]) {
                return true;
            }
        }
        return false;
    }

    /** A closed polygon along the maxima and back along the minima. */
    private static void band(XYChart chart, Series s, Color colour) {
        int n = s.epochs().length;
        double[] x = new double[2 * n];
        double[] y = new double[2 * n];
        for (int i = 0; i < n; i++) {
            x[i] = s.epochs()[i];
            y[i] = s.max()[i];
            x[2 * n - 1 - i] = s.epochs()[i];
            y[2 * n - 1 - i] = s.min()[i];
        }
        XYSeries band = chart.addSeries(s.label() + " (min..max)", x, y);
        band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
        band.setFillColor(new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), 50));
        band.setLineColor(new Color(0, 0, 0, 0));
        band.setLineStyle(new BasicStroke(0f));
        band.setMarker(SeriesMarkers.NONE);
        band.setShowInLegend(false);
    }
}
