package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;
import org.pamadam.schedule.Schedule;

/**
 * The optimizer's public surface against hand-computed values: groups and names, per-tensor steps
 * ({@link Optimizer#stepTensor}) on both paths, the telemetry maps, the clipping factor, and a
 * gradient too large for the float sum of squares but finite, whose norm must be the exact one.
 */
class OptimizerApiTest {

    /** Plain SGD without momentum or decay: {@code p -= lr * g} in float, easy to follow by hand. */
    private static Rule plainSgd(double lr) {
        return Rule.sgd().lr(lr).beta1(0).build();
    }

    @Test
    void groupsIndexesNamesAndThreads() {
        Param a = Param.of("a", new float[] {1});
        Param b = Param.of("b", new float[] {2, 3});
        Param c = Param.of("c", new float[] {4});
        try (Optimizer opt = Optimizer.builder().threads(3).group(plainSgd(0.1), List.of(a))
                .group(Rule.adam().build(), List.of(b, c)).build()) {
            assertEquals(3, opt.threads());
            assertEquals(2, opt.groupCount());
            assertEquals(0, opt.groupOf(0));
            assertEquals(1, opt.groupOf(1));
            assertEquals(1, opt.groupOf(2));
            assertEquals(List.of(a), opt.params(0));
            assertEquals(List.of(b, c), opt.params(1));
            assertEquals(List.of(a, b, c), opt.params());
            assertEquals(2, opt.indexOf("c"));
            assertEquals("no parameter named 'd'",
                    assertThrows(IllegalArgumentException.class, () -> opt.indexOf("d")).getMessage());
        }
        try (Optimizer one = Optimizer.builder().threads(1).group(plainSgd(0.1), List.of(a)).build()) {
            assertEquals(1, one.threads());
        }
    }

    @Test
    void lastRatiosAreNaNBeforeAStepThenTheRatiosInOptimizerOrder() {
        Param w = Param.of("w", new float[] {2, -2});
        Param z = Param.of("z", new float[] {0, 0});
        try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().lr(0.01).build(), List.of(w, z)).build()) {
            Map<String, Double> before = opt.lastRatios();
            assertEquals(List.of("w", "z"), List.copyOf(before.keySet()));
            assertTrue(before.values().stream().allMatch(r -> r.isNaN()), before.toString());
            w.setGrad(new float[] {1, -1});
            z.setGrad(new float[] {1, 1});
            opt.step();
            // first Adam step: |step| = 1 per element (up to eps); ratio = mean|p| / mean|step| = 2;
            // z is zero: the guard gives 1
            Map<String, Double> after = opt.lastRatios();
            assertEquals(List.of("w", "z"), List.copyOf(after.keySet()));
            assertEquals(2.0, after.get("w"), 1e-6);
            assertEquals(1.0, after.get("z"));
            assertEquals(opt.lastRatio("w"), after.get("w"));
        }
    }

    @Test
    void clipScaleIsTorchsFactor() {
        assertEquals(1.0 / (3.0 + 1e-6), Optimizer.clipScale(1.0, 3.0));
        assertEquals(2.0 / (4.0 + 1e-6), Optimizer.clipScale(2.0, 4.0));
        assertEquals(1.0, Optimizer.clipScale(10.0, 1.0));
    }

    @Test
    void aStepWithoutGradientsDoesNothingAndIsNotCounted() {
        Param a = Param.of("a", new float[] {1});
        for (boolean fused : new boolean[] {true, false}) {
            try (Optimizer opt = Optimizer.builder().fused(fused).group(plainSgd(0.1), List.of(a)).build()) {
                assertTrue(opt.step());
                assertEquals(0, opt.stepCount());
                assertArrayEquals(new float[] {1}, a.data());
            }
        }
    }

    /**
     * stepTensor moves that tensor alone, at its own schedule position; the optimizer's step count
     * stays; a tensor not in the optimizer (or null) is refused by name. Both paths, and for the first
     * tensor (index 0) as for a later one.
     */
    @Test
    void stepTensorStepsOneTensorAtItsOwnSchedulePosition() {
        for (boolean fused : new boolean[] {true, false}) {
            Param a = Param.of("a", new float[] {1});
            Param b = Param.of("b", new float[] {1});
            try (Optimizer opt = Optimizer.builder().fused(fused).group(plainSgd(0.1), List.of(a, b))
                    .schedule(0, Schedule.exponential(0.5)).build()) {
                a.setGrad(new float[] {1});
                b.setGrad(new float[] {1});
                assertTrue(opt.stepTensor(a));
                assertTrue(opt.stepTensor(a));
                // a's own positions 0 and 1: lr 0.1 then 0.05; b untouched; no optimizer step counted
                assertEquals(1f - 0.1f - 0.05f, a.data()[0], 1e-7, "fused " + fused);
                assertArrayEquals(new float[] {1}, b.data(), "fused " + fused);
                assertEquals(0, opt.stepCount());
                assertEquals(2, opt.stepCount("a"));
                assertEquals(0, opt.stepCount("b"));
                assertTrue(opt.stepTensor(b));
                assertEquals(0.9f, b.data()[0], 1e-7);
                assertEquals(0, opt.stepCount());
                // a whole step now runs at the optimizer's position 0: lr 0.1 for both
                assertTrue(opt.step());
                assertEquals(1, opt.stepCount());
                assertEquals(1f - 0.1f - 0.05f - 0.1f, a.data()[0], 1e-7);
                assertEquals(0.8f, b.data()[0], 1e-7);

                Param stranger = Param.of("stranger", new float[1]);
                assertEquals("parameter 'stranger' is not one of this optimizer's",
                        assertThrows(IllegalArgumentException.class, () -> opt.stepTensor(stranger)).getMessage());
                assertEquals("parameter 'null' is not one of this optimizer's",
                        assertThrows(IllegalArgumentException.class, () -> opt.stepTensor(null)).getMessage());
            }
        }
    }

    @Test
    void aRefusedStepUnderSkipStepReturnsFalseOnBothPathsEvenForTheFirstTensor() {
        for (boolean fused : new boolean[] {true, false}) {
            Param a = Param.of("a", new float[] {1, 2});
            Param b = Param.of("b", new float[] {3});
            try (Optimizer opt = Optimizer.builder().fused(fused).nonFinitePolicy(NonFinitePolicy.SKIP_STEP)
                    .group(plainSgd(0.1), List.of(a, b)).build()) {
                a.setGrad(new float[] {Float.NaN, 1});
                b.setGrad(new float[] {1});
                assertFalse(opt.step(), "fused " + fused);
                assertFalse(opt.stepTensor(a), "fused " + fused);
                assertEquals(2, opt.skippedSteps());
                assertArrayEquals(new float[] {1, 2}, a.data());
                assertArrayEquals(new float[] {3}, b.data());
                assertEquals(0, opt.stepCount("a"));
                assertEquals(0, opt.stepCount());
            }
        }
    }

    @Test
    void theKernelNameSaysWhichLoopRuns() {
        Param a = Param.of("a", new float[] {1});
        try (Optimizer opt = Optimizer.builder().kernel("scalar").group(plainSgd(0.1), List.of(a)).build()) {
            assertEquals("scalar", opt.kernelName());
        }
        try (Optimizer opt = Optimizer.builder().fused(false).group(plainSgd(0.1), List.of(a)).build()) {
            assertEquals("reference", opt.kernelName());
        }
    }

    @Test
    void setScheduleTakesEffectForTheNextStep() {
        Param a = Param.of("a", new float[] {1});
        try (Optimizer opt = Optimizer.builder().group(plainSgd(0.1), List.of(a)).build()) {
            assertEquals(0.1, opt.lr(0));
            opt.setSchedule(0, Schedule.warmup(4, 0.25));
            assertEquals(0.025, opt.lr(0), 1e-17);
            opt.setSchedule(0, null);
            assertEquals(0.1, opt.lr(0));
        }
    }

    /**
     * A finite gradient whose float squares overflow (|g| above about 1.8e19): the norm is recomputed
     * in double and the step is clipped by it, not refused. Expected norm: sqrt(sum of g^2) in double.
     */
    @Test
    void aHugeFiniteGradientIsClippedByItsExactNorm() {
        int n = 40; // a vector part and a tail on every kernel
        float[] grad = new float[n];
        grad[3] = 3e19f;
        grad[20] = -4e19f;
        grad[37] = 1e19f;
        grad[39] = 0.5f;
        double want = 0;
        for (float x : grad) {
            want += (double) x * x;
        }
        want = Math.sqrt(want);
        for (String kernel : Optimizer.availableKernels()) {
            for (boolean direct : new boolean[] {false, true}) {
                String at = kernel + (direct ? " direct" : " heap");
                float[] values = new float[n];
                java.util.Arrays.fill(values, 1f);
                Param p;
                ByteBuffer pb = null;
                if (direct) {
                    pb = TestData.direct(values, 0);
                    p = Param.ofBuffer("w", new int[] {n}, pb, 0);
                    p.setGrad(TestData.direct(grad, 0), 0);
                } else {
                    p = Param.of("w", values);
                    p.setGrad(grad);
                }
                try (Optimizer opt = Optimizer.builder().kernel(kernel).maxGradNorm(1.0)
                        .group(plainSgd(0.1), List.of(p)).build()) {
                    assertTrue(opt.step(), at);
                    assertEquals(want, opt.lastGradNorm(), want * 1e-15, at);
                    // clipped: g * 1/(norm + 1e-6); element 20 moves by 0.1 * 4e19 / norm
                    float moved = 1f - (direct ? TestData.floats(pb, 0, n)[20] : values[20]);
                    assertEquals(0.1 * 4e19 / want, -moved, 1e-7, at);
                }
            }
        }
    }

    @Test
    void aClosedOptimizerRefusesToLoadAState() {
        Param a = Param.of("a", new float[] {1});
        Optimizer opt = Optimizer.builder().group(plainSgd(0.1), List.of(a)).build();
        OptimizerState state = opt.state();
        opt.close();
        assertEquals("optimizer is closed", assertThrows(IllegalStateException.class, () -> opt.load(state)).getMessage());
        assertEquals("optimizer is closed",
                assertThrows(IllegalStateException.class, () -> opt.loadKeepingRules(state)).getMessage());
        assertEquals("optimizer is closed", assertThrows(IllegalStateException.class, opt::step).getMessage());
    }

    @Test
    void accumulationCountsItsWindowAndNeedsAnOptimizerToStep() {
        assertEquals(3, Accumulation.checkK(3));
        assertEquals(1, Accumulation.checkK(1));
        Accumulation perTensor = new Accumulation(4, new int[] {2});
        assertEquals(4, perTensor.k());
        String msg = "this accumulation has no optimizer: use add/endMicroBatch/mean";
        assertEquals(msg, assertThrows(IllegalStateException.class, perTensor::flush).getMessage());
        assertEquals(msg, assertThrows(IllegalStateException.class, perTensor::step).getMessage());
    }
}
