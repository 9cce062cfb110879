package org.pamadam.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.pamadam.rule.Moments;
import org.pamadam.rule.TrustRatio;

/**
 * SIMD loops with {@code jdk.incubator.vector}, at the machine's preferred width. Loaded only through
 * {@link KernelProvider}, which falls back to {@link ScalarKernel} when the module is absent.
 *
 * <p>Element maths use the same float operations in the same order as the scalar kernel (no FMA),
 * so parameters and moments come out bit-identical. Sums are accumulated in float lanes over short
 * blocks and then added into a double, which keeps them accurate to ~1e-9 relative on large tensors
 * (a float running sum over the whole tensor would not be).
 */
final class VectorKernel implements Kernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Vector iterations summed in float lanes before the partial sum moves into a double. */
    private static final int BLOCK = 16;

    @Override
    public String name() {
        return "vector-" + S.vectorBitSize();
    }

    @Override
    public void measure(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to,
                        double[] sums, int slot) {
        // One method per mode, each with its own loop: C2 compiles each against its own profile, so
        // a rule used later in the JVM's life does not run a loop compiled for another (which made
        // the vectors escape to the heap).
        int end = from + S.loopBound(to - from);
        if (c.ratio == TrustRatio.NONE) {
            checkFinite(c, p, g, from, end, sums, slot);
        } else {
            measureRatio(c, p, g, m, v, from, end, sums, slot, c.ratio == TrustRatio.MEAN_ABS);
        }
        if (end < to) {
            double paramSum = sums[slot];
            double stepSum = sums[slot + 1];
            ScalarKernel.SCALAR.measure(c, p, g, m, v, end, to, sums, slot);
            sums[slot] += paramSum;
            sums[slot + 1] += stepSum;
        }
    }

    /** No ratio: only g*0 summed, which is NaN exactly when some gradient is NaN or infinite. */
    private static void checkFinite(Coefficients c, float[] p, float[] g, int from, int end, double[] sums,
                                    int slot) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = from; i < end; i += S.length()) {
            FloatVector pv = FloatVector.fromArray(S, p, i);
            acc = acc.add(FloatVector.fromArray(S, g, i).mul(c.gradScale).add(pv.mul(c.gradDecay)).mul(0f));
        }
        sums[slot] = 0;
        sums[slot + 1] = acc.reduceLanes(VectorOperators.ADD);
    }

    private static void measureRatio(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int end,
                                     double[] sums, int slot, boolean meanAbs) {
        double paramSum = 0;
        double stepSum = 0;
        FloatVector accP = FloatVector.zero(S);
        FloatVector accU = FloatVector.zero(S);
        int inBlock = 0;
        for (int i = from; i < end; i += S.length()) {
            FloatVector pv = FloatVector.fromArray(S, p, i);
            FloatVector gv = FloatVector.fromArray(S, g, i).mul(c.gradScale).add(pv.mul(c.gradDecay));
            FloatVector mv = FloatVector.fromArray(S, m, i).mul(c.beta1).add(gv.mul(c.oneMinusBeta1));
            FloatVector vv = FloatVector.fromArray(S, v, i).mul(c.beta2).add(gv.mul(c.oneMinusBeta2).mul(gv));
            // Written out, not a helper method: a helper taking vectors is not always inlined by C2
            // (cold call sites), and then every vector is boxed on the heap.
            FloatVector u = mv.div(c.biasCorrection1)
                    .div(vv.div(c.biasCorrection2).lanewise(VectorOperators.SQRT).add(c.eps))
                    .add(pv.mul(c.stepDecay));
            if (meanAbs) {
                accP = accP.add(pv.abs());
                accU = accU.add(u.abs());
            } else {
                accP = accP.add(pv.mul(pv));
                accU = accU.add(u.mul(u));
            }
            if (++inBlock == BLOCK) {
                paramSum += accP.reduceLanes(VectorOperators.ADD);
                stepSum += accU.reduceLanes(VectorOperators.ADD);
                accP = FloatVector.zero(S);
                accU = FloatVector.zero(S);
                inBlock = 0;
            }
        }
        sums[slot] = paramSum + accP.reduceLanes(VectorOperators.ADD);
        sums[slot + 1] = stepSum + accU.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public double sumOfSquares(float[] g, int from, int to) {
        // Float lanes over short blocks, then into a double, as in measureRatio: accurate and fast.
        int end = from + S.loopBound(to - from);
        double sum = 0;
        FloatVector acc = FloatVector.zero(S);
        int inBlock = 0;
        for (int i = from; i < end; i += S.length()) {
            FloatVector gv = FloatVector.fromArray(S, g, i);
            acc = acc.add(gv.mul(gv));
            if (++inBlock == BLOCK) {
                sum += acc.reduceLanes(VectorOperators.ADD);
                acc = FloatVector.zero(S);
                inBlock = 0;
            }
        }
        sum += acc.reduceLanes(VectorOperators.ADD);
        if (sum == Double.POSITIVE_INFINITY) {
            // A float square overflowed (|g| > 1.8e19); the double loop tells a huge finite gradient
            // from an infinite one.
            return ScalarKernel.SCALAR.sumOfSquares(g, from, to);
        }
        return end < to ? sum + ScalarKernel.SCALAR.sumOfSquares(g, end, to) : sum;
    }

    @Override
    public void apply(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to) {
        int end = from + S.loopBound(to - from);
        if (c.moments == Moments.MOMENTUM) {
            applyMomentum(c, p, g, m, from, end);
        } else {
            applyAdam(c, p, g, m, v, from, end);
        }
        if (end < to) {
            ScalarKernel.SCALAR.apply(c, p, g, m, v, end, to);
        }
    }

    private static void applyMomentum(Coefficients c, float[] p, float[] g, float[] m, int from, int end) {
        for (int i = from; i < end; i += S.length()) {
            FloatVector pv = FloatVector.fromArray(S, p, i);
            FloatVector gv = FloatVector.fromArray(S, g, i).mul(c.gradScale).add(pv.mul(c.gradDecay));
            FloatVector mv = FloatVector.fromArray(S, m, i).mul(c.beta1).add(gv);
            mv.intoArray(m, i);
            pv.mul(c.decayFactor).sub(mv.mul(c.scale)).intoArray(p, i);
        }
    }

    private static void applyAdam(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int end) {
        for (int i = from; i < end; i += S.length()) {
            FloatVector pv = FloatVector.fromArray(S, p, i);
            FloatVector gv = FloatVector.fromArray(S, g, i).mul(c.gradScale).add(pv.mul(c.gradDecay));
            FloatVector mv = FloatVector.fromArray(S, m, i).mul(c.beta1).add(gv.mul(c.oneMinusBeta1));
            FloatVector vv = FloatVector.fromArray(S, v, i).mul(c.beta2).add(gv.mul(c.oneMinusBeta2).mul(gv));
            mv.intoArray(m, i);
            vv.intoArray(v, i);
            FloatVector u = mv.div(c.biasCorrection1)
                    .div(vv.div(c.biasCorrection2).lanewise(VectorOperators.SQRT).add(c.eps))
                    .add(pv.mul(c.stepDecay));
            pv.mul(c.decayFactor).sub(u.mul(c.scale)).intoArray(p, i);
        }
    }
}
