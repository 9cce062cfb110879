package org.pamadam.cli.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.pamadam.cli.train.EpochMetrics;

/** Per (optimizer, lr): the mean, standard deviation, min and max over seeds of a metric per epoch. */
public record Series(String label, double[] epochs, double[] mean, double[] std, double[] min, double[] max) {

    /** Groups rows by run label (optimizer and lr), in first-seen order. */
    public static List<Series> of(List<EpochMetrics> rows, ToDoubleFunction<EpochMetrics> metric) {
        Map<String, Map<Integer, List<Double>>> byLabel = new LinkedHashMap<>();
        for (EpochMetrics m : rows) {
            double value = metric.applyAsDouble(m);
            if (Double.isFinite(value)) { // a diverged run's unfinished epochs are NaN: no point
                byLabel.computeIfAbsent(m.run().label(), k -> new java.util.TreeMap<>())
                        .computeIfAbsent(m.epoch(), k -> new ArrayList<>()).add(value);
            }
        }
        List<Series> out = new ArrayList<>();
        for (Map.Entry<String, Map<Integer, List<Double>>> e : byLabel.entrySet()) {
            int n = e.getValue().size();
            double[] x = new double[n], mean = new double[n], std = new double[n], min = new double[n], max = new double[n];
            int i = 0;
            for (Map.Entry<Integer, List<Double>> ep : e.getValue().entrySet()) {
                x[i] = ep.getKey();
                double[] s = stats(ep.getValue());
                mean[i] = s[0];
                std[i] = s[1];
                min[i] = s[2];
                max[i] = s[3];
                i++;
            }
            out.add(new Series(e.getKey(), x, mean, std, min, max));
        }
        return out;
    }

    /** mean, sample standard deviation (0 for one value), min, max. */
    public static double[] stats(List<Double> values) {
        double sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double mean = sum / values.size();
        double sq = 0;
        for (double v : values) {
            sq += (v - mean) * (v - mean);
        }
        double std = values.size() > 1 ? Math.sqrt(sq / (values.size() - 1)) : 0;
        return new double[] {mean, std, min, max};
    }
}
