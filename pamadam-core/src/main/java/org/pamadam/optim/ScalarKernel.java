// GENERATED from src/main/templates/ScalarKernel.java.template by KernelGenerator (src/test):
// do not edit; edit the template and run tools/generate-kernels.
package org.pamadam.optim;

import java.nio.ByteBuffer;
import org.pamadam.rule.Moments;
import org.pamadam.rule.TrustRatio;

/**
 * Plain Java loops: always available, and the baseline every vector kernel must match bit for bit.
 * One loop per memory kind ({@code float[]} and direct {@link ByteBuffer}, read with absolute
 * native-order gets). The 16 lanes of {@link Kernel}'s canonical order are 16 float locals here.
 *
 * <p>The tail loops ({@code measureTail}, {@code applyTail}, {@code sumOfSquaresTail}) also finish
 * every vector kernel's range, so the element maths of a tail exists once.
 */
final class ScalarKernel implements Kernel {
    /** Shared instance: the kernel holds no state. */
    static final ScalarKernel SCALAR = new ScalarKernel();

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
        int end = from + ((to - from) & -LANES);
        if (c.ratio == TrustRatio.NONE) {
            // The finite check has no order to keep: the tail loop takes the whole range.
            sums[slot] = 0;
            sums[slot + 1] = 0;
            end = from;
        } else {
            measureRatioHeap(c, p, g, m, v, from, end, sums, slot, c.ratio == TrustRatio.MEAN_ABS);
        }
        measureTail(c, p, g, m, v, end, to, sums, slot);
    }

    private static void measureRatioHeap(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from,
                                         int end, double[] sums, int slot, boolean meanAbs) {
        double paramSum = 0;
        double stepSum = 0;
        // Blocks of the canonical order: an inner loop without a flush test runs faster on every kind.
        for (int b = from; b < end; b += BLOCK) {
            int blockEnd = Math.min(end, b + BLOCK);
            float accP0 = 0f;
            float accU0 = 0f;
            float accP1 = 0f;
            float accU1 = 0f;
            float accP2 = 0f;
            float accU2 = 0f;
            float accP3 = 0f;
            float accU3 = 0f;
            float accP4 = 0f;
            float accU4 = 0f;
            float accP5 = 0f;
            float accU5 = 0f;
            float accP6 = 0f;
            float accU6 = 0f;
            float accP7 = 0f;
            float accU7 = 0f;
            float accP8 = 0f;
            float accU8 = 0f;
            float accP9 = 0f;
            float accU9 = 0f;
            float accP10 = 0f;
            float accU10 = 0f;
            float accP11 = 0f;
            float accU11 = 0f;
            float accP12 = 0f;
            float accU12 = 0f;
            float accP13 = 0f;
            float accU13 = 0f;
            float accP14 = 0f;
            float accU14 = 0f;
            float accP15 = 0f;
            float accU15 = 0f;
            for (int i = b; i < blockEnd; i += LANES) {
                {
                    int k = i;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP0 += Math.abs(pi);
                        accU0 += Math.abs(u);
                    } else {
                        accP0 += pi * pi;
                        accU0 += u * u;
                    }
                }
                {
                    int k = i + 1;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP1 += Math.abs(pi);
                        accU1 += Math.abs(u);
                    } else {
                        accP1 += pi * pi;
                        accU1 += u * u;
                    }
                }
                {
                    int k = i + 2;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP2 += Math.abs(pi);
                        accU2 += Math.abs(u);
                    } else {
                        accP2 += pi * pi;
                        accU2 += u * u;
                    }
                }
                {
                    int k = i + 3;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP3 += Math.abs(pi);
                        accU3 += Math.abs(u);
                    } else {
                        accP3 += pi * pi;
                        accU3 += u * u;
                    }
                }
                {
                    int k = i + 4;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP4 += Math.abs(pi);
                        accU4 += Math.abs(u);
                    } else {
                        accP4 += pi * pi;
                        accU4 += u * u;
                    }
                }
                {
                    int k = i + 5;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP5 += Math.abs(pi);
                        accU5 += Math.abs(u);
                    } else {
                        accP5 += pi * pi;
                        accU5 += u * u;
                    }
                }
                {
                    int k = i + 6;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP6 += Math.abs(pi);
                        accU6 += Math.abs(u);
                    } else {
                        accP6 += pi * pi;
                        accU6 += u * u;
                    }
                }
                {
                    int k = i + 7;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP7 += Math.abs(pi);
                        accU7 += Math.abs(u);
                    } else {
                        accP7 += pi * pi;
                        accU7 += u * u;
                    }
                }
                {
                    int k = i + 8;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP8 += Math.abs(pi);
                        accU8 += Math.abs(u);
                    } else {
                        accP8 += pi * pi;
                        accU8 += u * u;
                    }
                }
                {
                    int k = i + 9;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP9 += Math.abs(pi);
                        accU9 += Math.abs(u);
                    } else {
                        accP9 += pi * pi;
                        accU9 += u * u;
                    }
                }
                {
                    int k = i + 10;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP10 += Math.abs(pi);
                        accU10 += Math.abs(u);
                    } else {
                        accP10 += pi * pi;
                        accU10 += u * u;
                    }
                }
                {
                    int k = i + 11;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP11 += Math.abs(pi);
                        accU11 += Math.abs(u);
                    } else {
                        accP11 += pi * pi;
                        accU11 += u * u;
                    }
                }
                {
                    int k = i + 12;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP12 += Math.abs(pi);
                        accU12 += Math.abs(u);
                    } else {
                        accP12 += pi * pi;
                        accU12 += u * u;
                    }
                }
                {
                    int k = i + 13;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP13 += Math.abs(pi);
                        accU13 += Math.abs(u);
                    } else {
                        accP13 += pi * pi;
                        accU13 += u * u;
                    }
                }
                {
                    int k = i + 14;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP14 += Math.abs(pi);
                        accU14 += Math.abs(u);
                    } else {
                        accP14 += pi * pi;
                        accU14 += u * u;
                    }
                }
                {
                    int k = i + 15;
                    float pi = p[k];
                    float gi = g[k] * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m[k] + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v[k] + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP15 += Math.abs(pi);
                        accU15 += Math.abs(u);
                    } else {
                        accP15 += pi * pi;
                        accU15 += u * u;
                    }
                }
            }
            paramSum += ((((accP0 + accP8) + (accP4 + accP12)) + ((accP2 + accP10) + (accP6 + accP14))) + (((accP1 + accP9) + (accP5 + accP13)) + ((accP3 + accP11) + (accP7 + accP15))));
            stepSum += ((((accU0 + accU8) + (accU4 + accU12)) + ((accU2 + accU10) + (accU6 + accU14))) + (((accU1 + accU9) + (accU5 + accU13)) + ((accU3 + accU11) + (accU7 + accU15))));
        }
        sums[slot] = paramSum;
        sums[slot + 1] = stepSum;
    }

    /**
     * Adds the elements {@code [from, to)} (fewer than 16 after a kernel's main loop) to the sums, one
     * by one in element order, each float summand widened to double.
     */
    static void measureTail(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to,
                            double[] sums, int slot) {
        if (from == to) {
            return;
        }
        double paramSum = sums[slot];
        double stepSum = sums[slot + 1];
        TrustRatio ratio = c.ratio;
        for (int i = from; i < to; i++) {
            float pi = p[i];
            float gi = g[i] * c.gradScale + c.gradDecay * pi;
            if (ratio == TrustRatio.NONE) {
                // Only the finiteness check: g*0 is NaN exactly when g is NaN or infinite.
                stepSum += gi * 0f;
                continue;
            }
            // Trust ratios are defined for Adam moments only (Rule enforces it).
            float mi = c.beta1 * m[i] + c.oneMinusBeta1 * gi;
            float vi = c.beta2 * v[i] + c.oneMinusBeta2 * gi * gi;
            float u = adamStep(c, mi, vi, pi);
            if (ratio == TrustRatio.MEAN_ABS) {
                paramSum += Math.abs(pi);
                stepSum += Math.abs(u);
            } else {
                paramSum += pi * pi;
                stepSum += u * u;
            }
        }
        sums[slot] = paramSum;
        sums[slot + 1] = stepSum;
    }

    @Override
    public double sumOfSquares(float[] g, int from, int to) {
        int end = from + ((to - from) & -LANES);
        double sum = 0;
        for (int b = from; b < end; b += BLOCK) {
            int blockEnd = Math.min(end, b + BLOCK);
            float acc0 = 0f;
            float acc1 = 0f;
            float acc2 = 0f;
            float acc3 = 0f;
            float acc4 = 0f;
            float acc5 = 0f;
            float acc6 = 0f;
            float acc7 = 0f;
            float acc8 = 0f;
            float acc9 = 0f;
            float acc10 = 0f;
            float acc11 = 0f;
            float acc12 = 0f;
            float acc13 = 0f;
            float acc14 = 0f;
            float acc15 = 0f;
            for (int i = b; i < blockEnd; i += LANES) {
                {
                    float gi = g[i];
                    acc0 += gi * gi;
                }
                {
                    float gi = g[i + 1];
                    acc1 += gi * gi;
                }
                {
                    float gi = g[i + 2];
                    acc2 += gi * gi;
                }
                {
                    float gi = g[i + 3];
                    acc3 += gi * gi;
                }
                {
                    float gi = g[i + 4];
                    acc4 += gi * gi;
                }
                {
                    float gi = g[i + 5];
                    acc5 += gi * gi;
                }
                {
                    float gi = g[i + 6];
                    acc6 += gi * gi;
                }
                {
                    float gi = g[i + 7];
                    acc7 += gi * gi;
                }
                {
                    float gi = g[i + 8];
                    acc8 += gi * gi;
                }
                {
                    float gi = g[i + 9];
                    acc9 += gi * gi;
                }
                {
                    float gi = g[i + 10];
                    acc10 += gi * gi;
                }
                {
                    float gi = g[i + 11];
                    acc11 += gi * gi;
                }
                {
                    float gi = g[i + 12];
                    acc12 += gi * gi;
                }
                {
                    float gi = g[i + 13];
                    acc13 += gi * gi;
                }
                {
                    float gi = g[i + 14];
                    acc14 += gi * gi;
                }
                {
                    float gi = g[i + 15];
                    acc15 += gi * gi;
                }
            }
            sum += ((((acc0 + acc8) + (acc4 + acc12)) + ((acc2 + acc10) + (acc6 + acc14))) + (((acc1 + acc9) + (acc5 + acc13)) + ((acc3 + acc11) + (acc7 + acc15))));
        }
        return sumOfSquaresTail(g, end, to, sum);
    }

    /** {@code sum} plus the float squares of {@code [from, to)}, one by one in element order. */
    static double sumOfSquaresTail(float[] g, int from, int to, double sum) {
        for (int i = from; i < to; i++) {
            float gi = g[i];
            sum += gi * gi;
        }
        return sum;
    }

    /**
     * The sum of squares in double, element by element: the fallback when a float square or lane
     * overflowed (|g| above about 1.8e19), which tells a huge finite gradient from an infinite one.
     */
    static double exactSumOfSquares(float[] g, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            double gi = g[i];
            sum += gi * gi;
        }
        return sum;
    }

    @Override
    public void apply(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to) {
        applyTail(c, p, g, m, v, from, to);
    }

    /** Pass two over {@code [from, to)}, element by element: this kernel's loop and every vector tail. */
    static void applyTail(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to) {
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

    @Override
    public void measure(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to,
                        double[] sums, int slot) {
        int end = from + ((to - from) & -LANES);
        if (c.ratio == TrustRatio.NONE) {
            // The finite check has no order to keep: the tail loop takes the whole range.
            sums[slot] = 0;
            sums[slot + 1] = 0;
            end = from;
        } else {
            measureRatioDirect(c, p, g, m, v, from, end, sums, slot, c.ratio == TrustRatio.MEAN_ABS);
        }
        measureTail(c, p, g, m, v, end, to, sums, slot);
    }

    private static void measureRatioDirect(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from,
                                         int end, double[] sums, int slot, boolean meanAbs) {
        double paramSum = 0;
        double stepSum = 0;
        // Blocks of the canonical order: an inner loop without a flush test runs faster on every kind.
        for (int b = from; b < end; b += BLOCK) {
            int blockEnd = Math.min(end, b + BLOCK);
            float accP0 = 0f;
            float accU0 = 0f;
            float accP1 = 0f;
            float accU1 = 0f;
            float accP2 = 0f;
            float accU2 = 0f;
            float accP3 = 0f;
            float accU3 = 0f;
            float accP4 = 0f;
            float accU4 = 0f;
            float accP5 = 0f;
            float accU5 = 0f;
            float accP6 = 0f;
            float accU6 = 0f;
            float accP7 = 0f;
            float accU7 = 0f;
            float accP8 = 0f;
            float accU8 = 0f;
            float accP9 = 0f;
            float accU9 = 0f;
            float accP10 = 0f;
            float accU10 = 0f;
            float accP11 = 0f;
            float accU11 = 0f;
            float accP12 = 0f;
            float accU12 = 0f;
            float accP13 = 0f;
            float accU13 = 0f;
            float accP14 = 0f;
            float accU14 = 0f;
            float accP15 = 0f;
            float accU15 = 0f;
            for (int i = b; i < blockEnd; i += LANES) {
                {
                    int k = i;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP0 += Math.abs(pi);
                        accU0 += Math.abs(u);
                    } else {
                        accP0 += pi * pi;
                        accU0 += u * u;
                    }
                }
                {
                    int k = i + 1;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP1 += Math.abs(pi);
                        accU1 += Math.abs(u);
                    } else {
                        accP1 += pi * pi;
                        accU1 += u * u;
                    }
                }
                {
                    int k = i + 2;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP2 += Math.abs(pi);
                        accU2 += Math.abs(u);
                    } else {
                        accP2 += pi * pi;
                        accU2 += u * u;
                    }
                }
                {
                    int k = i + 3;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP3 += Math.abs(pi);
                        accU3 += Math.abs(u);
                    } else {
                        accP3 += pi * pi;
                        accU3 += u * u;
                    }
                }
                {
                    int k = i + 4;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP4 += Math.abs(pi);
                        accU4 += Math.abs(u);
                    } else {
                        accP4 += pi * pi;
                        accU4 += u * u;
                    }
                }
                {
                    int k = i + 5;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP5 += Math.abs(pi);
                        accU5 += Math.abs(u);
                    } else {
                        accP5 += pi * pi;
                        accU5 += u * u;
                    }
                }
                {
                    int k = i + 6;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP6 += Math.abs(pi);
                        accU6 += Math.abs(u);
                    } else {
                        accP6 += pi * pi;
                        accU6 += u * u;
                    }
                }
                {
                    int k = i + 7;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP7 += Math.abs(pi);
                        accU7 += Math.abs(u);
                    } else {
                        accP7 += pi * pi;
                        accU7 += u * u;
                    }
                }
                {
                    int k = i + 8;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP8 += Math.abs(pi);
                        accU8 += Math.abs(u);
                    } else {
                        accP8 += pi * pi;
                        accU8 += u * u;
                    }
                }
                {
                    int k = i + 9;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP9 += Math.abs(pi);
                        accU9 += Math.abs(u);
                    } else {
                        accP9 += pi * pi;
                        accU9 += u * u;
                    }
                }
                {
                    int k = i + 10;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP10 += Math.abs(pi);
                        accU10 += Math.abs(u);
                    } else {
                        accP10 += pi * pi;
                        accU10 += u * u;
                    }
                }
                {
                    int k = i + 11;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP11 += Math.abs(pi);
                        accU11 += Math.abs(u);
                    } else {
                        accP11 += pi * pi;
                        accU11 += u * u;
                    }
                }
                {
                    int k = i + 12;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP12 += Math.abs(pi);
                        accU12 += Math.abs(u);
                    } else {
                        accP12 += pi * pi;
                        accU12 += u * u;
                    }
                }
                {
                    int k = i + 13;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP13 += Math.abs(pi);
                        accU13 += Math.abs(u);
                    } else {
                        accP13 += pi * pi;
                        accU13 += u * u;
                    }
                }
                {
                    int k = i + 14;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP14 += Math.abs(pi);
                        accU14 += Math.abs(u);
                    } else {
                        accP14 += pi * pi;
                        accU14 += u * u;
                    }
                }
                {
                    int k = i + 15;
                    float pi = p.getFloat(k << 2);
                    float gi = g.getFloat(k << 2) * c.gradScale + c.gradDecay * pi;
                    float mi = c.beta1 * m.getFloat(k << 2) + c.oneMinusBeta1 * gi;
                    float vi = c.beta2 * v.getFloat(k << 2) + c.oneMinusBeta2 * gi * gi;
                    float u = adamStep(c, mi, vi, pi);
                    if (meanAbs) {
                        accP15 += Math.abs(pi);
                        accU15 += Math.abs(u);
                    } else {
                        accP15 += pi * pi;
                        accU15 += u * u;
                    }
                }
            }
            paramSum += ((((accP0 + accP8) + (accP4 + accP12)) + ((accP2 + accP10) + (accP6 + accP14))) + (((accP1 + accP9) + (accP5 + accP13)) + ((accP3 + accP11) + (accP7 + accP15))));
            stepSum += ((((accU0 + accU8) + (accU4 + accU12)) + ((accU2 + accU10) + (accU6 + accU14))) + (((accU1 + accU9) + (accU5 + accU13)) + ((accU3 + accU11) + (accU7 + accU15))));
        }
        sums[slot] = paramSum;
        sums[slot + 1] = stepSum;
    }

    /**
     * Adds the elements {@code [from, to)} (fewer than 16 after a kernel's main loop) to the sums, one
     * by one in element order, each float summand widened to double.
     */
    static void measureTail(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to,
                            double[] sums, int slot) {
        if (from == to) {
            return;
        }
        double paramSum = sums[slot];
        double stepSum = sums[slot + 1];
        TrustRatio ratio = c.ratio;
        for (int i = from; i < to; i++) {
            float pi = p.getFloat(i << 2);
            float gi = g.getFloat(i << 2) * c.gradScale + c.gradDecay * pi;
            if (ratio == TrustRatio.NONE) {
                // Only the finiteness check: g*0 is NaN exactly when g is NaN or infinite.
                stepSum += gi * 0f;
                continue;
            }
            // Trust ratios are defined for Adam moments only (Rule enforces it).
            float mi = c.beta1 * m.getFloat(i << 2) + c.oneMinusBeta1 * gi;
            float vi = c.beta2 * v.getFloat(i << 2) + c.oneMinusBeta2 * gi * gi;
            float u = adamStep(c, mi, vi, pi);
            if (ratio == TrustRatio.MEAN_ABS) {
                paramSum += Math.abs(pi);
                stepSum += Math.abs(u);
            } else {
                paramSum += pi * pi;
                stepSum += u * u;
            }
        }
        sums[slot] = paramSum;
        sums[slot + 1] = stepSum;
    }

    @Override
    public double sumOfSquares(ByteBuffer g, int from, int to) {
        int end = from + ((to - from) & -LANES);
        double sum = 0;
        for (int b = from; b < end; b += BLOCK) {
            int blockEnd = Math.min(end, b + BLOCK);
            float acc0 = 0f;
            float acc1 = 0f;
            float acc2 = 0f;
            float acc3 = 0f;
            float acc4 = 0f;
            float acc5 = 0f;
            float acc6 = 0f;
            float acc7 = 0f;
            float acc8 = 0f;
            float acc9 = 0f;
            float acc10 = 0f;
            float acc11 = 0f;
            float acc12 = 0f;
            float acc13 = 0f;
            float acc14 = 0f;
            float acc15 = 0f;
            for (int i = b; i < blockEnd; i += LANES) {
                {
                    float gi = g.getFloat(i << 2);
                    acc0 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 1) << 2);
                    acc1 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 2) << 2);
                    acc2 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 3) << 2);
                    acc3 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 4) << 2);
                    acc4 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 5) << 2);
                    acc5 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 6) << 2);
                    acc6 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 7) << 2);
                    acc7 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 8) << 2);
                    acc8 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 9) << 2);
                    acc9 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 10) << 2);
                    acc10 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 11) << 2);
                    acc11 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 12) << 2);
                    acc12 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 13) << 2);
                    acc13 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 14) << 2);
                    acc14 += gi * gi;
                }
                {
                    float gi = g.getFloat((i + 15) << 2);
                    acc15 += gi * gi;
                }
            }
            sum += ((((acc0 + acc8) + (acc4 + acc12)) + ((acc2 + acc10) + (acc6 + acc14))) + (((acc1 + acc9) + (acc5 + acc13)) + ((acc3 + acc11) + (acc7 + acc15))));
        }
        return sumOfSquaresTail(g, end, to, sum);
    }

    /** {@code sum} plus the float squares of {@code [from, to)}, one by one in element order. */
    static double sumOfSquaresTail(ByteBuffer g, int from, int to, double sum) {
        for (int i = from; i < to; i++) {
            float gi = g.getFloat(i << 2);
            sum += gi * gi;
        }
        return sum;
    }

    /**
     * The sum of squares in double, element by element: the fallback when a float square or lane
     * overflowed (|g| above about 1.8e19), which tells a huge finite gradient from an infinite one.
     */
    static double exactSumOfSquares(ByteBuffer g, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            double gi = g.getFloat(i << 2);
            sum += gi * gi;
        }
        return sum;
    }

    @Override
    public void apply(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to) {
        applyTail(c, p, g, m, v, from, to);
    }

    /** Pass two over {@code [from, to)}, element by element: this kernel's loop and every vector tail. */
    static void applyTail(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to) {
        float scale = c.scale;
        float decay = c.decayFactor;
        if (c.moments == Moments.MOMENTUM) {
            for (int i = from; i < to; i++) {
                float pi = p.getFloat(i << 2);
                float mi = c.beta1 * m.getFloat(i << 2) + (g.getFloat(i << 2) * c.gradScale + c.gradDecay * pi);
                m.putFloat(i << 2, mi);
                p.putFloat(i << 2, pi * decay - scale * mi);
            }
            return;
        }
        for (int i = from; i < to; i++) {
            float pi = p.getFloat(i << 2);
            float gi = g.getFloat(i << 2) * c.gradScale + c.gradDecay * pi;
            float mi = c.beta1 * m.getFloat(i << 2) + c.oneMinusBeta1 * gi;
            float vi = c.beta2 * v.getFloat(i << 2) + c.oneMinusBeta2 * gi * gi;
            m.putFloat(i << 2, mi);
            v.putFloat(i << 2, vi);
            p.putFloat(i << 2, pi * decay - scale * adamStep(c, mi, vi, pi));
        }
    }
}
