package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/** The fused multi-tensor path against the per-tensor reference path, and across thread counts. */
class FusedPathTest {
    // A mix of chunk-spanning tensors and many tiny ones (batched several to a task).
    private static final int[] SIZES = {100_000, 1, 7, 512, 512, 65_536, 3, 32_768, 32_769, 9, 1023, 200_001};

    private static List<Param> params(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Param> out = new ArrayList<>();
        for (int i = 0; i < SIZES.length; i++) {
            out.add(Param.of("p" + i + (i % 3 == 0 ? ".bias" : ".weight"), TestData.gaussian(rnd, SIZES[i], 0.3)));
        }
        return out;
    }

    private static List<float[]> run(Rule rule, Kernel kernel, boolean fused, int threads, int steps) {
        List<Param> ps = params(42);
        SplittableRandom rnd = new SplittableRandom(99);
        try (Optimizer opt = Optimizer.builder().group(rule, ps).override(".*\\.bias", r -> r.adapt(false))
                .kernel(kernel).fused(fused).threads(threads).build()) {
            for (int s = 0; s < steps; s++) {
                for (Param p : ps) {
                    p.setGrad(s > 0 && rnd.nextInt(6) == 0 ? null : TestData.gaussian(rnd, p.size(), 0.05));
                }
                opt.step();
            }
        }
        List<float[]> out = new ArrayList<>();
        ps.forEach(p -> out.add(p.data()));
        return out;
    }

    @Test
    void bitIdenticalForAnyThreadCount() throws Exception {
        for (Rule rule : new Rule[] {Rule.pamAdam().lr(0.01).build(), Rule.lamb().weightDecay(0.01).build()}) {
            for (Kernel k : new Kernel[] {ScalarKernel.SCALAR, Kernels.named("vector")}) {
                List<float[]> one = run(rule, k, true, 1, 4);
                for (int threads : new int[] {2, 3, 4}) {
                    List<float[]> many = run(rule, k, true, threads, 4);
                    for (int i = 0; i < one.size(); i++) {
                        assertArrayEquals(one.get(i), many.get(i), rule.name() + " " + k.name() + " threads "
                                + threads + " tensor " + i);
                    }
                }
            }
        }
    }

    @Test
    void fusedAgreesWithReferencePath() throws Exception {
        for (String name : new String[] {"pamadam", "adam", "adamw", "lamb", "sgd"}) {
            Rule rule = Rule.named(name).lr(0.01).build();
            List<float[]> ref = run(rule, ScalarKernel.SCALAR, false, 1, 5);
            for (Kernel k : new Kernel[] {ScalarKernel.SCALAR, Kernels.named("vector")}) {
                List<float[]> fused = run(rule, k, true, 2, 5);
                for (int i = 0; i < ref.size(); i++) {
                    float[] a = ref.get(i);
                    float[] b = fused.get(i);
                    double maxDiff = 0, scale = 0;
                    for (int j = 0; j < a.length; j++) {
                        maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
                        scale = Math.max(scale, Math.abs(a[j]));
                    }
                    // Same float element maths; only the order of the double sums differs.
                    assertTrue(maxDiff <= 1e-6 * scale, name + " " + k.name() + " tensor " + i + ": " + maxDiff);
                }
            }
        }
    }

    @Test
    void groupsByNamePattern() {
        List<Param> ps = params(1);
        try (Optimizer opt = Optimizer.builder().group(Rule.pamAdam().build(), ps)
                .override(".*\\.bias", r -> r.adapt(false).lr(0.5)).build()) {
            assertEquals(2, opt.groupCount());
            assertEquals(0.5, opt.rule(1).lr());
            assertTrue(opt.params(1).stream().allMatch(p -> p.name().endsWith(".bias")));
            assertTrue(opt.params(0).stream().noneMatch(p -> p.name().endsWith(".bias")));
            for (Param p : ps) {
                p.setGrad(new float[p.size()]);
                java.util.Arrays.fill(p.grad(), 0.01f);
            }
            opt.step();
            assertEquals(1.0, opt.lastRatio("p0.bias"));
            assertTrue(opt.lastRatio("p1.weight") != 1.0);
        }
    }
}
