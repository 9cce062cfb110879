package org.pamadam.cli.train;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.pamadam.data.FashionMnist;
import org.pamadam.optim.NonFiniteGradientException;

/** Runs a list of training runs one after another (never two at once: they would share 2 cores). */
public final class Study {
    private Study() {
    }

    /** Runs every spec; {@code ratios} (may be null) receives every tensor's ratio after every step. */
    public static List<EpochMetrics> run(TrainingEngine engine, FashionMnist.Data data, List<RunSpec> specs,
                                         PrintWriter log, PrintWriter ratios) throws IOException {
        return run(engine, data, specs, log, ratios, null, null);
    }

    /**
     * As above; with {@code checkpoint}, the (single) run is saved there after every epoch; with
     * {@code resume}, it continues from that checkpoint (its earlier epochs come first in the result).
     */
    public static List<EpochMetrics> run(TrainingEngine engine, FashionMnist.Data data, List<RunSpec> specs,
                                         PrintWriter log, PrintWriter ratios, Path checkpoint,
                                         TrainingCheckpoint.Saved resume) throws IOException {
        return run(engine, data, specs, log, ratios, null, checkpoint, resume);
    }

    /** Header of {@code tensors}' rows (see {@code --log-tensors}). */
    public static final String TENSORS_HEADER = "optimizer,lr,seed,epoch,step,tensor,ratio,mean_abs_p,batch_loss";

    /**
     * As above; {@code tensors} (may be null) receives, after every step, every tensor's ratio, its mean
     * absolute value after the step and the step's batch loss ({@link #TENSORS_HEADER}).
     */
    public static List<EpochMetrics> run(TrainingEngine engine, FashionMnist.Data data, List<RunSpec> specs,
                                         PrintWriter log, PrintWriter ratios, PrintWriter tensors, Path checkpoint,
                                         TrainingCheckpoint.Saved resume) throws IOException {
        if ((checkpoint != null || resume != null) && specs.size() != 1) {
            throw new IllegalArgumentException("checkpoints are for a single run (pamadam train)");
        }
        List<EpochMetrics> rows = new ArrayList<>();
        int index = 0;
        for (RunSpec spec : specs) {
            index++;
            int first = 1;
            if (resume != null) {
                TrainingCheckpoint.checkData(resume, data.files());
                rows.addAll(resume.rows());
                first = resume.epochsDone() + 1;
            }
            try (TrainingEngine.Session session = engine.open(spec, data)) {
                if (resume != null) {
                    session.restore(resume.snapshot());
                    log.printf(Locale.ROOT, "resumed after epoch %d%n", resume.epochsDone());
                }
                int epoch = first;
                try {
                    for (; epoch <= spec.epochs(); epoch++) {
                        String task = String.format(Locale.ROOT, "[%d/%d] %s seed %d epoch %d/%d", index, specs.size(),
                                spec.label(), spec.seed(), epoch, spec.epochs());
                        EpochMetrics m;
                        try (ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(1)
                                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                                .setConsumer(new ConsoleProgressBarConsumer(System.err, 120)).build()) {
                            long started = System.nanoTime();
                            int thisEpoch = epoch;
                            double[] before = {0, 0}; // running loss sum and images, to recover the batch loss
                            m = session.epoch(epoch, (done, total, loss, images) -> {
                                if (tensors != null) {
                                    long step = (long) (thisEpoch - 1) * total + done;
                                    double sum = loss * images;
                                    double batchLoss = (sum - before[0]) / (images - before[1]);
                                    before[0] = sum;
                                    before[1] = images;
                                    Map<String, Double> means = session.meanAbsParams();
                                    for (Map.Entry<String, Double> e : session.lastRatios().entrySet()) {
                                        Double mean = means.get(e.getKey());
                                        tensors.printf(Locale.ROOT, "%s,%s,%d,%d,%d,%s,%.6g,%.6g,%.6g%n",
                                                spec.optimizer(), spec.lr(), spec.seed(), thisEpoch, step, e.getKey(),
                                                e.getValue(), mean == null ? Double.NaN : mean, batchLoss);
                                    }
                                }
                                if (ratios != null) {
                                    // Called after each optimizer step: the ratios that step used. The step
                                    // number counts from the run's start (batches per epoch are fixed).
                                    long step = (long) (thisEpoch - 1) * total + done;
                                    for (Map.Entry<String, Double> e : session.lastRatios().entrySet()) {
                                        ratios.printf(Locale.ROOT, "%s,%s,%d,%d,%d,%s,%.6g%n", spec.optimizer(),
                                                spec.lr(), spec.seed(), thisEpoch, step, e.getKey(), e.getValue());
                                    }
                                }
                                bar.maxHint(total);
                                bar.stepTo(done);
                                double secs = (System.nanoTime() - started) / 1e9;
                                bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f  %.0f img/s", loss,
                                        images / Math.max(secs, 1e-9)));
                            });
                        }
                        rows.add(m);
                        if (checkpoint != null) {
                            TrainingCheckpoint.save(checkpoint, engine.name(), spec, data.files(), rows, session.save());
                        }
                        log.printf(Locale.ROOT, "%s seed %d epoch %d: train loss %.4f, test loss %.4f, test acc %.4f, "
                                        + "%.1f s, optimizer %.2f ms/step%n", spec.label(), spec.seed(), epoch,
                                m.trainLoss(), m.testLoss(), m.testAccuracy(), m.seconds(), m.optStepMs());
                        log.flush();
                        if (ratios != null) {
                            ratios.flush();
                        }
                        if (tensors != null) {
                            tensors.flush();
                        }
                    }
                } catch (NonFiniteGradientException e) {
                    if (tensors != null) {
                        tensors.flush(); // the steps up to the collapse are what this log is for
                    }
                    log.printf(Locale.ROOT, "%s seed %d diverged in epoch %d (%s); run stopped, the rest of its "
                            + "epochs are recorded as NaN%n", spec.label(), spec.seed(), epoch, e.getMessage());
                    log.flush();
                    for (; epoch <= spec.epochs(); epoch++) {
                        rows.add(diverged(spec, epoch));
                    }
                }
            }
        }
        return rows;
    }

    /** The row of an epoch a diverged run did not finish: every number NaN, so the grid stays complete. */
    static EpochMetrics diverged(RunSpec spec, int epoch) {
        return new EpochMetrics(spec, epoch, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    /**
     * A fresh dated folder under runs/ for this verb, e.g. {@code runs/2026-11-23T21-50-00-compare}
     * ({@code -2}, {@code -3}, ... appended when a run in the same second already took the name).
     */
    public static Path defaultOut(String verb) throws IOException {
        String stamp = java.time.LocalDateTime.now()
                .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss", Locale.ROOT));
        Files.createDirectories(Path.of("runs"));
        for (int n = 1; ; n++) {
            Path dir = Path.of("runs", stamp + "-" + verb + (n == 1 ? "" : "-" + n));
            try {
                return Files.createDirectory(dir);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // taken: try the next suffix
            }
        }
    }
}
