package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.OptimizerState;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * The NDArray path (here forced on CPU with {@code optHostKernel(false)}): a non-finite gradient skips
 * that tensor on the device and is counted, the others are updated as the core would; gradients
 * are left as exact zeros; float16 weights take their ratio sums in float32.
 */
class NdPathTest {

    @Test
    void aNonFiniteGradientSkipsItsTensorAndIsCounted() {
        Rule rule = Rule.pamAdam().lr(0.01).build();
        Random rnd = new Random(71);
        float[] a0 = Tensors.normal(rnd, 30, 1.0);
        float[] b0 = Tensors.normal(rnd, 20, 1.0);
        Param a = Param.of("a", a0.clone());
        try (NDManager manager = DjlEngine.startEngine().newBaseManager();
             RuleOptimizer djl = RuleOptimizer.forRule(rule).optHostKernel(false).build();
             Optimizer core = Optimizer.builder().group(rule, List.of(a)).threads(1).build()) {
            NDArray wa = manager.create(a0.clone());
            NDArray wb = manager.create(b0.clone());
            wb.setRequiresGradient(true);
            float[] ga = Tensors.normal(rnd, 30, 0.1);
            float[] gb = Tensors.normal(rnd, 20, 0.1);
            step(manager, djl, wa, wb, ga, gb);
            a.setGrad(ga);
            core.step();
            float[] bAfterOne = wb.toFloatArray();
            OptimizerState before = djl.state();
            double ratioBefore = djl.lastRatio("b");
            float[] ga2 = Tensors.normal(rnd, 30, 0.1);
            gb[7] = Float.POSITIVE_INFINITY;
            step(manager, djl, wa, wb, ga2, gb);
            a.setGrad(ga2);
            core.step();
            assertArrayEquals(bAfterOne, wb.toFloatArray(), "b skipped");
            assertEquals(1, djl.skippedUpdates("b"));
            assertEquals(0, djl.skippedUpdates("a"));
            assertEquals(ratioBefore, djl.lastRatio("b"), 0.0, "its last ratio kept");
            OptimizerState after = djl.state();
            OptimizerState.Tensor mb = before.groups().get(0).tensors().get(1);
            OptimizerState.Tensor mb2 = after.groups().get(0).tensors().get(1);
            assertArrayEquals(mb.m(), mb2.m(), "b's m kept");
            assertArrayEquals(mb.v(), mb2.v(), "b's v kept");
            assertTrue(Tensors.relativeError(wa.toFloatArray(), a.data()) <= 1e-6, "a updated as the core");
            try (NDArray g = wb.getGradient()) {
                assertArrayEquals(new float[20], g.toFloatArray(), "exact zeros, the infinity included");
            }
        }
    }

    @Test
    void float16WeightsTakeTheirRatioSumsInFloat32() {
        // 70,000 elements of |p| = 1: the float16 sum would overflow (max 65504) to infinity.
        int n = 70_000;
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        float[] g = new float[n];
        java.util.Arrays.fill(g, 0.5f);
        try (NDManager manager = DjlEngine.startEngine().newBaseManager();
             RuleOptimizer djl = PamAdam.builder().optLearningRate(0.01f).build()) {
            NDArray w = manager.create(ones).toType(DataType.FLOAT16, false);
            try (NDArray grad = manager.create(g).toType(DataType.FLOAT16, false)) {
                djl.update("w", w, grad);
            }
            assertFalse(djl.usesHostKernel("w"));
            // First Adam step: |step| = 1 everywhere, so the ratio is mean|p| / mean|step| = 1.
            assertEquals(1.0, djl.lastRatio("w"), 1e-3);
            float[] after = w.toType(DataType.FLOAT32, false).toFloatArray();
            assertEquals(0.99f, after[0], 1e-3f, "p - lr * ratio * step");
        }
    }

    private static void step(NDManager manager, RuleOptimizer djl, NDArray wa, NDArray wb, float[] ga, float[] gb) {
        try (NDArray da = manager.create(ga); NDArray db = manager.create(gb)) {
            djl.update("a", wa, da);
            djl.update("b", wb, db);
        }
    }
}
