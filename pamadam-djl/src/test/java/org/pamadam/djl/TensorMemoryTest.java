package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * The host path keeps views of tensors' memory across steps, and must notice when that memory is no
 * longer the tensor's: a new array for a parameter (rebound, its state kept), and a gradient PyTorch
 * has replaced (probed where the old view still shows the zero the last step left).
 */
class TensorMemoryTest {

    @Test
    void aNewArrayForAParameterIsViewedAndItsStateKept() {
        Rule rule = Rule.adam().lr(0.01).build();
        Random rnd = new Random(81);
        float[] init = Tensors.normal(rnd, 24, 1.0);
        Param p = Param.of("w", init.clone());
        try (NDManager manager = DjlEngine.startEngine().newBaseManager();
             RuleOptimizer djl = RuleOptimizer.forRule(rule).build();
             Optimizer core = Optimizer.builder().group(rule, List.of(p)).threads(1).build()) {
            NDArray first = manager.create(init.clone());
            NDArray w = first;
            for (int step = 0; step < 3; step++) {
                float[] g = Tensors.normal(rnd, 24, 0.1);
                p.setGrad(g);
                core.step();
                if (step == 1) {
                    w = manager.create(w.toFloatArray()); // the framework reallocated the weight
                }
                try (NDArray grad = manager.create(g)) {
                    djl.beginStep(List.of(new Pair<>("w", grad)));
                    djl.update("w", w, grad);
                }
            }
            assertTrue(djl.usesHostKernel("w"));
            assertArrayEquals(p.data(), w.toFloatArray(), "the new array got steps 2 and 3, moments carried over");
            assertEquals(3, djl.stepCount("w"));
            assertFalse(java.util.Arrays.equals(p.data(), first.toFloatArray()), "the old array was left alone");
        }
    }

    @Test
    void aReplacedGradientIsFoundWhereTheOldViewShowsZero() {
        DjlEngine.startEngine();
        try (NDManager manager = Engine.getInstance().newBaseManager()) {
            NDArray w = manager.create(new float[] {1, 2, 3}, new Shape(3));
            w.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(w.mul(manager.create(new float[] {4, 5, 6})).sum());
            }
            ParamState s = new ParamState("w", "w", w.getDevice(), w.getShape(), true, true, 0);
            // A view of other memory that the last step left all zero: what a replaced gradient looks like.
            NDArray stale = manager.zeros(new Shape(3));
            s.ownGrad = stale;
            s.ownGradView = TensorMemory.view(stale);
            HostStep.bindOwnGradient(s, w);
            assertNotSame(stale, s.ownGrad);
            try (NDArray g = w.getGradient()) {
                assertTrue(TensorMemory.aliases(s.ownGradView, g.toByteBuffer(true)), "now views the weight's gradient");
            }
            assertEquals(4f, s.ownGradView.getFloat(0));
            // A live view (a non-zero value anywhere) is kept without a probe.
            NDArray kept = s.ownGrad;
            HostStep.bindOwnGradient(s, w);
            assertSame(kept, s.ownGrad);
        }
    }

    @Test
    void allZeroLooksAtEveryByteUpToTheLastFloat() {
        try (NDManager manager = DjlEngine.startEngine().newBaseManager()) {
            for (int size : new int[] {1, 2, 3, 1001}) {
                NDArray g = manager.zeros(new Shape(size));
                java.nio.ByteBuffer view = TensorMemory.view(g);
                assertTrue(TensorMemory.allZero(view), size + " zeros");
                view.putFloat((size - 1) * Float.BYTES, -0.0f); // a sign bit only, in the last float
                assertFalse(TensorMemory.allZero(view), size + " floats, -0.0 last");
                view.putFloat((size - 1) * Float.BYTES, 0f);
                view.putFloat(0, Float.MIN_VALUE);
                assertFalse(TensorMemory.allZero(view), size + " floats, a subnormal first");
            }
        }
    }

    @Test
    void zeroingWritesExactZerosOverNaN() {
        try (NDManager manager = DjlEngine.startEngine().newBaseManager()) {
            NDArray g = manager.create(new float[70_000]);
            g.set(new ai.djl.ndarray.index.NDIndex("5"), Float.NaN);
            g.set(new ai.djl.ndarray.index.NDIndex("69999"), Float.NEGATIVE_INFINITY);
            TensorMemory.zero(TensorMemory.view(g));
            float[] out = g.toFloatArray();
            for (int i = 0; i < out.length; i++) {
                assertEquals(0, Float.floatToRawIntBits(out[i]), "element " + i);
            }
        }
    }
}
