package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.optim.ReferenceStep;
import org.pamadam.rule.Rule;

/**
 * Pitfall: DJL's {@code updateCount(id)} returns the global maximum, so a parameter updated less
 * often gets the wrong bias correction. The optimizer keeps each parameter's own count.
 */
class StepCountTest {

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void aParameterUpdatedLessOftenUsesItsOwnStepCount(boolean host) {
        // Adam: PAMAdam's ratio cancels the uniform factor 1/(1-b1^t), which would hide a wrong count.
        Rule rule = Rule.adam().lr(0.01).build();
        Random rnd = new Random(21);
        int n = 50;
        float[] initA = Tensors.normal(rnd, n, 1.0);
        float[] initB = Tensors.normal(rnd, n, 1.0);
        Param a = Param.of("a", initA.clone());
        Param b = Param.of("b", initB.clone());
        // What a global count would give b: the reference step with t = 3, 6, 9, 12.
        float[] globalB = initB.clone();
        float[] globalM = new float[n];
        float[] globalV = new float[n];
        try (NDManager manager = DjlEngine.startEngine().newBaseManager();
             Optimizer core = Optimizer.builder().group(rule, List.of(a, b)).threads(1).build();
             RuleOptimizer djl = RuleOptimizer.forRule(rule).optHostKernel(host).build()) {
            NDArray wa = manager.create(initA);
            NDArray wb = manager.create(initB);
            for (int step = 1; step <= 12; step++) {
                float[] ga = Tensors.normal(rnd, n, 0.1);
                float[] gb = step % 3 == 0 ? Tensors.normal(rnd, n, 0.1) : null;
                a.setGrad(ga);
                b.setGrad(gb);
                core.step();
                try (NDArray g = manager.create(ga)) {
                    djl.update("a", wa, g);
                }
                if (gb != null) {
                    try (NDArray g = manager.create(gb)) {
                        djl.update("b", wb, g);
                    }
                    ReferenceStep.step(rule, step, globalB, gb, globalM, globalV);
                }
            }
            assertEquals(host, djl.usesHostKernel("b"));
            assertEquals(12, djl.stepCount("a"));
            assertEquals(4, djl.stepCount("b"));
            assertEquals(core.stepCount("b"), djl.stepCount("b"));
            double errA = Tensors.relativeError(wa.toFloatArray(), a.data());
            double errB = Tensors.relativeError(wb.toFloatArray(), b.data());
            assertTrue(errA <= 1e-5, "a: relative error " + errA + " against the core");
            assertTrue(errB <= 1e-5, "b: relative error " + errB + " against the core (own step count 4)");
            // The pitfall is observable here: with the global count b would be far from the core.
            double errGlobal = Tensors.relativeError(globalB, b.data());
            assertTrue(errGlobal > 1e-3, "global-count result should differ visibly, differs by " + errGlobal);
        }
    }

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void beginNumUpdateIsTheFirstCountOfEveryParameter(boolean host) {
        Rule rule = Rule.adam().lr(0.01).build();
        Random rnd = new Random(22);
        float[] init = Tensors.normal(rnd, 20, 1.0);
        float[] g = Tensors.normal(rnd, 20, 0.1);
        // Resuming at update 100: the first step's bias correction uses t = 101.
        float[] want = init.clone();
        ReferenceStep.step(rule, 101, want, g, new float[20], new float[20]);
        try (NDManager manager = DjlEngine.startEngine().newBaseManager();
             RuleOptimizer djl = Adam.builder().optHostKernel(host).optLearningRate(0.01f).optBeginNumUpdate(100)
                     .build()) {
            NDArray w = manager.create(init, new Shape(4, 5));
            try (NDArray grad = manager.create(g, new Shape(4, 5))) {
                djl.update("w", w, grad);
            }
            assertEquals(101, djl.stepCount("w"));
            double err = Tensors.relativeError(w.toFloatArray(), want);
            assertTrue(err <= 1e-6, "relative error " + err);
        }
    }
}
