package org.pamadam.cli.train;

/** What one epoch produced; one row of metrics.csv. */
public record EpochMetrics(RunSpec run, int epoch, double trainLoss, double testLoss, double testAccuracy,
                           double seconds, double optStepMs, double optShare) {
}
