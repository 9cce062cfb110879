package org.pamadam.dl4j.spark;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The outcome of {@link SparkTraining}: the averaged network on the driver, and the metrics of every
 * epoch.
 *
 * @param network the trained network (its parameters and updater state are the workers' average)
 * @param epochs  one entry per epoch, in order
 */
public record SparkTrainingResult(MultiLayerNetwork network, List<EpochMetrics> epochs) {
    public SparkTrainingResult {
        epochs = List.copyOf(epochs);
    }

    /** The metrics of the last epoch. */
    public EpochMetrics last() {
        return epochs.get(epochs.size() - 1);
    }
}
