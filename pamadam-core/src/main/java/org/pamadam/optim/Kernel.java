package org.pamadam.optim;

import java.nio.ByteBuffer;

/**
 * The element loops of a fused step over the range {@code [from, to)} of one tensor, one method per
 * memory kind: heap {@code float[]}s or direct {@link ByteBuffer}s in native order whose index 0 is
 * the tensor's element 0. A step is pass one over every range of every tensor, then (once the trust
 * ratios are known) pass two. Internal: {@link Kernels} picks the implementation; the generated
 * {@code ScalarKernel} and {@code VectorKernel128/256/512} come from the templates in
 * {@code src/main/templates}.
 *
 * <p>Pass one is read-only: it computes the new moments and the step without storing them, and adds
 * what the ratio needs to {@code sums}. Nothing is written until every tensor has been measured, so a
 * step refused for a non-finite gradient leaves all state untouched. Pass two recomputes the same
 * values and writes m, v and p. Every kernel does the element maths in the same float operations in
 * the same order (no fused multiply-add), so all agree bit for bit.
 *
 * <h2>The canonical summation order</h2>
 * Every per-tensor sum (sum |p| and sum |step| for the mean-abs ratio, sum p^2 and sum step^2 for
 * the L2 ratio, sum g^2 for global-norm clipping) is accumulated in one order, on every kernel:
 * <ol>
 * <li>the tensor is cut into chunks of {@link Optimizer#CHUNK} elements from its start; each chunk
 *     is a range of these methods, and the optimizer adds chunk sums in chunk order in double;</li>
 * <li>within a range, the first {@code 16 * floor(n / 16)} elements form the main part: element
 *     {@code k} (counted from the range start) goes to float lane {@code k mod 16};</li>
 * <li>after every {@link #BLOCK} elements of the main part, and at its end, the 16 lanes are folded
 *     in float (lane j plus lane j+8, then j plus j+4, then j plus j+2, then lane 0 plus lane 1: a
 *     fixed tree, cheap on every width), the result is added to the range's double sum, and the
 *     lanes restart at zero;</li>
 * <li>the tail (the last {@code n mod 16} elements) is added to the double sum one element at a
 *     time, in element order;</li>
 * <li>each summand is a float: {@code |x|} or {@code x*x} rounded to float, widened to double only
 *     when it enters a double sum.</li>
 * </ol>
 * The scalar kernel keeps 16 float accumulators; the 128-, 256- and 512-bit kernels keep 4, 2 or 1
 * accumulator vectors. So all produce the same sums, and from them the same ratios, parameters and
 * moments, bit for bit. A block's float total covers at most {@code BLOCK = 1024} summands through a
 * tree of depth 64 + 4, so a sum is within about {@code 68 * 2^-24 = 4e-6} relative of the exact one
 * in the worst case (about {@code 1e-7} typically). A sum of squares that overflows float (|g| above
 * about 1.8e19) is recomputed in double element by element by the caller
 * ({@code ScalarKernel.exactSumOfSquares}).
 *
 * <p>The finite check of a rule without a trust ratio sums {@code g*0}, which is +0 or NaN whatever
 * the order.
 */
interface Kernel {
    /** Lanes of the canonical order. */
    int LANES = 16;
    /** Main-part elements between two lane flushes of the canonical order. */
    int BLOCK = 1024;

    /** Short name for reports: "scalar", "vector-256" and the like. */
    String name();

    /**
     * Pass one. Writes {@code sums[slot]} = sum over the range of |p| (MEAN_ABS) or p^2 (L2_NORM) and
     * {@code sums[slot + 1]} = the same of the step; with no trust ratio, {@code sums[slot]} is 0 and
     * {@code sums[slot + 1]} a sum of {@code g * 0}. Either way {@code sums[slot + 1]} is NaN when a
     * gradient (or, with decay, a parameter) in the range is NaN or infinite: that is how the
     * optimizer detects non-finite input. {@code v} is unused (may be null) for momentum rules.
     */
    void measure(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to,
                 double[] sums, int slot);

    /** {@link #measure(Coefficients, float[], float[], float[], float[], int, int, double[], int)} off-heap. */
    void measure(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to,
                 double[] sums, int slot);

    /**
     * The sum of {@code g[k]^2} over the range in the canonical order: the read-only pass of
     * global-norm clipping. NaN or infinite when a gradient in the range is; +infinity also when a
     * float square or lane overflowed (then the caller recomputes it exactly).
     */
    double sumOfSquares(float[] g, int from, int to);

    /** {@link #sumOfSquares(float[], int, int)} off-heap. */
    double sumOfSquares(ByteBuffer g, int from, int to);

    /**
     * Pass two: stores the new moments and {@code p = p*decayFactor - scale*step}. Both passes read
     * the gradient as {@code g * gradScale}.
     */
    void apply(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to);

    /** {@link #apply(Coefficients, float[], float[], float[], float[], int, int)} off-heap. */
    void apply(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to);
}
