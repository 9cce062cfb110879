package org.pamadam.kernel;

/**
 * The two element loops of a fused step, over the range {@code [from, to)} of one tensor. A step is
 * pass one over every range of every tensor, then (once the trust ratios are known) pass two.
 *
 * <p>Pass one is read-only: it computes the new moments and the step without storing them, and adds
 * what the ratio needs to {@code sums}. Nothing is written until every tensor has been measured, so a
 * step refused for a non-finite gradient leaves all state untouched. Pass two recomputes the same
 * values, bit for bit, and writes m, v and p. Both implementations do the element maths in the same
 * float operations in the same order (no fused multiply-add), so they agree bit for bit on
 * parameters; only the order of the accumulated sums differs.
 */
public interface Kernel {

    /** Short name for reports: "scalar" or "vector-256" and the like. */
    String name();

    /**
     * Pass one. Writes {@code sums[slot]} = sum over the range of |p| (MEAN_ABS) or p^2 (L2_NORM) and
     * {@code sums[slot + 1]} = the same of the step; with no trust ratio, {@code sums[slot + 1]} is a
     * sum of {@code g * 0}. Either way {@code sums[slot + 1]} is NaN when a gradient (or, with decay, a
     * parameter) in the range is NaN or infinite: that is how the optimizer detects non-finite input.
     * {@code v} is unused (may be null) for momentum rules.
     */
    void measure(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to,
                 double[] sums, int slot);

    /**
     * The sum of {@code g[k]^2} over the range, accumulated so that it is accurate to ~1e-9 relative
     * (at least double partial sums): the read-only pass of global-norm clipping. NaN or infinite when
     * a gradient in the range is.
     */
    double sumOfSquares(float[] g, int from, int to);

    /**
     * Pass two: stores the new moments and {@code p = p*decayFactor - scale*step}. Both passes read
     * the gradient as {@code g * gradScale}.
     */
    void apply(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to);
}
