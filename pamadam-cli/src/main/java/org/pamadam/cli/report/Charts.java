package org.pamadam.cli.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG line charts (XChart): one line per optimizer and lr, the mean over seeds, min..max as error bars. */
public final class Charts {
    private Charts() {
    }

    public static void write(Path file, String title, String yLabel, List<Series> series) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle("epoch")
                .yAxisTitle(yLabel).build();
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        chart.getStyler().setXAxisDecimalPattern("0");
        for (Series s : series) {
            double[] err = new double[s.mean().length];
            boolean spread = false;
            for (int i = 0; i < err.length; i++) {
                // Symmetric bars of half the min..max range around the mean: the spread over seeds.
                err[i] = (s.max()[i] - s.min()[i]) / 2;
                spread |= err[i] > 0;
            }
            XYSeries line = spread ? chart.addSeries(s.label(), s.epochs(), s.mean(), err)
                    : chart.addSeries(s.label(), s.epochs(), s.mean());
            line.setMarker(SeriesMarkers.CIRCLE);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
