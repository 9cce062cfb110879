package org.pamadam.cli.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.dataset.DataSet;
import org.pamadam.data.FashionMnist;
import org.pamadam.dl4j.spark.SparkSettings;
import org.pamadam.dl4j.spark.SparkTraining;
import org.pamadam.optim.NonFiniteGradientException;
import org.pamadam.state.CheckpointException;

/**
 * Data-parallel DL4J training on Spark (parameter averaging). Spark trains all epochs in one job, so
 * the first {@code epoch} call runs the whole training and later calls hand out the stored epochs.
 */
final class SparkEngine implements TrainingEngine {
    private final String master;
    private final int workers;
    private final int averagingFrequency;

    SparkEngine(String master, int workers, int averagingFrequency) {
        this.master = master;
        this.workers = workers;
        this.averagingFrequency = averagingFrequency;
    }

    @Override
    public String name() {
        return "dl4j-spark";
    }

    /**
     * Accumulation is refused: a worker's window would straddle parameter-averaging rounds, and the
     * averaged state holds no partial window. Clipping runs in every worker's step.
     */
    @Override
    public void check(RunSpec spec) {
        Recipe r = spec.recipe();
        if (r.accumulate() > 1) {
            throw new IllegalArgumentException("--accumulate is not offered by the dl4j-spark engine: a worker's "
                    + "window would straddle parameter-averaging rounds, whose averaged state holds no partial "
                    + "window; use --engine dl4j, or a larger --batch-size");
        }
        String missing = !spec.model().equals("mlp") ? "--model " + spec.model() : null;
        if (missing != null) {
            throw new IllegalArgumentException(missing + " is not offered by the dl4j-spark engine; use --engine dl4j");
        }
    }

    @Override
    public Session open(RunSpec spec, FashionMnist.Data data) {
        check(spec);
        return new Session() {
            private List<org.pamadam.dl4j.spark.EpochMetrics> done;
            private NonFiniteGradientException diverged;

            @Override
            public EpochMetrics epoch(int epoch, Progress progress) {
                if (done == null) {
                    train(progress);
                }
                if (epoch > done.size()) {
                    if (diverged == null) {
                        throw new IllegalStateException("Spark trained " + done.size() + " epochs, asked for " + epoch);
                    }
                    // The job stopped at a refused step: the epochs before it stand, this one diverged.
                    throw diverged;
                }
                org.pamadam.dl4j.spark.EpochMetrics m = done.get(epoch - 1);
                return new EpochMetrics(spec, epoch, m.trainLoss(), m.testLoss(), m.testAccuracy(), m.seconds(),
                        Double.NaN, Double.NaN);
            }

            private void train(Progress progress) {
                List<DataSet> minibatches = new ArrayList<>();
                int n = data.train().count();
                int[] order = DataOrder.shuffled(n, new java.util.Random(spec.seed()));
                for (int from = 0; from < n; from += spec.batchSize()) {
                    minibatches.add(Dl4jModels.batch(data.train(), order, from, Math.min(spec.batchSize(), n - from)));
                }
                DataSet test = Dl4jModels.batch(data.test(), DataOrder.identity(data.test().count()), 0,
                        data.test().count());
                SparkSettings settings = SparkSettings.builder().master(master).workers(workers)
                        .averagingFrequency(averagingFrequency).epochs(spec.epochs()).seed(spec.seed())
                        .maxGradNorm(spec.recipe().maxGradNorm() == null ? Double.POSITIVE_INFINITY
                                : spec.recipe().maxGradNorm())
                        .logLevel("WARN").build();
                done = new ArrayList<>();
                try {
                    SparkTraining.run(settings,
                            Dl4jModels.build(spec, spec.recipe().optimizerSteps(spec.epochs(), perWorker(minibatches.size()))), minibatches, test, m -> {
                        done.add(m);
                        progress.batch(m.epoch(), spec.epochs(), m.trainLoss(), m.examples());
                    });
                } catch (Exception e) { // SparkException is checked, but Scala does not declare it
                    diverged = nonFiniteCause(e);
                    if (diverged == null && e instanceof RuntimeException) {
                        throw (RuntimeException) e;
                    } else if (diverged == null) {
                        throw new IllegalStateException("Spark training failed: " + e.getMessage(), e);
                    }
                }
            }

            @Override
            public Snapshot save() throws CheckpointException {
                throw new CheckpointException("--checkpoint is not supported with --engine dl4j-spark");
            }

            @Override
            public void restore(Snapshot snapshot) throws CheckpointException {
                throw new CheckpointException("--resume is not supported with --engine dl4j-spark");
            }

            @Override
            public Map<String, Double> lastRatios() {
                return Map.of();
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * Minibatches one worker fits per epoch: parameter averaging splits them among the workers, and a
     * worker's schedule runs at the steps its own model takes (its step counts travel in the averaged
     * updater state), so the schedule spans this many per epoch, not all of them.
     */
    int perWorker(int minibatches) {
        int w = Math.max(1, workers);
        return (minibatches + w - 1) / w;
    }

    /**
     * The refusal of a non-finite gradient behind a failed Spark job: a worker's updater threw it and
     * Spark hands it back as the cause of a SparkException (or, where the exception could not travel,
     * only in the message). Null when the job failed for another reason.
     */
    static NonFiniteGradientException nonFiniteCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NonFiniteGradientException) {
                return (NonFiniteGradientException) t;
            }
        }
        String message = String.valueOf(e.getMessage());
        int at = message.indexOf("non-finite gradient for '");
        if (at < 0) {
            return null;
        }
        int end = message.indexOf('\n', at);
        NonFiniteGradientException named = new NonFiniteGradientException("(a Spark worker's step)",
                message.substring(at, end < 0 ? message.length() : end));
        named.initCause(e);
        return named;
    }
}
