package org.pamadam.kernel;

import org.pamadam.rule.Moments;
import org.pamadam.rule.TrustRatio;

/** Plain Java loops: always available, and the baseline the vector kernel must match. */
public final class ScalarKernel implements Kernel {
    /** Shared instance: the kernel holds no state. */
    public static final ScalarKernel SCALAR = new ScalarKernel();

    @Override
    public String name() {
        return "scalar";
    }

    /** The Adam step from the new moments: {@code (m/bc1) / (sqrt(v/bc2) + eps)}, then LAMB's decay term. */
    static float adamStep(Coefficients c, float m, float v, float p) {
        return (m / c.biasCorrection1) / ((float) Math.sqrt(v / c.biasCorrection2) + c.eps) + c.stepDecay * p;
    }

    @Override
    public void measure(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to,
                        double[] sums, int slot) {
        double paramSum = 0;
        double stepSum = 0;
        TrustRatio ratio = c.ratio;
        if (ratio == TrustRatio.NONE) {
            // Only the finiteness check: g*0 is NaN exactly when g is NaN or infinite.
            float check = 0f;
            for (int i = from; i < to; i++) {
                check += (g[i] * c.gradScale + c.gradDecay * p[i]) * 0f;
            }
            stepSum = check;
        } else {
            // Trust ratios are defined for Adam moments only (Rule enforces it).
            boolean meanAbs = ratio == TrustRatio.MEAN_ABS;
            for (int i = from; i < to; i++) {
                float pi = p[i];
                float gi = g[i] * c.gradScale + c.gradDecay * pi;
                float mi = c.beta1 * m[i] + c.oneMinusBeta1 * gi;
                float vi = c.beta2 * v[i] + c.oneMinusBeta2 * gi * gi;
                float u = adamStep(c, mi, vi, pi);
                if (meanAbs) {
                    paramSum += Math.abs(pi);
                    stepSum += Math.abs(u);
                } else {
                    paramSum += (double) pi * pi;
                    stepSum += (double) u * u;
                }
            }
        }
        sums[slot] = paramSum;
        sums[slot + 1] = stepSum;
    }

    @Override
    public double sumOfSquares(float[] g, int from, int to) {
        // Four independent sums: one running double sum is bound by the add latency.
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            s0 += (double) g[i] * g[i];
            s1 += (double) g[i + 1] * g[i + 1];
            s2 += (double) g[i + 2] * g[i + 2];
            s3 += (double) g[i + 3] * g[i + 3];
        }
        for (; i < to; i++) {
            s0 += (double) g[i] * g[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public void apply(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to) {
        float scale = c.scale;
        float decay = c.decayFactor;
        if (c.moments == Moments.MOMENTUM) {
            for (int i = from; i < to; i++) {
                float pi = p[i];
                float mi = c.beta1 * m[i] + (g[i] * c.gradScale + c.gradDecay * pi);
                m[i] = mi;
                p[i] = pi * decay - scale * mi;
            }
            return;
        }
        for (int i = from; i < to; i++) {
            float pi = p[i];
            float gi = g[i] * c.gradScale + c.gradDecay * pi;
            float mi = c.beta1 * m[i] + c.oneMinusBeta1 * gi;
            float vi = c.beta2 * v[i] + c.oneMinusBeta2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] = pi * decay - scale * adamStep(c, mi, vi, pi);
        }
    }
}
