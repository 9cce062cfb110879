package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.Pair;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.pamadam.optim.NonFiniteGradientException;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/** optMaxRatio and optMaxGradNorm against the core optimizer with the same recipe. */
class RecipeOptionsTest {

    /** Small weights and large gradients: PAMAdam's ratio is far below 1; tiny gradients: far above. */
    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void maxRatioClampsLikeTheCore(boolean host) {
        Random rnd = new Random(11);
        float[] w = Tensors.normal(rnd, 300, 1.0);
        float[][] grads = {Tensors.normal(rnd, 300, 1e-4), Tensors.normal(rnd, 300, 1e-4)};
        Rule rule = Rule.pamAdam().lr(1e-2).maxRatio(0.25).build();
        Param core = Param.of("w", w.clone());
        try (NDManager manager = Engine.getInstance().newBaseManager();
             RuleOptimizer djl = RuleOptimizer.forRule(rule).optHostKernel(host).build();
             Optimizer ref = Optimizer.builder().group(rule, List.of(core)).threads(1).build()) {
            NDArray weight = manager.create(w.clone(), new Shape(300));
            for (float[] g : grads) {
                try (NDArray grad = manager.create(g, new Shape(300))) {
                    djl.update("w", weight, grad);
                }
                core.setGrad(g);
                ref.step();
                assertEquals(0.25, djl.lastRatio("w"), 0.0, "clamped ratio reported");
                assertEquals(ref.lastRatio("w"), djl.lastRatio("w"), 0.0);
            }
            assertTrue(Tensors.relativeError(weight.toFloatArray(), core.data()) < 1e-6,
                    "weights as the core's with the same clamp");
        }
    }

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void maxGradNormScalesEveryGradientOfTheStepLikeTheCore(boolean host) {
        Random rnd = new Random(5);
        float[] a = Tensors.normal(rnd, 200, 0.5);
        float[] b = Tensors.normal(rnd, 50, 0.5);
        float[] ga = Tensors.normal(rnd, 200, 3.0);
        float[] gb = Tensors.normal(rnd, 50, 3.0);
        Rule rule = Rule.sgd().lr(0.05).build(); // SGD: linear in g, so the clip factor shows in every step
        Param ca = Param.of("a", a.clone());
        Param cb = Param.of("b", b.clone());
        try (NDManager manager = Engine.getInstance().newBaseManager();
             RuleOptimizer djl = RuleOptimizer.forRule(rule).optHostKernel(host).optMaxGradNorm(1f).build();
             Optimizer ref = Optimizer.builder().group(rule, List.of(ca, cb)).threads(1).maxGradNorm(1.0).build()) {
            NDArray wa = manager.create(a.clone(), new Shape(200));
            NDArray wb = manager.create(b.clone(), new Shape(50));
            for (int step = 0; step < 3; step++) {
                NDArray da = manager.create(ga, new Shape(200));
                NDArray db = manager.create(gb, new Shape(50));
                djl.beginStep(List.of(new Pair<>("a", da), new Pair<>("b", db)));
                djl.update("a", wa, da);
                djl.update("b", wb, db);
                ca.setGrad(ga);
                cb.setGrad(gb);
                ref.step();
                assertEquals(ref.lastGradNorm(), djl.lastGradNorm(), 1e-5 * ref.lastGradNorm());
            }
            assertTrue(djl.lastGradNorm() > 10, "the norm clipped is large: " + djl.lastGradNorm());
            assertTrue(Tensors.relativeError(wa.toFloatArray(), ca.data()) < 1e-5);
            assertTrue(Tensors.relativeError(wb.toFloatArray(), cb.data()) < 1e-5);
        }
    }

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void maxGradNormRefusesAStepItCannotMeasure(boolean host) {
        try (NDManager manager = Engine.getInstance().newBaseManager();
             RuleOptimizer djl = RuleOptimizer.named("adam").optHostKernel(host).optMaxGradNorm(1f).build()) {
            NDArray w = manager.create(new float[] {1, 2}, new Shape(2));
            NDArray g = manager.create(new float[] {1, Float.NaN}, new Shape(2));
            IllegalStateException unbound = assertThrows(IllegalStateException.class, () -> djl.update("w", w, g));
            assertTrue(unbound.getMessage().contains("bind(block)"), unbound.getMessage());
            // The NDArray path measures the norm when the step is declared; the host path's core at its step.
            NonFiniteGradientException nan = assertThrows(NonFiniteGradientException.class, () -> {
                djl.beginStep(List.of(new Pair<>("w", g)));
                djl.update("w", w, g);
            });
            assertTrue(nan.getMessage().contains("w"), nan.getMessage());
            assertEquals(List.of(1f, 2f), List.of(w.toFloatArray()[0], w.toFloatArray()[1]), "untouched");
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> RuleOptimizer.named("adam").optMaxGradNorm(0f));
        assertTrue(bad.getMessage().contains("optMaxGradNorm"), bad.getMessage());
    }
}
