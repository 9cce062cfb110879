package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.Pair;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * Both paths apply DJL's rescale and element clipping first and the global-norm factor last
 * ({@code factor * clip(rescale * g)}, the norm measured on {@code clip(rescale * g)}), as the core
 * fed {@code clip(rescale * g)} does. Applying the factor first, as the NDArray path once did, gives
 * another step where the element clip bites.
 */
class ClipPointTest {

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void theGlobalNormFactorComesAfterRescaleAndElementClipping(boolean host) {
        Random rnd = new Random(91);
        float[] a = Tensors.normal(rnd, 200, 0.5);
        float[] b = Tensors.normal(rnd, 60, 0.5);
        Rule rule = Rule.sgd().lr(0.05).build(); // linear in g: every difference in g shows
        Param ca = Param.of("a", a.clone());
        Param cb = Param.of("b", b.clone());
        try (NDManager manager = DjlEngine.startEngine().newBaseManager();
             RuleOptimizer djl = RuleOptimizer.forRule(rule).optHostKernel(host).setRescaleGrad(0.5f).optClipGrad(0.4f)
                     .optMaxGradNorm(1f).build();
             Optimizer core = Optimizer.builder().group(rule, List.of(ca, cb)).threads(1).maxGradNorm(1.0).build()) {
            NDArray wa = manager.create(a.clone(), new Shape(200));
            NDArray wb = manager.create(b.clone(), new Shape(60));
            for (int step = 0; step < 3; step++) {
                float[] ga = Tensors.normal(rnd, 200, 1.0);
                float[] gb = Tensors.normal(rnd, 60, 1.0);
                try (NDArray da = manager.create(ga, new Shape(200)); NDArray db = manager.create(gb, new Shape(60))) {
                    djl.beginStep(List.of(new Pair<>("a", da), new Pair<>("b", db)));
                    djl.update("a", wa, da);
                    djl.update("b", wb, db);
                }
                ca.setGrad(clip(ga));
                cb.setGrad(clip(gb));
                core.step();
                assertEquals(core.lastGradNorm(), djl.lastGradNorm(), 1e-5 * core.lastGradNorm());
            }
            assertTrue(core.lastGradNorm() > 1, "the global clip bit: " + core.lastGradNorm());
            assertTrue(Tensors.relativeError(wa.toFloatArray(), ca.data()) < 1e-6, "a");
            assertTrue(Tensors.relativeError(wb.toFloatArray(), cb.data()) < 1e-6, "b");
        }
    }

    private static float[] clip(float[] g) {
        float[] out = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            out[i] = Math.max(-0.4f, Math.min(0.4f, g[i] * 0.5f));
        }
        return out;
    }
}
