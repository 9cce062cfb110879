package org.pamadam.cli.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.pamadam.cli.train.EpochMetrics;

/** Writes metrics.csv, the two plots and report.md for a finished study; returns the summary table. */
public final class Report {
    private Report() {
    }

    /** The study's set-up, for the report's first section. */
    public record Setup(String verb, String data, String model, String engine, int epochs, int batchSize, int seeds,
                        String kernel) {
    }

    public static String write(Path dir, Setup setup, List<EpochMetrics> rows) throws IOException {
        Files.createDirectories(dir);
        MetricsCsv.write(dir.resolve("metrics.csv"), rows);
        Charts.write(dir.resolve("test_accuracy.png"), "Test accuracy (mean over seeds, bars: min..max)",
                "test accuracy", Series.of(rows, EpochMetrics::testAccuracy));
        Charts.write(dir.resolve("train_loss.png"), "Training loss (mean over seeds, bars: min..max)",
                "train loss", Series.of(rows, EpochMetrics::trainLoss));
        String table = table(rows);
        StringBuilder md = new StringBuilder();
        md.append("# PAMAdam study (`pamadam ").append(setup.verb()).append("`)\n\n");
        md.append("- Data: ").append(setup.data()).append('\n');
        md.append("- Model: ").append(setup.model()).append("; engine: ").append(setup.engine())
                .append("; optimizer kernel: ").append(setup.kernel()).append('\n');
        md.append(String.format(Locale.ROOT, "- %d epoch(s), batch size %d, %d seed(s) per optimizer and lr%n",
                setup.epochs(), setup.batchSize(), setup.seeds()));
        md.append("\n## Final test accuracy\n\nMean ± standard deviation over seeds after the last epoch; "
                + "time per epoch includes evaluation-free training only; opt share is the optimizer "
                + "update's share of training time.\n\n");
        md.append(table).append('\n');
        md.append("## Plots\n\n![test accuracy](test_accuracy.png)\n\n![train loss](train_loss.png)\n\n");
        md.append("Per-epoch numbers for every run are in [metrics.csv](metrics.csv).\n");
        Files.writeString(dir.resolve("report.md"), md.toString());
        return table;
    }

    /** Markdown table: one row per optimizer and lr. */
    public static String table(List<EpochMetrics> rows) {
        Map<String, List<EpochMetrics>> byLabel = new LinkedHashMap<>();
        int last = rows.stream().mapToInt(EpochMetrics::epoch).max().orElse(0);
        for (EpochMetrics m : rows) {
            byLabel.computeIfAbsent(m.run().optimizer() + "|" + m.run().lr(), k -> new ArrayList<>()).add(m);
        }
        StringBuilder b = new StringBuilder(
                "| optimizer | lr | test acc | test loss | train loss | s/epoch | opt step ms | opt share |\n"
                        + "|---|---|---|---|---|---|---|---|\n");
        for (List<EpochMetrics> runs : byLabel.values()) {
            List<Double> acc = new ArrayList<>(), testLoss = new ArrayList<>(), trainLoss = new ArrayList<>();
            List<Double> secs = new ArrayList<>(), step = new ArrayList<>(), share = new ArrayList<>();
            for (EpochMetrics m : runs) {
                secs.add(m.seconds());
                step.add(m.optStepMs());
                share.add(m.optShare());
                if (m.epoch() == last) {
                    acc.add(m.testAccuracy());
                    testLoss.add(m.testLoss());
                    trainLoss.add(m.trainLoss());
                }
            }
            if (acc.isEmpty()) {
                continue;
            }
            double[] a = Series.stats(acc);
            b.append(String.format(Locale.ROOT, "| %s | %s | %.4f ± %.4f | %.4f | %.4f | %.1f | %.3f | %.1f%% |%n",
                    runs.get(0).run().optimizer(), runs.get(0).run().lr(), a[0], a[1], Series.stats(testLoss)[0],
                    Series.stats(trainLoss)[0], Series.stats(secs)[0], Series.stats(step)[0],
                    100 * Series.stats(share)[0]));
        }
        return b.toString();
    }
}
