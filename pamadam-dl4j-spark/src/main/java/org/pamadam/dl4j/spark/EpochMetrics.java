package org.pamadam.dl4j.spark;

import java.util.List;

/**
 * One epoch of {@link SparkTraining}.
 *
 * @param epoch        1 for the first
 * @param trainLoss    mean loss over the training examples of this epoch, each taken by the executor
 *                     that fitted it just before its update (NaN when no executor reported)
 * @param testLoss     loss of the averaged network on the test set, after the epoch (driver side)
 * @param testAccuracy fraction of the test set the averaged network classifies correctly
 * @param seconds      wall-clock seconds of the epoch's distributed training (evaluation excluded)
 * @param executors    one report per executor JVM that trained in this epoch
 */
public record EpochMetrics(int epoch, double trainLoss, double testLoss, double testAccuracy, double seconds,
                           List<ExecutorReport> executors) {
    public EpochMetrics {
        executors = List.copyOf(executors);
    }

    /**
     * Examples fitted by all executors in this epoch. DL4J's parameter averaging can fit fewer than the
     * training set has: each worker fits at most {@code averagingFrequency} minibatches per averaging
     * round and skips the rest of its share (none are skipped when the number of minibatches is a
     * multiple of workers x averagingFrequency).
     */
    public long examples() {
        return executors.stream().mapToLong(ExecutorReport::examples).sum();
    }
}
