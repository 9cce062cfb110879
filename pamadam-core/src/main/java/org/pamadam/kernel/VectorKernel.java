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

    private static FloatVector step(Coefficients c, FloatVector m, FloatVector v, FloatVector p) {
        FloatVector denom = v.div(c.biasCorrection2).lanewise(VectorOperators.SQRT).add(c.eps);
        return m.div(c.biasCorrection1).div(denom).add(p.mul(c.stepDecay));
    }

    @Override
    public void measure(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to,
                        double[] sums, int slot) {
        int len = S.length();
        int upper = from + S.loopBound(to - from);
        double paramSum = 0;
        double stepSum = 0;
        FloatVector accP = FloatVector.zero(S);
        FloatVector accU = FloatVector.zero(S);
        int inBlock = 0;
        boolean none = c.ratio == TrustRatio.NONE;
        boolean meanAbs = c.ratio == TrustRatio.MEAN_ABS;
        int i = from;
        for (; i < upper; i += len) {
            FloatVector pv = FloatVector.fromArray(S, p, i);
            FloatVector gv = FloatVector.fromArray(S, g, i).add(pv.mul(c.gradDecay));
            if (none) {
                accU = accU.add(gv.mul(0f));
            } else {
                FloatVector mv = FloatVector.fromArray(S, m, i).mul(c.beta1).add(gv.mul(c.oneMinusBeta1));
                FloatVector vv = FloatVector.fromArray(S, v, i).mul(c.beta2)
                        .add(gv.mul(c.oneMinusBeta2).mul(gv));
                FloatVector u = step(c, mv, vv, pv);
                if (meanAbs) {
                    accP = accP.add(pv.abs());
                    accU = accU.add(u.abs());
                } else {
                    accP = accP.add(pv.mul(pv));
                    accU = accU.add(u.mul(u));
                }
            }
            if (++inBlock == BLOCK) {
                paramSum += accP.reduceLanes(VectorOperators.ADD);
                stepSum += accU.reduceLanes(VectorOperators.ADD);
                accP = FloatVector.zero(S);
                accU = FloatVector.zero(S);
                inBlock = 0;
            }
        }
        paramSum += accP.reduceLanes(VectorOperators.ADD);
        stepSum += accU.reduceLanes(VectorOperators.ADD);
        if (i < to) {
            ScalarKernel.SCALAR.measure(c, p, g, m, v, i, to, sums, slot);
            paramSum += sums[slot];
            stepSum += sums[slot + 1];
        }
        sums[slot] = paramSum;
        sums[slot + 1] = stepSum;
    }

    @Override
    public void apply(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to) {
        int len = S.length();
        int upper = from + S.loopBound(to - from);
        int i = from;
        if (c.moments == Moments.MOMENTUM) {
            for (; i < upper; i += len) {
                FloatVector pv = FloatVector.fromArray(S, p, i);
                FloatVector gv = FloatVector.fromArray(S, g, i).add(pv.mul(c.gradDecay));
                FloatVector mv = FloatVector.fromArray(S, m, i).mul(c.beta1).add(gv);
                mv.intoArray(m, i);
                pv.mul(c.decayFactor).sub(mv.mul(c.scale)).intoArray(p, i);
            }
        } else {
            for (; i < upper; i += len) {
                FloatVector pv = FloatVector.fromArray(S, p, i);
                FloatVector gv = FloatVector.fromArray(S, g, i).add(pv.mul(c.gradDecay));
                FloatVector mv = FloatVector.fromArray(S, m, i).mul(c.beta1).add(gv.mul(c.oneMinusBeta1));
                FloatVector vv = FloatVector.fromArray(S, v, i).mul(c.beta2)
                        .add(gv.mul(c.oneMinusBeta2).mul(gv));
                mv.intoArray(m, i);
                vv.intoArray(v, i);
                pv.mul(c.decayFactor).sub(step(c, mv, vv, pv).mul(c.scale)).intoArray(p, i);
            }
        }
        if (i < to) {
            ScalarKernel.SCALAR.apply(c, p, g, m, v, i, to);
        }
    }
}
