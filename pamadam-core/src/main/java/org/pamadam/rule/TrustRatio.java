package org.pamadam.rule;

/**
 * The per-tensor factor that rescales the step. Both ratios fall back to 1 when either side is 0
 * (the zero guard): a zero-initialised tensor then takes a plain step instead of never moving, and an
 * all-zero gradient gives a zero step instead of 0/0 = NaN.
 */
public enum TrustRatio {
    /** No rescaling: ratio 1 (Adam, AdamW, SGD). */
    NONE,
    /** PAMAdam: {@code mean(|p|) / mean(|step|)} over the tensor. */
    MEAN_ABS,
    /** LAMB: {@code ||p||_2 / ||step||_2} over the tensor. */
    L2_NORM;

    /**
     * The ratio from the two accumulated sums (sum |p| and sum |step| for MEAN_ABS, sums of squares
     * for L2_NORM; the element count cancels). Applies the zero guard.
     */
    public double of(double paramSum, double stepSum) {
        if (this == NONE || paramSum == 0.0 || stepSum == 0.0) {
            return 1.0;
        }
        return this == MEAN_ABS ? paramSum / stepSum : Math.sqrt(paramSum) / Math.sqrt(stepSum);
    }
}
