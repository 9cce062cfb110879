package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/**
 * {@link Optimizer#stepAndZeroGrad()}: the same bits as {@link Optimizer#step()}, every stepped
 * gradient +0 afterwards (chunks of several tensors, both memory kinds, both paths, 1 and 2 threads),
 * and a skipped or refused step leaves the gradients as they were.
 */
class ZeroGradTest {
    // Chunk-spanning tensors (CHUNK is 32768) and small ones that share a task.
    private static final int[] SIZES = {70_001, 5, 32_768, 300, 1};

    /** One twin: parameters and gradients from fixed seeds, on heap or off-heap memory. */
    private static final class Twin {
        final List<Param> params = new ArrayList<>();
        final List<float[]> heapGrads = new ArrayList<>();
        final List<ByteBuffer> directGrads = new ArrayList<>();
        final boolean direct;

        Twin(boolean direct) {
            this.direct = direct;
            SplittableRandom rnd = new SplittableRandom(3);
            for (int i = 0; i < SIZES.length; i++) {
                float[] values = TestData.gaussian(rnd, SIZES[i], 0.2);
                params.add(direct ? Param.ofBuffer("t" + i, new int[] {SIZES[i]}, TestData.direct(values, 0), 0)
                        : Param.of("t" + i, values));
            }
        }

        /** Gives every tensor the gradient of step {@code s} (the same values in both twins). */
        void fill(int s, float poison) {
            SplittableRandom rnd = new SplittableRandom(100 + s);
            heapGrads.clear();
            directGrads.clear();
            for (int i = 0; i < SIZES.length; i++) {
                float[] g = TestData.gaussian(rnd, SIZES[i], 0.05);
                if (i == SIZES.length - 1) {
                    g[0] = poison == 0f ? g[0] : poison;
                }
                if (direct) {
                    ByteBuffer b = TestData.direct(g, 0);
                    directGrads.add(b);
                    params.get(i).setGrad(b, 0);
                } else {
                    heapGrads.add(g);
                    params.get(i).setGrad(g);
                }
            }
        }

        float[] grad(int i) {
            return direct ? TestData.floats(directGrads.get(i), 0, SIZES[i]) : heapGrads.get(i).clone();
        }

        float[] values(int i) {
            Param p = params.get(i);
            return direct ? TestData.floats(p.buffer(), 0, p.size()) : p.data().clone();
        }
    }

    private static Optimizer build(Twin t, boolean fused, int threads, NonFinitePolicy policy) {
        return Optimizer.builder().group(Rule.pamAdam().lr(0.01).build(), t.params).fused(fused).threads(threads)
                .maxGradNorm(1.0).nonFinitePolicy(policy).build();
    }

    @ParameterizedTest(name = "direct {0}, fused {1}, {2} thread(s)")
    @CsvSource({"false,true,1", "false,true,2", "true,true,1", "true,true,2", "false,false,1"})
    void sameBitsAsStepAndEveryGradientPositiveZero(boolean direct, boolean fused, int threads) {
        Twin plain = new Twin(direct);
        Twin zeroing = new Twin(direct);
        try (Optimizer a = build(plain, fused, threads, NonFinitePolicy.REFUSE);
             Optimizer b = build(zeroing, fused, threads, NonFinitePolicy.REFUSE)) {
            for (int s = 0; s < 3; s++) {
                plain.fill(s, 0f);
                zeroing.fill(s, 0f);
                assertTrue(a.step());
                assertTrue(b.stepAndZeroGrad());
                for (int i = 0; i < SIZES.length; i++) {
                    String at = "step " + s + " tensor t" + i;
                    assertArrayEquals(plain.values(i), zeroing.values(i), at + " values");
                    float[] g = zeroing.grad(i);
                    for (int k = 0; k < g.length; k++) {
                        // +0 exactly: the bits, so -0 or a leftover would fail.
                        assertEquals(0, Float.floatToRawIntBits(g[k]), at + " gradient[" + k + "] = " + g[k]);
                    }
                    // step() itself leaves the gradient alone.
                    float[] kept = plain.grad(i);
                    assertTrue(kept[0] != 0f || kept.length > 1 && kept[1] != 0f, at + ": step() zeroed");
                }
            }
            OptimizerState sa = a.state();
            OptimizerState sb = b.state();
            for (int i = 0; i < SIZES.length; i++) {
                OptimizerState.Tensor ta = sa.groups().get(0).tensors().get(i);
                OptimizerState.Tensor tb = sb.groups().get(0).tensors().get(i);
                assertArrayEquals(ta.m(), tb.m(), "m of t" + i);
                assertArrayEquals(ta.v(), tb.v(), "v of t" + i);
            }
        }
    }

    @ParameterizedTest(name = "direct {0}, policy {1}")
    @CsvSource({"false,REFUSE", "true,REFUSE", "false,SKIP_STEP", "true,SKIP_STEP"})
    void aRefusedOrSkippedStepLeavesTheGradients(boolean direct, NonFinitePolicy policy) {
        Twin t = new Twin(direct);
        try (Optimizer opt = build(t, true, 2, policy)) {
            t.fill(0, Float.NaN);
            List<float[]> before = new ArrayList<>();
            List<float[]> values = new ArrayList<>();
            for (int i = 0; i < SIZES.length; i++) {
                before.add(t.grad(i));
                values.add(t.values(i));
            }
            if (policy == NonFinitePolicy.REFUSE) {
                assertThrows(NonFiniteGradientException.class, opt::stepAndZeroGrad);
            } else {
                assertFalse(opt.stepAndZeroGrad());
            }
            for (int i = 0; i < SIZES.length; i++) {
                assertArrayEquals(before.get(i), t.grad(i), "gradient of t" + i);
                assertArrayEquals(values.get(i), t.values(i), "values of t" + i);
            }
        }
    }

    @Test
    void aReadOnlyGradientIsRefusedBeforeAnythingIsWritten() {
        Twin t = new Twin(true);
        try (Optimizer opt = build(t, true, 1, NonFinitePolicy.REFUSE)) {
            t.fill(0, 0f);
            Param last = t.params.get(SIZES.length - 1);
            last.setGrad(t.directGrads.get(SIZES.length - 1).asReadOnlyBuffer().order(ByteOrder.nativeOrder()), 0);
            float[] first = t.values(0);
            IllegalStateException e = assertThrows(IllegalStateException.class, opt::stepAndZeroGrad);
            assertTrue(e.getMessage().contains("'t4'") && e.getMessage().contains("read-only"), e.getMessage());
            assertArrayEquals(first, t.values(0), "values of t0");
            assertEquals(0, opt.stepCount());
        }
    }
}
