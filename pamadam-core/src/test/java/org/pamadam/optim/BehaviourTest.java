package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pamadam.TestData;
import org.pamadam.state.Checkpoint;
import org.pamadam.rule.Rule;

/** Skipping, the zero guard, telemetry and every kind of bad input. */
class BehaviourTest {

    private static byte[] snapshot(Optimizer opt, List<Param> params) {
        return snapshot(opt.state(), params);
    }

    private static byte[] snapshot(OptimizerState optimizerState, List<Param> params) {
        // The checkpoint bytes plus the parameter values: equal snapshots mean no state changed.
        byte[] state = Checkpoint.encode(optimizerState);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(state);
        for (Param p : params) {
            for (float f : p.data()) {
                int bits = Float.floatToRawIntBits(f);
                out.write(bits);
                out.write(bits >> 8);
                out.write(bits >> 16);
                out.write(bits >> 24);
            }
        }
        return out.toByteArray();
    }

    @Test
    void nullGradientSkipsTheTensorAndItsOwnStepCount() {
        Param a = Param.of("a", new float[] {1, 2, 3});
        Param b = Param.of("b", new float[] {-1, 0.5f});
        try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().build(), List.of(a, b)).build()) {
            a.setGrad(new float[] {0.1f, 0.2f, 0.3f});
            b.setGrad(null);
            opt.step();
            assertArrayEquals(new float[] {-1, 0.5f}, b.data());
            assertEquals(1, opt.stepCount("a"));
            assertEquals(0, opt.stepCount("b"));
            assertTrue(Double.isNaN(opt.lastRatio("b")));
            b.setGrad(new float[] {0.1f, 0.1f});
            opt.step();
            assertEquals(2, opt.stepCount("a"));
            assertEquals(1, opt.stepCount("b"));
            // By index in params() order, the same counts.
            assertEquals(2, opt.stepCount(0));
            assertEquals(1, opt.stepCount(1));
            assertThrows(IndexOutOfBoundsException.class, () -> opt.stepCount(2));
            // First step of b: |m/bc1| / sqrt(v/bc2) = 1 per element, ratio = mean|p| / ~1.
            assertEquals(0.75, opt.lastRatio("b"), 1e-6);
        }
    }

    @Test
    void zeroInitialisedTensorMovesWithRatioOne() {
        Param bias = Param.of("bias", new float[4]);
        try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().lr(0.01).build(), List.of(bias)).build()) {
            bias.setGrad(new float[] {1, -2, 3, -4});
            opt.step();
            assertEquals(1.0, opt.lastRatio("bias"));
            // Plain Adam first step: -lr * sign(g) (up to eps).
            assertArrayEquals(new float[] {-0.01f, 0.01f, -0.01f, 0.01f}, bias.data(), 1e-7f);
        }
    }

    @Test
    void allZeroGradientGivesNoNaN() {
        Param w = Param.of("w", new float[] {0.5f, -0.25f});
        try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().build(), List.of(w)).build()) {
            w.setGrad(new float[2]);
            opt.step();
            assertEquals(1.0, opt.lastRatio("w"));
            assertArrayEquals(new float[] {0.5f, -0.25f}, w.data());
        }
    }

    @Test
    void gradientLengthMismatchNamesTheTensor() {
        Param w = Param.of("layer1.weight", new int[] {2, 3}, new float[6]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.setGrad(new float[5]));
        assertTrue(e.getMessage().contains("layer1.weight") && e.getMessage().contains("5")
                && e.getMessage().contains("6"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Param.of("x", new int[] {2, 2}, new float[3]));
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void nonFiniteGradientIsRefusedWithNoStateChange(float bad) {
        for (boolean fused : new boolean[] {true, false}) {
            SplittableRandom rnd = new SplittableRandom(3);
            List<Param> ps = List.of(Param.of("ok", TestData.gaussian(rnd, 100, 1)),
                    Param.of("broken", TestData.gaussian(rnd, 50_000, 1)));
            for (Rule rule : new Rule[] {Rule.pamAdam().build(), Rule.adam().build(), Rule.sgd().build()}) {
                try (Optimizer opt = Optimizer.builder().group(rule, ps).fused(fused).build()) {
                    for (Param p : ps) {
                        p.setGrad(TestData.gaussian(rnd, p.size(), 1));
                    }
                    opt.step();
                    byte[] before = snapshot(opt, ps);
                    ps.get(1).grad()[40_000] = bad;
                    NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, opt::step);
                    assertEquals("broken", e.tensor());
                    assertTrue(e.getMessage().contains("grad[40000]"), e.getMessage());
                    assertArrayEquals(before, snapshot(opt, ps), rule.name() + ": state changed on a refused step");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void skipPolicyCountsAndChangesNothing(boolean fused) {
        SplittableRandom rnd = new SplittableRandom(5);
        List<Param> ps = List.of(Param.of("w", TestData.gaussian(rnd, 1000, 1)),
                Param.of("big", TestData.gaussian(rnd, 3 * Optimizer.CHUNK + 5, 1)));
        try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().build(), ps).threads(2).fused(fused)
                .nonFinitePolicy(NonFinitePolicy.SKIP_STEP).build()) {
            for (Param p : ps) {
                p.setGrad(TestData.gaussian(rnd, p.size(), 1));
            }
            assertTrue(opt.step());
            for (Param p : ps) {
                p.setGrad(TestData.gaussian(rnd, p.size(), 1));
            }
            OptimizerState state = opt.state();
            // What the state must be after the skip: the same, with the skipped counter at 1.
            byte[] expected = snapshot(new OptimizerState(state.groups(), 1), ps);
            // The NaN sits in the last tensor, so a step that wrote tensors in order would show.
            ps.get(1).grad()[3 * Optimizer.CHUNK + 2] = Float.NaN;
            assertFalse(opt.step());
            assertEquals(1, opt.skippedSteps());
            assertArrayEquals(expected, snapshot(opt, ps), "params, moments or step counts changed by a skip");
            ps.get(1).grad()[3 * Optimizer.CHUNK + 2] = 0.5f;
            assertTrue(opt.step());
            assertEquals(2, opt.stepCount("w"));
            assertEquals(2, opt.stepCount("big"));
        }
    }

    @Test
    void tiedWeightsAreRefusedNamingBoth() {
        float[] shared = {1, 2, 3, 4};
        Param embed = Param.of("embed.weight", new int[] {2, 2}, shared);
        Param out = Param.of("out.weight", new int[] {4}, shared);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizer.builder().group(Rule.adam().build(), List.of(embed))
                        .group(Rule.adam().build(), List.of(out)).build());
        assertTrue(e.getMessage().contains("'embed.weight'") && e.getMessage().contains("'out.weight'")
                && e.getMessage().contains("tied"), e.getMessage());
        // Two empty tensors may share an array: there is nothing to update twice.
        float[] none = new float[0];
        try (Optimizer opt = Optimizer.builder().group(Rule.adam().build(),
                List.of(Param.of("a", none), Param.of("b", none), embed)).build()) {
            assertEquals(3, opt.params().size());
        }
    }

    @Test
    void duplicateOrEmptySetupsAreRefused() {
        Param a = Param.of("a", new float[1]);
        Param a2 = Param.of("a", new float[2]);
        assertThrows(IllegalArgumentException.class, () -> Optimizer.builder().build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Optimizer.builder().group(Rule.adam().build(), List.of(a, a2)).build());
        assertTrue(e.getMessage().contains("'a'"));
        assertThrows(IllegalArgumentException.class,
                () -> Optimizer.builder().group(Rule.adam().build(), List.of(a)).group(Rule.adam().build(), List.of(a)).build());
        assertThrows(IllegalArgumentException.class, () -> Optimizer.builder().threads(0));
    }

    @Test
    void learningRateCanBeScheduled() {
        Param w = Param.of("w", new float[] {1f});
        try (Optimizer opt = Optimizer.builder().group(Rule.adam().build(), List.of(w)).build()) {
            opt.setLearningRate(0.5);
            w.setGrad(new float[] {2f});
            opt.step();
            assertEquals(0.5f, w.data()[0], 1e-6f); // Adam's first step is lr * sign(g)
            assertThrows(IllegalArgumentException.class, () -> opt.setLearningRate(-1));
        }
    }
}
