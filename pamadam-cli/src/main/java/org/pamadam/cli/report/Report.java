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
                        String kernel, String recipe) {
        /** Without a recipe line (optimizer defaults, constant lr). */
        public Setup(String verb, String data, String model, String engine, int epochs, int batchSize, int seeds,
                     String kernel) {
            this(verb, data, model, engine, epochs, batchSize, seeds, kernel, "defaults");
        }
    }

    public static String write(Path dir, Setup setup, List<EpochMetrics> rows) throws IOException {
        Files.createDirectories(dir);
        MetricsCsv.write(dir.resolve("metrics.csv"), rows);
        Charts.write(dir.resolve("test_accuracy.png"), "Test accuracy (mean over seeds, band: min..max)",
                "test accuracy", Series.of(rows, EpochMetrics::testAccuracy));
        Charts.write(dir.resolve("train_loss.png"), "Training loss (mean over seeds, band: min..max)",
                "train loss", Series.of(rows, EpochMetrics::trainLoss));
        String table = table(rows);
        StringBuilder md = new StringBuilder();
        md.append("# PAMAdam study (`pamadam ").append(setup.verb()).append("`)\n\n");
        md.append("- Data: ").append(setup.data()).append('\n');
        md.append("- Model: ").append(setup.model()).append("; engine: ").append(setup.engine())
                .append("; optimizer kernel: ").append(setup.kernel()).append('\n');
        md.append(String.format(Locale.ROOT, "- %d epoch(s), batch size %d, %d seed(s) per optimizer and lr%n",
                setup.epochs(), setup.batchSize(), setup.seeds()));
        md.append("- Recipe: ").append(setup.recipe()).append('\n');
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
            int finals = 0;
            for (EpochMetrics m : runs) {
                // A diverged run's unfinished epochs are NaN rows (see Study): left out of every mean.
                addFinite(secs, m.seconds());
                addFinite(step, m.optStepMs());
                addFinite(share, m.optShare());
                if (m.epoch() == last) {
                    finals++;
                    addFinite(acc, m.testAccuracy());
                    addFinite(testLoss, m.testLoss());
                    addFinite(trainLoss, m.trainLoss());
                }
            }
            if (finals == 0) {
                continue;
            }
            String accuracy = acc.isEmpty() ? "diverged" : String.format(Locale.ROOT, "%.4f ± %.4f",
                    Series.stats(acc)[0], Series.stats(acc)[1]);
            if (!acc.isEmpty() && acc.size() < finals) {
                accuracy += String.format(Locale.ROOT, " (%d of %d seeds diverged)", finals - acc.size(), finals);
            }
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    runs.get(0).run().optimizer(), runs.get(0).run().lr(), accuracy, mean(testLoss, "%.4f", 1),
                    mean(trainLoss, "%.4f", 1), mean(secs, "%.1f", 1), mean(step, "%.3f", 1),
                    mean(share, "%.1f%%", 100)));
        }
        return b.toString();
    }

    private static void addFinite(List<Double> values, double v) {
        if (Double.isFinite(v)) {
            values.add(v);
        }
    }

    /** The mean times {@code scale} in {@code format}, or "-" when there is no value. */
    private static String mean(List<Double> values, String format, double scale) {
        return values.isEmpty() ? "-" : String.format(Locale.ROOT, format, scale * Series.stats(values)[0]);
    }
}
