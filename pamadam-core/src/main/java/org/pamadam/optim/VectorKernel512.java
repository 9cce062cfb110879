// GENERATED from src/main/templates/VectorKernel.java.template by KernelGenerator (src/test):
// do not edit; edit the template and run tools/generate-kernels.
package org.pamadam.optim;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.pamadam.rule.Moments;
import org.pamadam.rule.TrustRatio;

/**
 * SIMD loops over 512-bit vectors (16 floats), one loop per memory kind ({@code float[]} and direct
 * {@link ByteBuffer}). Loaded only through {@link Kernels}, which falls back to {@link ScalarKernel}
 * when {@code jdk.incubator.vector} is absent.
 *
 * <p>Element maths use the same float operations in the same order as {@link ScalarKernel} (no FMA),
 * and every sum follows {@link Kernel}'s canonical order: the 16 lanes of that order are 1
 * accumulator vector(s) of 16 lanes here, folded as that order says. So parameters, moments
 * and sums are bit-identical to every other kernel's. The tail of a range (fewer than 16 elements)
 * runs {@link ScalarKernel}'s tail loops.
 *
 * <p>Every loop takes one vector per iteration. On JDK 17 with a whole 16-element group per iteration,
 * C2 kept the vectors of the 128- and 256-bit loops in heap boxes in many JVMs limited to AVX2
 * (megabytes and 2.5 to 3.5 times the time per step, for the JVM's life:
 * {@code docs/benchmarks/kernel-views/boxing/one-vector/}). Register accumulators add the vector
 * into the first one and then shift by one, so that element k still lands in lane k mod 16. Off-heap,
 * C2 boxed shifted register accumulators too, so there the measuring pass keeps its 16 lanes per
 * accumulator in a per-thread scratch array ({@link AccumulatorLanes}), lane (k - b) mod 16 for
 * element k of the block that starts at b.
 */
final class VectorKernel512 implements Kernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_512;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    @Override
    public String name() {
        return "vector-512";
    }

    @Override
    public void measure(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to,
                        double[] sums, int slot) {
        int end = from + ((to - from) & -LANES);
        // One method per mode, each with its own loop: C2 compiles each against its own profile.
        if (c.ratio == TrustRatio.NONE) {
            checkFiniteHeap(c, p, g, from, end, sums, slot);
        } else {
            measureRatioHeap(c, p, g, m, v, from, end, sums, slot, c.ratio == TrustRatio.MEAN_ABS);
        }
        ScalarKernel.measureTail(c, p, g, m, v, end, to, sums, slot);
    }

    /** No ratio: only g*0 summed, which is NaN exactly when some gradient is NaN or infinite. */
    private static void checkFiniteHeap(Coefficients c, float[] p, float[] g, int from, int end, double[] sums,
                                        int slot) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = from; i < end; i += S.length()) {
            FloatVector pv = FloatVector.fromArray(S, p, i);
            acc = acc.add(FloatVector.fromArray(S, g, i).mul(c.gradScale).add(pv.mul(c.gradDecay)).mul(0f));
        }
        // The lanes hold +0 or NaN: their order cannot change the result.
        sums[slot] = 0;
        sums[slot + 1] = acc.reduceLanes(VectorOperators.ADD);
    }

    private static void measureRatioHeap(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from,
                                         int end, double[] sums, int slot, boolean meanAbs) {
        // Constants in locals: a store through a ByteBuffer may alias any field as far as C2 knows, so
        // fields read in the loop would be read again after every store.
        float gradScale = c.gradScale;
        float gradDecay = c.gradDecay;
        float beta1 = c.beta1;
        float oneMinusBeta1 = c.oneMinusBeta1;
        float beta2 = c.beta2;
        float oneMinusBeta2 = c.oneMinusBeta2;
        float biasCorrection1 = c.biasCorrection1;
        float biasCorrection2 = c.biasCorrection2;
        float eps = c.eps;
        float stepDecay = c.stepDecay;
        double paramSum = 0;
        double stepSum = 0;
        // Blocks of the canonical order: an inner loop without a flush test runs faster on every kind.
        for (int b = from; b < end; b += BLOCK) {
            int blockEnd = Math.min(end, b + BLOCK);
            FloatVector accP0 = FloatVector.zero(S);
            FloatVector accU0 = FloatVector.zero(S);
            for (int i = b; i < blockEnd; i += 16) {
                {
                    int k = i;
                    FloatVector pv = FloatVector.fromArray(S, p, k);
                    FloatVector gv = FloatVector.fromArray(S, g, k).mul(gradScale).add(pv.mul(gradDecay));
                    FloatVector mv = FloatVector.fromArray(S, m, k).mul(beta1).add(gv.mul(oneMinusBeta1));
                    FloatVector vv = FloatVector.fromArray(S, v, k).mul(beta2).add(gv.mul(oneMinusBeta2).mul(gv));
                    // Written out, not a helper method: a helper taking vectors is not always inlined by
                    // C2, and then every vector is boxed on the heap.
                    FloatVector u = mv.div(biasCorrection1)
                            .div(vv.div(biasCorrection2).lanewise(VectorOperators.SQRT).add(eps))
                            .add(pv.mul(stepDecay));
                    if (meanAbs) {
                        accP0 = accP0.add(pv.abs());
                        accU0 = accU0.add(u.abs());
                    } else {
                        accP0 = accP0.add(pv.mul(pv));
                        accU0 = accU0.add(u.mul(u));
                    }
                }
            }
            {
                FloatVector f = accP0;
                f = f.add(f.slice(8));
                f = f.add(f.slice(4));
                f = f.add(f.slice(2));
                f = f.add(f.slice(1));
                paramSum += f.lane(0);
            }
            {
                FloatVector f = accU0;
                f = f.add(f.slice(8));
                f = f.add(f.slice(4));
                f = f.add(f.slice(2));
                f = f.add(f.slice(1));
                stepSum += f.lane(0);
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
            FloatVector acc0 = FloatVector.zero(S);
            for (int i = b; i < blockEnd; i += 16) {
                {
                    FloatVector gv = FloatVector.fromArray(S, g, i);
                    acc0 = acc0.add(gv.mul(gv));
                }
            }
            {
                FloatVector f = acc0;
                f = f.add(f.slice(8));
                f = f.add(f.slice(4));
                f = f.add(f.slice(2));
                f = f.add(f.slice(1));
                sum += f.lane(0);
            }
        }
        return ScalarKernel.sumOfSquaresTail(g, end, to, sum);
    }

    @Override
    public void apply(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to) {
        int end = from + ((to - from) & -LANES);
        if (c.moments == Moments.MOMENTUM) {
            applyMomentumHeap(c, p, g, m, from, end);
        } else {
            applyAdamHeap(c, p, g, m, v, from, end);
        }
        ScalarKernel.applyTail(c, p, g, m, v, end, to);
    }

    private static void applyMomentumHeap(Coefficients c, float[] p, float[] g, float[] m, int from, int end) {
        float gradScale = c.gradScale;
        float gradDecay = c.gradDecay;
        float beta1 = c.beta1;
        float decayFactor = c.decayFactor;
        float scale = c.scale;
        for (int i = from; i < end; i += 16) {
            {
                int k = i;
                FloatVector pv = FloatVector.fromArray(S, p, k);
                FloatVector gv = FloatVector.fromArray(S, g, k).mul(gradScale).add(pv.mul(gradDecay));
                FloatVector mv = FloatVector.fromArray(S, m, k).mul(beta1).add(gv);
                mv.intoArray(m, k);
                pv.mul(decayFactor).sub(mv.mul(scale)).intoArray(p, k);
            }
        }
    }

    private static void applyAdamHeap(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from,
                                      int end) {
        // Constants in locals: a store through a ByteBuffer may alias any field as far as C2 knows, so
        // fields read in the loop would be read again after every store.
        float gradScale = c.gradScale;
        float gradDecay = c.gradDecay;
        float beta1 = c.beta1;
        float oneMinusBeta1 = c.oneMinusBeta1;
        float beta2 = c.beta2;
        float oneMinusBeta2 = c.oneMinusBeta2;
        float biasCorrection1 = c.biasCorrection1;
        float biasCorrection2 = c.biasCorrection2;
        float eps = c.eps;
        float stepDecay = c.stepDecay;
        float decayFactor = c.decayFactor;
        float scale = c.scale;
        for (int i = from; i < end; i += 16) {
            {
                int k = i;
                FloatVector pv = FloatVector.fromArray(S, p, k);
                FloatVector gv = FloatVector.fromArray(S, g, k).mul(gradScale).add(pv.mul(gradDecay));
                FloatVector mv = FloatVector.fromArray(S, m, k).mul(beta1).add(gv.mul(oneMinusBeta1));
                FloatVector vv = FloatVector.fromArray(S, v, k).mul(beta2).add(gv.mul(oneMinusBeta2).mul(gv));
                mv.intoArray(m, k);
                vv.intoArray(v, k);
                FloatVector u = mv.div(biasCorrection1)
                        .div(vv.div(biasCorrection2).lanewise(VectorOperators.SQRT).add(eps))
                        .add(pv.mul(stepDecay));
                pv.mul(decayFactor).sub(u.mul(scale)).intoArray(p, k);
            }
        }
    }

    @Override
    public void measure(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to,
                        double[] sums, int slot) {
        int end = from + ((to - from) & -LANES);
        // One method per mode, each with its own loop: C2 compiles each against its own profile.
        if (c.ratio == TrustRatio.NONE) {
            checkFiniteDirect(c, p, g, from, end, sums, slot);
        } else {
            measureRatioDirect(c, p, g, m, v, from, end, sums, slot, c.ratio == TrustRatio.MEAN_ABS);
        }
        ScalarKernel.measureTail(c, p, g, m, v, end, to, sums, slot);
    }

    /** No ratio: only g*0 summed, which is NaN exactly when some gradient is NaN or infinite. */
    private static void checkFiniteDirect(Coefficients c, ByteBuffer p, ByteBuffer g, int from, int end, double[] sums,
                                        int slot) {
        FloatVector acc = FloatVector.zero(S);
        for (int i = from; i < end; i += S.length()) {
            FloatVector pv = FloatVector.fromByteBuffer(S, p, i << 2, NATIVE);
            acc = acc.add(FloatVector.fromByteBuffer(S, g, i << 2, NATIVE).mul(c.gradScale).add(pv.mul(c.gradDecay)).mul(0f));
        }
        // The lanes hold +0 or NaN: their order cannot change the result.
        sums[slot] = 0;
        sums[slot + 1] = acc.reduceLanes(VectorOperators.ADD);
    }

    private static void measureRatioDirect(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from,
                                         int end, double[] sums, int slot, boolean meanAbs) {
        // Constants in locals: a store through a ByteBuffer may alias any field as far as C2 knows, so
        // fields read in the loop would be read again after every store.
        float gradScale = c.gradScale;
        float gradDecay = c.gradDecay;
        float beta1 = c.beta1;
        float oneMinusBeta1 = c.oneMinusBeta1;
        float beta2 = c.beta2;
        float oneMinusBeta2 = c.oneMinusBeta2;
        float biasCorrection1 = c.biasCorrection1;
        float biasCorrection2 = c.biasCorrection2;
        float eps = c.eps;
        float stepDecay = c.stepDecay;
        double paramSum = 0;
        double stepSum = 0;
        // Blocks of the canonical order: an inner loop without a flush test runs faster on every kind.
        for (int b = from; b < end; b += BLOCK) {
            int blockEnd = Math.min(end, b + BLOCK);
            FloatVector accP0 = FloatVector.zero(S);
            FloatVector accU0 = FloatVector.zero(S);
            for (int i = b; i < blockEnd; i += 16) {
                {
                    int k = i;
                    FloatVector pv = FloatVector.fromByteBuffer(S, p, k << 2, NATIVE);
                    FloatVector gv = FloatVector.fromByteBuffer(S, g, k << 2, NATIVE).mul(gradScale).add(pv.mul(gradDecay));
                    FloatVector mv = FloatVector.fromByteBuffer(S, m, k << 2, NATIVE).mul(beta1).add(gv.mul(oneMinusBeta1));
                    FloatVector vv = FloatVector.fromByteBuffer(S, v, k << 2, NATIVE).mul(beta2).add(gv.mul(oneMinusBeta2).mul(gv));
                    // Written out, not a helper method: a helper taking vectors is not always inlined by
                    // C2, and then every vector is boxed on the heap.
                    FloatVector u = mv.div(biasCorrection1)
                            .div(vv.div(biasCorrection2).lanewise(VectorOperators.SQRT).add(eps))
                            .add(pv.mul(stepDecay));
                    if (meanAbs) {
                        accP0 = accP0.add(pv.abs());
                        accU0 = accU0.add(u.abs());
                    } else {
                        accP0 = accP0.add(pv.mul(pv));
                        accU0 = accU0.add(u.mul(u));
                    }
                }
            }
            {
                FloatVector f = accP0;
                f = f.add(f.slice(8));
                f = f.add(f.slice(4));
                f = f.add(f.slice(2));
                f = f.add(f.slice(1));
                paramSum += f.lane(0);
            }
            {
                FloatVector f = accU0;
                f = f.add(f.slice(8));
                f = f.add(f.slice(4));
                f = f.add(f.slice(2));
                f = f.add(f.slice(1));
                stepSum += f.lane(0);
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
            FloatVector acc0 = FloatVector.zero(S);
            for (int i = b; i < blockEnd; i += 16) {
                {
                    FloatVector gv = FloatVector.fromByteBuffer(S, g, i << 2, NATIVE);
                    acc0 = acc0.add(gv.mul(gv));
                }
            }
            {
                FloatVector f = acc0;
                f = f.add(f.slice(8));
                f = f.add(f.slice(4));
                f = f.add(f.slice(2));
                f = f.add(f.slice(1));
                sum += f.lane(0);
            }
        }
        return ScalarKernel.sumOfSquaresTail(g, end, to, sum);
    }

    @Override
    public void apply(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from, int to) {
        int end = from + ((to - from) & -LANES);
        if (c.moments == Moments.MOMENTUM) {
            applyMomentumDirect(c, p, g, m, from, end);
        } else {
            applyAdamDirect(c, p, g, m, v, from, end);
        }
        ScalarKernel.applyTail(c, p, g, m, v, end, to);
    }

    private static void applyMomentumDirect(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, int from, int end) {
        float gradScale = c.gradScale;
        float gradDecay = c.gradDecay;
        float beta1 = c.beta1;
        float decayFactor = c.decayFactor;
        float scale = c.scale;
        for (int i = from; i < end; i += 16) {
            {
                int k = i;
                FloatVector pv = FloatVector.fromByteBuffer(S, p, k << 2, NATIVE);
                FloatVector gv = FloatVector.fromByteBuffer(S, g, k << 2, NATIVE).mul(gradScale).add(pv.mul(gradDecay));
                FloatVector mv = FloatVector.fromByteBuffer(S, m, k << 2, NATIVE).mul(beta1).add(gv);
                mv.intoByteBuffer(m, k << 2, NATIVE);
                pv.mul(decayFactor).sub(mv.mul(scale)).intoByteBuffer(p, k << 2, NATIVE);
            }
        }
    }

    private static void applyAdamDirect(Coefficients c, ByteBuffer p, ByteBuffer g, ByteBuffer m, ByteBuffer v, int from,
                                      int end) {
        // Constants in locals: a store through a ByteBuffer may alias any field as far as C2 knows, so
        // fields read in the loop would be read again after every store.
        float gradScale = c.gradScale;
        float gradDecay = c.gradDecay;
        float beta1 = c.beta1;
        float oneMinusBeta1 = c.oneMinusBeta1;
        float beta2 = c.beta2;
        float oneMinusBeta2 = c.oneMinusBeta2;
        float biasCorrection1 = c.biasCorrection1;
        float biasCorrection2 = c.biasCorrection2;
        float eps = c.eps;
        float stepDecay = c.stepDecay;
        float decayFactor = c.decayFactor;
        float scale = c.scale;
        for (int i = from; i < end; i += 16) {
            {
                int k = i;
                FloatVector pv = FloatVector.fromByteBuffer(S, p, k << 2, NATIVE);
                FloatVector gv = FloatVector.fromByteBuffer(S, g, k << 2, NATIVE).mul(gradScale).add(pv.mul(gradDecay));
                FloatVector mv = FloatVector.fromByteBuffer(S, m, k << 2, NATIVE).mul(beta1).add(gv.mul(oneMinusBeta1));
                FloatVector vv = FloatVector.fromByteBuffer(S, v, k << 2, NATIVE).mul(beta2).add(gv.mul(oneMinusBeta2).mul(gv));
                mv.intoByteBuffer(m, k << 2, NATIVE);
                vv.intoByteBuffer(v, k << 2, NATIVE);
                FloatVector u = mv.div(biasCorrection1)
                        .div(vv.div(biasCorrection2).lanewise(VectorOperators.SQRT).add(eps))
                        .add(pv.mul(stepDecay));
                pv.mul(decayFactor).sub(u.mul(scale)).intoByteBuffer(p, k << 2, NATIVE);
            }
        }
    }
}
