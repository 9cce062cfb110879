package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * Which path a parameter takes: the core kernel only where the tensor's memory can be updated in
 * place, NDArray operations otherwise, with correct results either way.
 */
class HostPathTest {

    @Test
    void aNonContiguousWeightFallsBackToNdArrayOpsAndIsUpdatedInPlace() {
        Rule rule = Rule.pamAdam().lr(0.01).build();
        Random rnd = new Random(51);
        float[] base = Tensors.normal(rnd, 12, 1.0);
        try (NDManager manager = DjlEngine.startEngine().newBaseManager();
             RuleOptimizer djl = RuleOptimizer.forRule(rule).build()) {
            NDArray storage = manager.create(base, new Shape(3, 4));
            // A transposed view: (4, 3), not contiguous; a direct buffer of it would be a copy.
            NDArray view = storage.transpose();
            float[] viewInit = view.toFloatArray();
            Param p = Param.of("t", new int[] {4, 3}, viewInit.clone());
            try (Optimizer core = Optimizer.builder().group(rule, List.of(p)).threads(1).build()) {
                for (int step = 0; step < 5; step++) {
                    float[] g = Tensors.normal(rnd, 12, 0.1);
                    p.setGrad(g);
                    core.step();
                    try (NDArray grad = manager.create(g, new Shape(4, 3))) {
                        djl.update("t", view, grad);
                    }
                }
            }
            assertFalse(djl.usesHostKernel("t"), "a non-contiguous tensor must not take the host path");
            double err = Tensors.relativeError(view.toFloatArray(), p.data());
            assertTrue(err <= 1e-5, "relative error " + err);
            // The update went into the storage the view shares.
            double errStorage = Tensors.relativeError(storage.transpose().toFloatArray(), p.data());
            assertTrue(errStorage <= 1e-5, "storage relative error " + errStorage);
        }
    }

    @Test
    void float64AndContiguousFloat32WeightsTakeTheirPaths() {
        try (NDManager manager = DjlEngine.startEngine().newBaseManager();
             RuleOptimizer djl = PamAdam.builder().build()) {
            NDArray f32 = manager.create(new float[] {1, -2, 3, -4});
            NDArray f64 = manager.create(new double[] {1, -2, 3, -4});
            float before = f32.toFloatArray()[0];
            try (NDArray g32 = manager.create(new float[] {0.1f, 0.2f, -0.3f, 0.4f});
                 NDArray g64 = g32.toType(DataType.FLOAT64, false)) {
                djl.update("f32", f32, g32);
                djl.update("f64", f64, g64);
            }
            assertTrue(djl.usesHostKernel("f32"));
            assertFalse(djl.usesHostKernel("f64"));
            assertEquals(DataType.FLOAT64, f64.getDataType());
            // Same first step either way: p - lr * ratio * step, with |step| = 1 per element here.
            float[] a = f32.toFloatArray();
            double[] b = f64.toDoubleArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(a[i], b[i], 1e-6, "element " + i);
            }
            assertTrue(a[0] < before, "moved against the gradient");
            assertEquals(djl.lastRatio("f32"), djl.lastRatio("f64"), 1e-6);
        }
    }

    @Test
    void aNonFiniteGradientIsRefusedOnTheHostPathLeavingTheWeightUntouched() {
        try (NDManager manager = DjlEngine.startEngine().newBaseManager();
             RuleOptimizer djl = PamAdam.builder().build()) {
            NDArray w = manager.create(new float[] {1, -2, 3, -4});
            try (NDArray g = manager.create(new float[] {0.1f, 0.2f, 0.3f, 0.4f})) {
                djl.update("w", w, g);
            }
            assertTrue(djl.usesHostKernel("w"));
            float[] before = w.toFloatArray();
            try (NDArray g = manager.create(new float[] {0.1f, Float.NaN, 0.3f, 0.4f})) {
                org.pamadam.optim.NonFiniteGradientException e = org.junit.jupiter.api.Assertions.assertThrows(
                        org.pamadam.optim.NonFiniteGradientException.class, () -> djl.update("w", w, g));
                assertEquals("w", e.tensor());
                assertTrue(e.getMessage().contains("grad[1] = NaN"), e.getMessage());
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(before, w.toFloatArray());
            assertEquals(1, djl.stepCount("w"), "the refused step does not count");
            try (NDArray g = manager.create(new float[] {0.1f, 0.2f, 0.3f, 0.4f})) {
                djl.update("w", w, g);
            }
            assertEquals(2, djl.stepCount("w"));
        }
    }
}
