package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pamadam.optim.NonFiniteGradientException;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.OptimizerState;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * The host path with a bound block, in a real DJL Trainer: each {@code Trainer.step()} is one step
 * of the core over every parameter, in place, and gives the core's bytes; a non-finite gradient in
 * the last parameter leaves every weight and moment as it was.
 */
class BoundStepTest {

    @ParameterizedTest(name = "threads={0}")
    @ValueSource(ints = {1, 2})
    void eachTrainerStepIsOneCoreStepWithTheCoresBytes(int threads) {
        Rule rule = Rule.pamAdam().lr(0.01).weightDecay(0.01).build();
        try (PamAdam djl = PamAdam.builder().optLearningRate(0.01f).optWeightDecays(0.01f).optMaxGradNorm(0.5f)
                .optThreads(threads).build();
             Mlp mlp = new Mlp(djl, 3)) {
            List<Param> params = mlp.coreParams();
            try (Optimizer core = Optimizer.builder().group(rule, params).maxGradNorm(0.5).threads(1).build()) {
                for (int step = 1; step <= 6; step++) {
                    mlp.backward();
                    List<float[]> grads = mlp.gradients();
                    for (int i = 0; i < params.size(); i++) {
                        params.get(i).setGrad(grads.get(i));
                    }
                    core.step();
                    mlp.trainer.step();
                    List<float[]> got = mlp.values();
                    for (int i = 0; i < params.size(); i++) {
                        assertArrayEquals(params.get(i).data(), got.get(i), "step " + step + " " + mlp.path(i));
                        assertEquals(core.lastRatio(mlp.path(i)), djl.lastRatio(mlp.id(i)), 0.0);
                        assertEquals(step, djl.stepCount(mlp.id(i)));
                    }
                    assertEquals(core.lastGradNorm(), djl.lastGradNorm(), 0.0);
                    for (float[] g : mlp.gradients()) {
                        assertArrayEquals(new float[g.length], g, "gradients zeroed after the step");
                    }
                }
                assertEquals(6, djl.stepCount());
                assertTrue(djl.usesHostKernel(mlp.id(0)));
                assertTrue(core.lastGradNorm() > 0.5, "the clip bit: norm " + core.lastGradNorm());
            }
        }
    }

    @Test
    void aNonFiniteGradientInTheLastParameterLeavesEveryWeightAndMomentUnchanged() {
        try (PamAdam djl = PamAdam.builder().optLearningRate(0.01f).build(); Mlp mlp = new Mlp(djl, 4)) {
            for (int i = 0; i < 2; i++) {
                mlp.backward();
                mlp.trainer.step();
            }
            List<float[]> before = mlp.values();
            OptimizerState stateBefore = djl.state();
            mlp.backward();
            int last = mlp.parameters().size() - 1;
            try (NDArray g = mlp.parameters().get(last).getValue().getArray().getGradient()) {
                // Written into the gradient's memory, where backward would have put it.
                java.nio.ByteBuffer memory = g.toByteBuffer(true).order(java.nio.ByteOrder.nativeOrder());
                memory.putFloat(memory.capacity() - Float.BYTES, Float.NaN);
                assertTrue(Float.isNaN(g.toFloatArray()[(int) g.size() - 1]), "the NaN is in the gradient");
            }
            NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, mlp.trainer::step);
            assertEquals(mlp.path(last), e.tensor(), "named by its path in the block: " + e.getMessage());
            List<float[]> after = mlp.values();
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(before.get(i), after.get(i), mlp.path(i) + " changed by a refused step");
            }
            assertStatesEqual(stateBefore, djl.state());
            assertEquals(2, djl.stepCount());
            for (float[] g : mlp.gradients()) {
                assertArrayEquals(new float[g.length], g, "exact zeros after the refused step, NaN included");
            }
            mlp.backward();
            mlp.trainer.step();
            assertEquals(3, djl.stepCount(mlp.id(last)));
        }
    }

    /**
     * Step detection through {@code bind}: the update calls of one step, in any order, make one core
     * step, started by the first; a parameter seen again starts the next.
     */
    @Test
    void theUpdateCallsOfOneStepMakeOneCoreStepInAnyOrder() {
        Rule rule = Rule.adam().lr(0.01).build();
        try (RuleOptimizer djl = RuleOptimizer.forRule(rule).build(); Mlp mlp = new Mlp(djl, 5)) {
            List<Param> params = mlp.coreParams();
            List<Pair<String, Parameter>> order = new ArrayList<>(mlp.parameters());
            try (Optimizer core = Optimizer.builder().group(rule, params).threads(1).build()) {
                for (int step = 1; step <= 3; step++) {
                    mlp.backward();
                    List<float[]> grads = mlp.gradients();
                    for (int i = 0; i < params.size(); i++) {
                        params.get(i).setGrad(grads.get(i));
                    }
                    core.step();
                    Collections.reverse(order);
                    for (Pair<String, Parameter> p : order) {
                        NDArray w = p.getValue().getArray();
                        try (NDArray g = w.getGradient(); NDArray copy = g.duplicate()) {
                            djl.update(p.getValue().getId(), w, copy); // as DJL's LocalParameterServer calls it
                        }
                    }
                    assertEquals(step, djl.stepCount(), "one optimizer step per round of updates");
                    List<float[]> got = mlp.values();
                    for (int i = 0; i < params.size(); i++) {
                        assertArrayEquals(params.get(i).data(), got.get(i), "step " + step + " " + mlp.path(i));
                        assertEquals(step, djl.stepCount(mlp.id(i)));
                    }
                }
            }
        }
    }

    static void assertStatesEqual(OptimizerState want, OptimizerState got) {
        assertEquals(want.steps(), got.steps());
        List<OptimizerState.Tensor> a = want.groups().get(0).tensors();
        List<OptimizerState.Tensor> b = got.groups().get(0).tensors();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).name(), b.get(i).name());
            assertEquals(a.get(i).step(), b.get(i).step(), a.get(i).name());
            assertEquals(a.get(i).clamped(), b.get(i).clamped(), a.get(i).name());
            assertArrayEquals(a.get(i).m(), b.get(i).m(), a.get(i).name() + " m");
            assertArrayEquals(a.get(i).v(), b.get(i).v(), a.get(i).name() + " v");
        }
    }
}
