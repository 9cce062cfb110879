package org.pamadam.cli.train;

import org.pamadam.data.FashionMnist;

/**
 * A framework that can train the study's models. {@link DjlTraining} is the default; another engine
 * (DL4J) is one more implementation registered in {@link Engines}.
 */
public interface TrainingEngine {

    String name();

    /**
     * Refuses, before any work, a run this engine cannot train as asked (a model or recipe piece it
     * lacks), with a message naming the flag.
     */
    default void check(RunSpec spec) {
    }

    /** Starts a run: builds and seeds the model and optimizer. */
    Session open(RunSpec spec, FashionMnist.Data data);

    /** A run in progress, one epoch at a time. */
    interface Session extends AutoCloseable {
        /** Trains one epoch (1-based) and evaluates on the test set. */
        EpochMetrics epoch(int epoch, Progress progress);

        /** Model parameters (framework format) and optimizer state (core checkpoint format). */
        Snapshot save() throws java.io.IOException;

        /** Restores a snapshot taken from a session of the same spec; throws leaving nothing half-done. */
        void restore(Snapshot snapshot) throws java.io.IOException;

        /** Per-tensor trust ratios of the last step (empty when the optimizer has none). */
        java.util.Map<String, Double> lastRatios();

        /**
         * Each parameter tensor's mean absolute value now, keyed as {@link #lastRatios()} (empty when the
         * engine does not offer it).
         */
        default java.util.Map<String, Double> meanAbsParams() {
            return java.util.Map.of();
        }

        @Override
        void close();
    }

    /** A session's saved state as bytes. */
    record Snapshot(byte[] model, byte[] optimizer) {
    }

    /** Called after every batch, for the progress bar. */
    interface Progress {
        void batch(int done, int total, double loss, long images);
    }
}
