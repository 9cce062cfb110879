package org.pamadam.cli.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.pamadam.cli.train.EpochMetrics;

/** metrics.csv: one row per optimizer, lr, seed and epoch. */
public final class MetricsCsv {
    public static final String HEADER =
            "optimizer,lr,seed,epoch,train_loss,test_loss,test_acc,seconds,opt_step_ms,opt_share";

    private MetricsCsv() {
    }

    public static void write(Path file, List<EpochMetrics> rows) throws IOException {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (EpochMetrics m : rows) {
            b.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%.6f,%.6f,%.4f,%.3f,%.4f,%.4f%n",
                    m.run().optimizer(), m.run().lr(), m.run().seed(), m.epoch(), m.trainLoss(), m.testLoss(),
                    m.testAccuracy(), m.seconds(), m.optStepMs(), m.optShare()));
        }
        Files.writeString(file, b.toString());
    }
}
