package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pamadam.optim.Accumulation;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * {@code optAccumulate(k)} against the core's {@link Accumulation} fed the same micro-batch
 * gradients: k {@code Trainer.step()} calls make one optimizer step on the mean gradient, with the
 * core's bytes. Each micro-batch's own gradient is read from a twin model with the same weights and
 * data, whose gradient is zeroed before every backward pass, while the trained model lets PyTorch
 * add the micro-batches up in its weights' gradients.
 */
class AccumulateTest {
    static final int K = 4;

    @Test
    void kTrainerStepsMakeOneCoreStepOnTheMeanGradient() {
        Rule rule = Rule.pamAdam().lr(0.01).build();
        try (PamAdam djl = PamAdam.builder().optLearningRate(0.01f).optAccumulate(K).optMaxGradNorm(0.3f).build();
             PamAdam unused = PamAdam.builder().build();
             Mlp mlp = new Mlp(djl, 6);
             Mlp twin = new Mlp(unused, 6)) {
            List<Param> params = mlp.coreParams();
            try (Optimizer core = Optimizer.builder().group(rule, params).maxGradNorm(0.3).threads(1).build()) {
                Accumulation window = new Accumulation(core, K);
                for (int micro = 1; micro <= 3 * K; micro++) {
                    zeroGradients(twin);
                    twin.backward();
                    List<float[]> own = twin.gradients();
                    for (int i = 0; i < params.size(); i++) {
                        params.get(i).setGrad(own.get(i));
                    }
                    boolean stepped = window.step();
                    mlp.backward();
                    mlp.trainer.step();
                    assertEquals(micro % K == 0, stepped);
                    assertEquals(micro / K, djl.stepCount(), "optimizer steps after micro-batch " + micro);
                    List<float[]> got = mlp.values();
                    for (int i = 0; i < params.size(); i++) {
                        assertArrayEquals(params.get(i).data(), got.get(i), "micro-batch " + micro + " " + mlp.path(i));
                    }
                    if (stepped) {
                        setValues(twin, got);
                        for (float[] g : mlp.gradients()) {
                            assertArrayEquals(new float[g.length], g, "gradients zeroed once the window is stepped");
                        }
                        assertEquals(core.lastGradNorm(), djl.lastGradNorm(), 0.0);
                    }
                }
                assertEquals(3, djl.stepCount(mlp.id(0)), "bias correction counts optimizer steps");
                assertTrue(core.lastGradNorm() > 0.3, "the clip bit: " + core.lastGradNorm());
            }
        }
    }

    @Test
    void accumulationWithoutABoundBlockIsRefusedNamingTheFix() {
        try (NDManager manager = DjlEngine.startEngine().newBaseManager();
             RuleOptimizer djl = PamAdam.builder().optAccumulate(2).build()) {
            NDArray w = manager.create(new float[] {1, 2});
            NDArray g = manager.create(new float[] {1, 1});
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> djl.update("w", w, g));
            assertTrue(e.getMessage().contains("optAccumulate(2)") && e.getMessage().contains("bind(block)"),
                    e.getMessage());
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> PamAdam.builder().optAccumulate(0));
        assertEquals("optAccumulate: accumulate must be >= 1 micro-batches per step, got 0", bad.getMessage());
    }

    private static void zeroGradients(Mlp mlp) {
        for (Pair<String, Parameter> p : mlp.parameters()) {
            try (NDArray g = p.getValue().getArray().getGradient()) {
                g.set(new float[(int) g.size()]);
            }
        }
    }

    private static void setValues(Mlp mlp, List<float[]> values) {
        List<Pair<String, Parameter>> params = new ArrayList<>(mlp.parameters());
        for (int i = 0; i < params.size(); i++) {
            params.get(i).getValue().getArray().set(values.get(i));
        }
    }
}
