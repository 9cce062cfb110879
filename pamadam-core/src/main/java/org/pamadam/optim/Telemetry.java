package org.pamadam.optim;

import java.util.Arrays;
import org.pamadam.rule.Rule;

/**
 * What the optimizer reports and counts: per tensor its own step count (bias correction's t), the
 * ratio it last used and how often the clamp lowered it; overall the steps taken (the schedules'
 * position), the steps skipped and the last global gradient norm. Written only when a step is
 * committed, so a refused step changes none of it.
 */
final class Telemetry {
    final long[] steps;
    final double[] lastRatio;
    final long[] clamps;
    /** Optimizer steps taken: the position every group's schedule reads, as torch's scheduler step. */
    long stepsTaken;
    long skippedSteps;
    double lastGradNorm = Double.NaN;

    Telemetry(int tensors) {
        steps = new long[tensors];
        lastRatio = new double[tensors];
        clamps = new long[tensors];
        Arrays.fill(lastRatio, Double.NaN);
    }

    /** Tensor {@code i}'s step is written, under {@code rule}, with this guarded ratio before the clamp. */
    void commit(int i, Rule rule, double unclampedRatio) {
        lastRatio[i] = rule.clamp(unclampedRatio);
        if (rule.clamps(unclampedRatio)) {
            clamps[i]++;
        }
        steps[i]++;
    }
}
