package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pamadam.TestData;
import org.pamadam.rule.Decay;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * Every kernel width this CPU has, on both memory kinds, gives the same bits: sums, moments and
 * parameters. The sums are also checked against an independent statement of the canonical order
 * ({@link #canonical}), written here from {@link Kernel}'s documentation, not from the kernels.
 */
class KernelWidthsTest {
    private static final Rule[] RULES = {Rule.pamAdam().lr(0.01).weightDecay(0.1).build(),
        Rule.adam().weightDecay(0.01).build(), Rule.adamW().build(), Rule.lamb().weightDecay(0.05).build(),
        Rule.sgd().weightDecay(1e-3).build(), Rule.pamAdam().adapt(false).build(),
        // Combinations no preset makes but Rule allows: L2 decay under a trust ratio (the gradient's decay
        // term in the ratio loops), and decoupled decay with momentum (the decay factor in SGD's loop).
        new Rule("pamadam-l2", Moments.ADAM, Decay.L2_GRADIENT, TrustRatio.MEAN_ABS, 0.01, 0.9, 0.999, 1e-8, 0.1, true),
        new Rule("lamb-l2", Moments.ADAM, Decay.L2_GRADIENT, TrustRatio.L2_NORM, 0.01, 0.9, 0.999, 1e-6, 0.05, true),
        new Rule("sgdw", Moments.MOMENTUM, Decay.DECOUPLED, TrustRatio.NONE, 0.1, 0.9, 0.999, 0, 0.5, true)};

    /**
     * scalar, then every vector width up to this CPU's widest, then the widest again staging direct
     * buffers through heap blocks (what JDK 19 and later run, {@link StagingVectorKernel}).
     */
    static List<Kernel> kernels() {
        List<Kernel> out = new ArrayList<>();
        out.add(ScalarKernel.SCALAR);
        int widest = Kernels.widestBits();
        for (int bits = 128; bits <= widest; bits *= 2) {
            out.add(Kernels.named("vector-" + bits));
        }
        if (widest >= 128) {
            out.add(new StagingVectorKernel(Kernels.named("vector-" + widest)));
        }
        return out;
    }

    @Test
    void surefireRunsTheWidestVectorKernelAndEveryNarrowerOne() {
        // Surefire runs with --add-modules jdk.incubator.vector: the provider must pick the widest SIMD.
        int widest = Kernels.widestBits();
        assertTrue(widest >= 128, Kernels.describe());
        assertEquals("vector-" + widest, Kernels.get().name(), Kernels.describe());
        assertEquals("vector-" + widest, Kernels.named("vector").name());
        assertTrue(kernels().size() >= 2);
    }

    @Test
    void aWidthTheCpuLacksIsRefusedNamingTheWidest() {
        int widest = Kernels.widestBits();
        if (widest < 512) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Kernels.named("vector-" + widest * 2));
            assertTrue(e.getMessage().contains("widest vector is " + widest + " bits"), e.getMessage());
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> Kernels.named("avx"));
        assertTrue(bad.getMessage().contains("expected scalar, vector, vector-128"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Optimizer.builder().kernel("vector-1024"));
    }

    @Test
    void everyWidthAndMemoryKindGivesTheSameBitsForEveryTailLength() {
        SplittableRandom rnd = new SplittableRandom(7);
        List<Kernel> kernels = kernels();
        for (Rule rule : RULES) {
            // Every tail length 1..33 beyond a multiple of 16, at two offsets into the arrays.
            for (int n = 0; n <= 16 * 3 + 33; n++) {
                compare(rule, n, n % 5, rnd, kernels);
            }
            // Ranges spanning several lane blocks, with and without a tail.
            compare(rule, 3 * Kernel.BLOCK, 16, rnd, kernels);
            compare(rule, 5000, 3, rnd, kernels);
            compare(rule, Optimizer.CHUNK, 0, rnd, kernels);
        }
    }

    private static void compare(Rule rule, int n, int from, SplittableRandom rnd, List<Kernel> kernels) {
        int total = n + from + 5;
        float[] p = TestData.gaussian(rnd, total, 1);
        float[] g = TestData.gaussian(rnd, total, 0.1);
        float[] m = TestData.gaussian(rnd, total, 0.01);
        float[] v = new float[total];
        for (int i = 0; i < total; i++) {
            v[i] = Math.abs(TestData.gaussian(rnd, 1, 1e-3)[0]);
        }
        Coefficients c = new Coefficients().prepare(rule, 3);
        c.gradScale = 0.75f;
        String where = rule.name() + " n=" + n + " from=" + from;
        double[] want = canonical(c, p, g, m, v, from, from + n);
        double wantSquares = canonicalSquares(g, from, from + n);
        float[][] wantApplied = null;
        for (Kernel k : kernels) {
            // Heap, direct, and direct with a read-only gradient (another buffer class, which step()
            // accepts: the optimizer only reads it).
            for (int mode = 0; mode < 3; mode++) {
                boolean direct = mode > 0;
                String at = where + " " + k.name() + (direct ? (mode == 2 ? " direct, read-only gradient" : " direct")
                        : " heap");
                double[] sums = new double[3];
                float[] p1 = p.clone();
                float[] m1 = m.clone();
                float[] v1 = v.clone();
                c.scale = 0.0123f;
                if (direct) {
                    ByteBuffer pb = TestData.direct(p, 0);
                    ByteBuffer gb = TestData.direct(g, 0);
                    if (mode == 2) {
                        gb = gb.asReadOnlyBuffer().order(java.nio.ByteOrder.nativeOrder());
                    }
                    ByteBuffer mb = TestData.direct(m, 0);
                    ByteBuffer vb = TestData.direct(v, 0);
                    k.measure(c, pb, gb, mb, vb, from, from + n, sums, 1);
                    assertEquals(wantSquares, k.sumOfSquares(gb, from, from + n), at + " sum of squares");
                    k.apply(c, pb, gb, mb, vb, from, from + n);
                    p1 = TestData.floats(pb, 0, total);
                    m1 = TestData.floats(mb, 0, total);
                    v1 = TestData.floats(vb, 0, total);
                } else {
                    k.measure(c, p, g, m, v, from, from + n, sums, 1);
                    assertEquals(wantSquares, k.sumOfSquares(g, from, from + n), at + " sum of squares");
                    k.apply(c, p1, g, m1, v1, from, from + n);
                }
                assertEquals(0.0, sums[0], at + ": measure wrote outside its slot");
                assertEquals(want[0], sums[1], at + " param sum");
                assertEquals(want[1], sums[2], at + " step sum");
                if (wantApplied == null) {
                    wantApplied = new float[][] {p1, m1, v1};
                }
                assertArrayEquals(wantApplied[0], p1, at + " p");
                assertArrayEquals(wantApplied[1], m1, at + " m");
                assertArrayEquals(wantApplied[2], v1, at + " v");
            }
        }
    }

    /**
     * The canonical order as {@link Kernel} documents it: element k of the main part into float lane
     * k mod 16, the lanes folded and added to the double after every BLOCK elements and at the end of
     * the main part, then the tail element by element. The step is Adam's formula in float operations.
     */
    static double[] canonical(Coefficients c, float[] p, float[] g, float[] m, float[] v, int from, int to) {
        if (c.ratio == TrustRatio.NONE) {
            return new double[] {0, 0};
        }
        float[] summandP = new float[to - from];
        float[] summandU = new float[to - from];
        for (int i = from; i < to; i++) {
            float gi = g[i] * c.gradScale + c.gradDecay * p[i];
            float mi = c.beta1 * m[i] + c.oneMinusBeta1 * gi;
            float vi = c.beta2 * v[i] + c.oneMinusBeta2 * gi * gi;
            float u = (mi / c.biasCorrection1) / ((float) Math.sqrt(vi / c.biasCorrection2) + c.eps) + c.stepDecay * p[i];
            boolean abs = c.ratio == TrustRatio.MEAN_ABS;
            summandP[i - from] = abs ? Math.abs(p[i]) : p[i] * p[i];
            summandU[i - from] = abs ? Math.abs(u) : u * u;
        }
        return new double[] {order(summandP), order(summandU)};
    }

    static double canonicalSquares(float[] g, int from, int to) {
        float[] s = new float[to - from];
        for (int i = from; i < to; i++) {
            s[i - from] = g[i] * g[i];
        }
        return order(s);
    }

    private static double order(float[] x) {
        int main = x.length / 16 * 16;
        float[] lanes = new float[16];
        double sum = 0;
        for (int k = 0; k < main; k++) {
            lanes[k % 16] += x[k];
            if ((k + 1) % Kernel.BLOCK == 0 || k + 1 == main) {
                // Fold: lane j plus lane j + half, for half 8, 4, 2, 1; lane 0 holds the block's total.
                for (int half = 8; half >= 1; half /= 2) {
                    for (int j = 0; j < half; j++) {
                        lanes[j] += lanes[j + half];
                    }
                }
                sum += lanes[0];
                java.util.Arrays.fill(lanes, 0f);
            }
        }
        for (int k = main; k < x.length; k++) {
            sum += x[k];
        }
        return sum;
    }

    @Test
    void everyKernelIsNamedByTheNameThatSelectsIt() {
        assertEquals("scalar", Kernels.named("scalar").name());
        for (int bits = 128; bits <= Kernels.widestBits(); bits *= 2) {
            assertEquals("vector-" + bits, Kernels.named("vector-" + bits).name());
            try (Optimizer opt = Optimizer.builder().kernel("vector-" + bits)
                    .group(Rule.adam().build(), List.of(Param.of("w", new float[1]))).build()) {
                assertEquals("vector-" + bits, opt.kernelName());
            }
        }
        assertEquals("scalar", new TensorStep("scalar").kernelName());
        // the JVM's default: the widest kernel, then why
        assertTrue(Optimizer.defaultKernel().startsWith("vector-" + Kernels.widestBits() + " ("),
                Optimizer.defaultKernel());
        assertTrue(Optimizer.defaultKernel().endsWith(")"), Optimizer.defaultKernel());
        List<String> all = new ArrayList<>(List.of("scalar"));
        for (int bits = 128; bits <= Kernels.widestBits(); bits *= 2) {
            all.add("vector-" + bits);
        }
        assertEquals(all, Optimizer.availableKernels());
    }

    /**
     * A NaN or infinite gradient anywhere in the range, in the vector part as in the tail, makes the
     * measured sums non-finite on every kernel and memory kind, for rules with and without a trust
     * ratio; finite gradients give finite sums.
     */
    @Test
    void aNonFiniteGradientAnywhereMakesTheSumsNonFinite() {
        List<Kernel> kernels = kernels();
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 70;
        for (Rule rule : new Rule[] {Rule.adam().build(), Rule.sgd().build(), Rule.pamAdam().build()}) {
            Coefficients c = new Coefficients().prepare(rule, 1);
            for (int bad : new int[] {0, 5, 37, 65}) {
                for (float value : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
                    float[] p = TestData.gaussian(rnd, n, 1);
                    float[] g = TestData.gaussian(rnd, n, 0.1);
                    float[] m = new float[n];
                    float[] v = new float[n];
                    for (Kernel k : kernels) {
                        String at = rule.name() + " " + k.name() + " g[" + bad + "] = " + value;
                        double[] sums = new double[2];
                        g[bad] = 0.5f;
                        k.measure(c, p, g, m, v, 0, n, sums, 0);
                        assertTrue(Double.isFinite(sums[0]) && Double.isFinite(sums[1]), at + " (finite)");
                        g[bad] = value;
                        k.measure(c, p, g, m, v, 0, n, sums, 0);
                        assertTrue(!Double.isFinite(sums[0] + sums[1]), at + " heap");
                        double[] direct = new double[2];
                        k.measure(c, TestData.direct(p, 0), TestData.direct(g, 0), TestData.direct(m, 0),
                                TestData.direct(v, 0), 0, n, direct, 0);
                        assertTrue(!Double.isFinite(direct[0] + direct[1]), at + " direct");
                    }
                }
            }
        }
    }

    @Test
    void optimizerGivesTheSameBitsOnEveryKernelThreadCountAndMemoryKind() {
        // Chunk-spanning tensors, every tail length 1..33, and tiny ones sharing a task.
        List<Integer> sizes = new ArrayList<>(List.of(100_003, 2 * Optimizer.CHUNK, Optimizer.CHUNK + 17, 1, 0));
        for (int t = 1; t <= 33; t++) {
            sizes.add(16 * (t % 4) + t);
        }
        for (Rule rule : new Rule[] {Rule.pamAdam().lr(0.01).weightDecay(0.01).maxRatio(3).build(),
            Rule.lamb().weightDecay(0.01).build(), Rule.sgd().build()}) {
            java.util.Map<Double, Result> want = new java.util.HashMap<>();
            for (Kernel k : kernels()) {
                for (boolean direct : new boolean[] {false, true}) {
                    for (int threads : new int[] {1, 3}) {
                        for (double clip : new double[] {Double.POSITIVE_INFINITY, 0.5}) {
                            Result got = run(rule, sizes, k, direct, threads, clip);
                            String at = rule.name() + " " + k.name() + (direct ? " direct" : " heap") + " threads "
                                    + threads + " clip " + clip;
                            Result first = want.putIfAbsent(clip, got);
                            if (first != null) {
                                got.assertSame(first, at);
                            }
                        }
                    }
                }
            }
        }
    }

    private static final class Result {
        final double clip;
        final List<float[]> values = new ArrayList<>();
        final List<Double> ratios = new ArrayList<>();
        OptimizerState state;

        Result(double clip) {
            this.clip = clip;
        }

        void assertSame(Result want, String at) {
            for (int i = 0; i < values.size(); i++) {
                assertArrayEquals(want.values.get(i), values.get(i), at + " tensor " + i);
                assertEquals(want.ratios.get(i), ratios.get(i), at + " ratio " + i);
                assertArrayEquals(want.state.groups().get(0).tensors().get(i).m(),
                        state.groups().get(0).tensors().get(i).m(), at + " m " + i);
            }
        }
    }

    private static Result run(Rule rule, List<Integer> sizes, Kernel kernel, boolean direct, int threads, double clip) {
        SplittableRandom rnd = new SplittableRandom(5);
        List<Param> ps = new ArrayList<>();
        List<ByteBuffer> memory = new ArrayList<>();
        for (int i = 0; i < sizes.size(); i++) {
            float[] init = TestData.gaussian(rnd, sizes.get(i), 0.2);
            if (direct) {
                ByteBuffer b = TestData.direct(init, 3);
                memory.add(b);
                ps.add(Param.ofBuffer("t" + i, new int[] {init.length}, b, 3));
            } else {
                ps.add(Param.of("t" + i, init));
            }
        }
        Result out = new Result(clip);
        try (Optimizer opt = Optimizer.builder().group(rule, ps).kernel(kernel).threads(threads).maxGradNorm(clip)
                .build()) {
            List<ByteBuffer> grads = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                for (int i = 0; i < ps.size(); i++) {
                    float[] g = TestData.gaussian(rnd, sizes.get(i), 0.05);
                    if (direct) {
                        ByteBuffer gb = TestData.direct(g, 1);
                        grads.add(gb);
                        ps.get(i).setGrad(gb, 1);
                    } else {
                        ps.get(i).setGrad(g);
                    }
                }
                opt.step();
            }
            for (int i = 0; i < ps.size(); i++) {
                Param p = ps.get(i);
                out.values.add(direct ? TestData.floats(p.buffer(), 0, p.size()) : p.data().clone());
                out.ratios.add(opt.lastRatio(p.name()));
            }
            out.state = opt.state();
        }
        return out;
    }
}
