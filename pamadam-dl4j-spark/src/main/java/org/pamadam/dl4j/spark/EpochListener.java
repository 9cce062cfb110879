package org.pamadam.dl4j.spark;

/** Told about each epoch of {@link SparkTraining} as soon as it is evaluated. */
@FunctionalInterface
public interface EpochListener {
    /** A listener that ignores everything. */
    EpochListener NONE = m -> { };

    void onEpoch(EpochMetrics metrics);
}
