package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pamadam.DoubleReference;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/**
 * Global-norm clipping against the double-precision reference given the torch formula
 * ({@code g * min(1, max / (||all g||_2 + 1e-6))}), on every path: fused with 1, 2 and 4 threads on
 * both kernels, and the reference path.
 */
class ClippingTest {
    /** Shapes: one tensor spans three chunks, so the norm is summed over several chunk slots. */
    private static final int[] SIZES = {2 * Optimizer.CHUNK + 1000, 300, 17, 1};
    private static final String[] NAMES = {"big", "mid", "small", "scalar"};

    private static List<Param> model(SplittableRandom rnd) {
        List<Param> ps = new ArrayList<>();
        for (int i = 0; i < SIZES.length; i++) {
            ps.add(Param.of(NAMES[i], TestData.gaussian(rnd, SIZES[i], 0.3)));
        }
        return ps;
    }

    static Stream<Arguments> paths() throws Exception {
        Kernel vector = Kernels.named("vector");
        List<Arguments> out = new ArrayList<>();
        for (String kind : new String[] {"pamadam", "adam", "lamb"}) {
            out.add(Arguments.of(kind, ScalarKernel.SCALAR, 1, true));
            out.add(Arguments.of(kind, vector, 2, true));
            out.add(Arguments.of(kind, vector, 4, true));
            out.add(Arguments.of(kind, ScalarKernel.SCALAR, 1, false));
        }
        return out.stream();
    }

    private static Rule rule(String kind) {
        switch (kind) {
            case "adam": return Rule.adam().lr(1e-2).weightDecay(0.1).build();
            case "lamb": return Rule.lamb().lr(1e-2).weightDecay(0.01).build();
            default: return Rule.pamAdam().lr(1e-2).weightDecay(0.01).build();
        }
    }

    @ParameterizedTest(name = "{0} {1} threads={2} fused={3}")
    @MethodSource("paths")
    void clippedStepsFollowTheDoubleReference(String kind, Kernel kernel, int threads, boolean fused) {
        SplittableRandom rnd = new SplittableRandom(5);
        List<Param> ps = model(rnd);
        Rule rule = rule(kind);
        DoubleReference[] ref = new DoubleReference[ps.size()];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = new DoubleReference(kind, rule.lr(), rule.beta1(), rule.beta2(), rule.eps(), rule.weightDecay(),
                    true, ps.get(i).data());
        }
        double maxNorm = 5.0;
        int clipped = 0;
        try (Optimizer opt = Optimizer.builder().group(rule, ps).maxGradNorm(maxNorm).kernel(kernel)
                .threads(threads).fused(fused).build()) {
            for (int step = 0; step < 8; step++) {
                // Gradient scale varies so that some steps clip and some do not; "mid" is skipped on
                // step 3, so the norm covers only the gradients of that step.
                double scale = step % 2 == 0 ? 0.05 : 0.005;
                float[][] grads = new float[ps.size()][];
                for (int i = 0; i < ps.size(); i++) {
                    grads[i] = step == 3 && i == 1 ? null : TestData.gaussian(rnd, SIZES[i], scale);
                    ps.get(i).setGrad(grads[i]);
                }
                float[][] copies = new float[grads.length][];
                for (int i = 0; i < grads.length; i++) {
                    copies[i] = grads[i] == null ? null : grads[i].clone();
                }
                double norm = DoubleReference.norm(grads);
                double gradScale = DoubleReference.clipScale(maxNorm, grads);
                clipped += gradScale < 1 ? 1 : 0;
                opt.step();
                for (int i = 0; i < ps.size(); i++) {
                    if (grads[i] != null) {
                        ref[i].step(grads[i], gradScale);
                    }
                    assertArrayEquals(copies[i], grads[i], "clipping must not write the gradient");
                }
                assertEquals(norm, opt.lastGradNorm(), 1e-6 * norm, "step " + step + " global norm");
                for (int i = 0; i < ps.size(); i++) {
                    double err = ref[i].relativeError(ps.get(i).data());
                    assertTrue(err <= 1e-5, "step " + step + " " + NAMES[i] + ": error " + err);
                    if (grads[i] != null && kind.equals("pamadam")) {
                        assertEquals(ref[i].lastRatio, opt.lastRatio(NAMES[i]), 1e-4 * ref[i].lastRatio,
                                "step " + step + " " + NAMES[i] + " ratio");
                    }
                }
            }
        }
        assertTrue(clipped >= 3 && clipped <= 5, "clipping bit in " + clipped + " of 8 steps");
    }

    @Test
    void aBoundThatNeverBitesLeavesTheStepBitIdentical() {
        SplittableRandom rnd = new SplittableRandom(8);
        List<Param> a = model(rnd);
        List<Param> b = new ArrayList<>();
        for (Param p : a) {
            b.add(Param.of(p.name(), p.data().clone()));
        }
        try (Optimizer plain = Optimizer.builder().group(Rule.pamAdam().build(), a).threads(2).build();
             Optimizer clip = Optimizer.builder().group(Rule.pamAdam().build(), b).threads(2)
                     .maxGradNorm(1e6).build()) {
            for (int step = 0; step < 3; step++) {
                for (int i = 0; i < a.size(); i++) {
                    float[] g = TestData.gaussian(rnd, SIZES[i], 1);
                    a.get(i).setGrad(g);
                    b.get(i).setGrad(g);
                }
                plain.step();
                clip.step();
            }
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.get(i).data(), b.get(i).data(), NAMES[i]);
            }
            assertTrue(clip.lastGradNorm() > 1, "the norm is reported");
            assertTrue(Double.isNaN(plain.lastGradNorm()), "no norm without clipping");
        }
    }

    @Test
    void theResultDoesNotDependOnTheThreadCount() {
        float[][] finals = null;
        for (int threads : new int[] {1, 2, 3, 4}) {
            SplittableRandom rnd = new SplittableRandom(21);
            List<Param> ps = model(rnd);
            try (Optimizer opt = Optimizer.builder().group(Rule.lamb().build(), ps).threads(threads)
                    .maxGradNorm(1.0).build()) {
                for (int step = 0; step < 3; step++) {
                    for (int i = 0; i < ps.size(); i++) {
                        ps.get(i).setGrad(TestData.gaussian(rnd, SIZES[i], 1));
                    }
                    opt.step();
                }
            }
            float[][] now = ps.stream().map(Param::data).toArray(float[][]::new);
            if (finals == null) {
                finals = now;
            } else {
                for (int i = 0; i < now.length; i++) {
                    assertArrayEquals(finals[i], now[i], NAMES[i] + " with " + threads + " threads");
                }
            }
        }
    }

    @ParameterizedTest(name = "fused={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void aNonFiniteNormFollowsThePolicy(boolean fused) {
        SplittableRandom rnd = new SplittableRandom(3);
        List<Param> ps = model(rnd);
        float[][] before = ps.stream().map(p -> p.data().clone()).toArray(float[][]::new);
        try (Optimizer refuse = Optimizer.builder().group(Rule.pamAdam().build(), ps).fused(fused)
                .maxGradNorm(1.0).build()) {
            for (int i = 0; i < ps.size(); i++) {
                float[] g = TestData.gaussian(rnd, SIZES[i], 1);
                if (i == 1) {
                    g[7] = Float.POSITIVE_INFINITY;
                }
                ps.get(i).setGrad(g);
            }
            NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, refuse::step);
            assertTrue(e.getMessage().contains("'mid'") && e.getMessage().contains("grad[7]"), e.getMessage());
            assertEquals(0, refuse.stepCount("big"));
            for (int i = 0; i < ps.size(); i++) {
                assertArrayEquals(before[i], ps.get(i).data(), "refused step changed " + NAMES[i]);
            }
        }
        try (Optimizer skip = Optimizer.builder().group(Rule.pamAdam().build(), ps).fused(fused).maxGradNorm(1.0)
                .nonFinitePolicy(NonFinitePolicy.SKIP_STEP).build()) {
            assertFalse(skip.step());
            assertEquals(1, skip.skippedSteps());
            assertEquals(0, skip.stepCount("small"));
            for (int i = 0; i < ps.size(); i++) {
                assertArrayEquals(before[i], ps.get(i).data(), "skipped step changed " + NAMES[i]);
            }
        }
    }

    @Test
    void invalidBoundsAreRefusedWithTheirValue() {
        for (double bad : new double[] {0.0, -1.0, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Optimizer.builder().maxGradNorm(bad));
            assertTrue(e.getMessage().contains("maxGradNorm") && e.getMessage().contains(String.valueOf(bad)),
                    e.getMessage());
        }
        try (Optimizer opt = Optimizer.builder().group(Rule.adam().build(), List.of(Param.of("w", new float[3])))
                .build()) {
            assertEquals(Double.POSITIVE_INFINITY, opt.maxGradNorm());
            assertThrows(IllegalArgumentException.class, () -> opt.setMaxGradNorm(-2));
            opt.setMaxGradNorm(2);
            assertEquals(2, opt.maxGradNorm());
        }
    }
}
