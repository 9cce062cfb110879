package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pamadam.DoubleReference;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;
import org.pamadam.schedule.Schedule;

/** k micro-batches make one optimizer step on their mean gradient; counts and schedules see steps. */
class AccumulationTest {

    /**
     * maxGradNorm 2.5: the window's sum/k stays under the bound and the plain sum would not, so the
     * two are told apart; 0.3: the bound bites on every window, so the clip factor must come from the
     * norm of sum/k over both tensors.
     */
    @ParameterizedTest(name = "maxGradNorm {0}")
    @ValueSource(doubles = {2.5, 0.3})
    void windowsStepOnTheMeanAndCountOptimizerStepsOnly(double maxGradNorm) {
        SplittableRandom rnd = new SplittableRandom(2);
        int k = 3;
        Param w = Param.of("w", TestData.gaussian(rnd, 700, 0.5));
        Param b = Param.of("b", TestData.gaussian(rnd, 20, 0.1));
        // Adam with L2 decay (added to the gradient) and a norm bound: both tell the mean from the sum.
        Rule rule = Rule.adam().lr(1e-2).weightDecay(0.5).build();
        Schedule warmup = Schedule.warmup(4, 0.25);
        DoubleReference refW = new DoubleReference("adam", 0, 0.9, 0.999, 1e-8, 0.5, true, w.data());
        DoubleReference refB = new DoubleReference("adam", 0, 0.9, 0.999, 1e-8, 0.5, true, b.data());
        try (Optimizer opt = Optimizer.builder().group(rule, List.of(w, b)).schedule(warmup).maxGradNorm(maxGradNorm)
                .threads(2).build()) {
            Accumulation acc = new Accumulation(opt, k);
            for (int window = 0; window < 6; window++) {
                double[] sumW = new double[w.size()];
                double[] sumB = new double[b.size()];
                for (int micro = 0; micro < k; micro++) {
                    float[] gw = TestData.gaussian(rnd, w.size(), 0.1);
                    // b has a gradient in the middle micro-batch only: the others count as zero.
                    float[] gb = micro == 1 ? TestData.gaussian(rnd, b.size(), 0.1) : null;
                    add(sumW, gw);
                    add(sumB, gb);
                    w.setGrad(gw);
                    b.setGrad(gb);
                    float[] copy = gw.clone();
                    assertEquals(micro == k - 1, acc.step(), "window " + window + " micro " + micro);
                    assertArrayEquals(copy, gw, "the caller's gradient is not written");
                    assertSame(gw, w.grad(), "the caller's gradient is put back");
                }
                double[] meanW = divide(sumW, k);
                double[] meanB = divide(sumB, k);
                // Clipping covers the mean gradient of the window, at the lr of optimizer step `window`.
                double scale = Math.min(1, maxGradNorm / (norm(meanW, meanB) + 1e-6));
                if (maxGradNorm > 1) {
                    assertTrue(scale == 1 && norm(meanW, meanB) * k > maxGradNorm, "the bound separates mean and sum");
                } else {
                    assertTrue(scale < 0.5, "the clip bites: scale " + scale);
                }
                double lr = warmup.lr(rule.lr(), window);
                stepReference(refW, meanW, scale, lr);
                stepReference(refB, meanB, scale, lr);
                assertEquals(window + 1, opt.stepCount("w"));
                assertEquals(window + 1, opt.stepCount("b"));
                assertTrue(refW.relativeError(w.data()) <= 1e-5, "w: " + refW.relativeError(w.data()));
                assertTrue(refB.relativeError(b.data()) <= 1e-5, "b: " + refB.relativeError(b.data()));
            }
            assertEquals(0, acc.pending());
        }
    }

    /** DoubleReference takes its lr at construction; a scheduled step is a reference with that lr. */
    private static void stepReference(DoubleReference ref, double[] g, double scale, double lr) {
        DoubleReference at = new DoubleReference(ref.kind, lr, ref.beta1, ref.beta2, ref.eps, ref.wd, ref.adapt,
                new float[ref.p.length]);
        at.p = ref.p;
        at.m = ref.m;
        at.v = ref.v;
        at.t = ref.t;
        double[] scaled = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            scaled[i] = g[i] * scale;
        }
        at.step(scaled);
        ref.t = at.t;
    }

    @Test
    void aTensorWithoutAnyGradientInTheWindowIsSkipped() {
        Param w = Param.of("w", new float[] {1, 2});
        Param frozen = Param.of("frozen", new float[] {3, 4});
        try (Optimizer opt = Optimizer.builder().group(Rule.adam().build(), List.of(w, frozen)).build()) {
            Accumulation acc = new Accumulation(opt, 2);
            w.setGrad(new float[] {1, 1});
            acc.step();
            assertTrue(acc.step());
            assertEquals(1, opt.stepCount("w"));
            assertEquals(0, opt.stepCount("frozen"));
            assertArrayEquals(new float[] {3, 4}, frozen.data());
        }
    }

    @Test
    void flushDividesAPartialWindowByKAsTheTorchLoopDoes() {
        float[] init = {0.5f, -1f, 2f};
        Param a = Param.of("a", init.clone());
        Param b = Param.of("b", init.clone());
        try (Optimizer accumulated = Optimizer.builder().group(Rule.sgd().momentum(0).build(), List.of(a)).build();
             Optimizer direct = Optimizer.builder().group(Rule.sgd().momentum(0).build(), List.of(b)).build()) {
            Accumulation acc = new Accumulation(accumulated, 4);
            assertFalse(acc.flush(), "nothing to flush");
            a.setGrad(new float[] {1, 2, 3});
            assertFalse(acc.step());
            a.setGrad(new float[] {3, 2, 1});
            assertFalse(acc.step());
            assertEquals(2, acc.pending());
            assertTrue(acc.flush());
            assertEquals(0, acc.pending());
            assertFalse(acc.flush(), "the window was emptied");
            // torch: each loss divided by k = 4, backward twice, step: grad = (g1 + g2) / 4.
            b.setGrad(new float[] {1, 1, 1});
            direct.step();
            assertArrayEquals(b.data(), a.data(), "flush divides the sum of the 2 micro-batches by k = 4");
            assertEquals(1, accumulated.stepCount("a"));
            // The next window starts empty: a full one steps on its own sum / 4.
            for (int i = 0; i < 4; i++) {
                a.setGrad(new float[] {4, 8, -4});
                assertEquals(i == 3, acc.step());
            }
            b.setGrad(new float[] {4, 8, -4});
            direct.step();
            assertArrayEquals(b.data(), a.data());
        }
    }

    @Test
    void perTensorPartialWindowsDivideByKToo() {
        Accumulation acc = new Accumulation(3, new int[] {2, 1});
        assertFalse(acc.endWindow(), "no micro-batch pending");
        acc.add(0, new float[] {3, 6});
        acc.add(1, null);
        assertFalse(acc.endMicroBatch());
        acc.add(0, new float[] {3, 0});
        assertFalse(acc.endMicroBatch());
        assertTrue(acc.endWindow());
        assertEquals(0, acc.pending());
        assertArrayEquals(new float[] {2, 2}, acc.mean(0));
        assertEquals(null, acc.mean(1), "no gradient in the window");
    }

    @Test
    void oneMicroBatchPerStepIsPlainStepping() {
        SplittableRandom rnd = new SplittableRandom(4);
        float[] init = TestData.gaussian(rnd, 100, 1);
        Param a = Param.of("a", init.clone());
        Param b = Param.of("b", init.clone());
        try (Optimizer oa = Optimizer.builder().group(Rule.lamb().build(), List.of(a)).build();
             Optimizer ob = Optimizer.builder().group(Rule.lamb().build(), List.of(b)).build()) {
            Accumulation acc = new Accumulation(oa, 1);
            for (int s = 0; s < 3; s++) {
                float[] g = TestData.gaussian(rnd, 100, 1);
                a.setGrad(g);
                b.setGrad(g);
                assertTrue(acc.step());
                ob.step();
            }
            assertArrayEquals(b.data(), a.data());
        }
    }

    @Test
    void aRefusedWindowIsDroppedAndTheNextOneSteps() {
        Param w = Param.of("w", new float[] {1, 2});
        try (Optimizer opt = Optimizer.builder().group(Rule.adam().build(), List.of(w)).build()) {
            Accumulation acc = new Accumulation(opt, 2);
            w.setGrad(new float[] {Float.NaN, 0});
            acc.step();
            w.setGrad(new float[] {1, 1});
            assertThrows(NonFiniteGradientException.class, acc::step);
            assertArrayEquals(new float[] {1, 2}, w.data());
            acc.step();
            assertTrue(acc.step());
            assertEquals(1, opt.stepCount("w"));
            assertTrue(w.data()[0] < 1, "a finite window steps");
        }
    }

    @Test
    void badInputIsRefusedWithANamedError() {
        Param w = Param.of("w", new float[2]);
        try (Optimizer opt = Optimizer.builder().group(Rule.adam().build(), List.of(w)).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Accumulation(opt, 0));
            assertTrue(e.getMessage().contains("accumulate") && e.getMessage().contains("0"), e.getMessage());
            Accumulation acc = new Accumulation(opt, 2);
            e = assertThrows(IllegalArgumentException.class, () -> acc.add(0, new float[3]));
            assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("expected 2"), e.getMessage());
        }
        Accumulation perTensor = new Accumulation(2, new int[] {3});
        assertThrows(IllegalArgumentException.class, () -> perTensor.add(0, new float[2]));
        perTensor.add(0, new float[] {1, 2, 3});
        assertFalse(perTensor.endMicroBatch());
        perTensor.add(0, new float[] {3, 2, 1});
        assertTrue(perTensor.endMicroBatch());
        assertArrayEquals(new float[] {2, 2, 2}, perTensor.mean(0));
        assertEquals(null, perTensor.mean(0), "the slot is cleared");
        assertThrows(IllegalStateException.class, perTensor::step);
    }

    private static void add(double[] sum, float[] g) {
        if (g != null) {
            for (int i = 0; i < g.length; i++) {
                sum[i] += g[i];
            }
        }
    }

    private static double[] divide(double[] sum, int k) {
        double[] out = new double[sum.length];
        for (int i = 0; i < sum.length; i++) {
            out[i] = sum[i] / k;
        }
        return out;
    }

    private static double norm(double[]... gs) {
        double s = 0;
        for (double[] g : gs) {
            for (double x : g) {
                s += x * x;
            }
        }
        return Math.sqrt(s);
    }
}
