package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.pamadam.optim.OptimizerState;

/**
 * A checkpoint holds clamp counts, {@code maxGradNorm} and the optimizer step count with the moments,
 * and a run resumed from it continues with the uninterrupted run's bytes; a refused load changes
 * nothing.
 */
class CheckpointTest {

    @Test
    void aResumedRunContinuesWithTheSameBytesClampCountsIncluded() {
        List<float[]> straight;
        OptimizerState saved;
        List<float[]> savedValues;
        long clamps;
        java.util.Map<String, String> paths = new java.util.HashMap<>();
        try (PamAdam a = recipe(); Mlp mlp = new Mlp(a, 8)) {
            for (int i = 0; i < 3; i++) {
                mlp.backward();
                mlp.trainer.step();
            }
            saved = a.state();
            savedValues = mlp.values();
            for (int i = 0; i < mlp.parameters().size(); i++) {
                paths.put(mlp.id(i), mlp.path(i));
            }
            clamps = a.clampCount(mlp.id(0));
            for (int i = 0; i < 3; i++) {
                mlp.backward();
                mlp.trainer.step();
            }
            straight = mlp.values();
        }
        assertTrue(clamps > 0, "the ratio clamp bit in the saved steps");
        OptimizerState.Tensor first = saved.groups().get(0).tensors().stream()
                .filter(t -> paths.get(t.name()).equals("01Linear_weight")).findFirst().orElseThrow();
        assertEquals(clamps, first.clamped());
        assertEquals(0.5, saved.maxGradNorm());
        assertEquals(3, saved.steps());
        try (PamAdam b = PamAdam.builder().optLearningRate(0.01f).optMaxRatio(0.5f).build(); Mlp mlp = new Mlp(b, 8)) {
            // The same data stream: three batches drawn (and thrown away) as in the first run.
            for (int i = 0; i < 3; i++) {
                mlp.backward();
            }
            zero(mlp);
            setValues(mlp, savedValues);
            b.load(renamed(saved, paths, mlp));
            assertEquals(0.5, b.state().maxGradNorm(), "the saved maxGradNorm replaces the builder's (none)");
            for (int i = 0; i < 3; i++) {
                mlp.backward();
                mlp.trainer.step();
            }
            List<float[]> resumed = mlp.values();
            for (int i = 0; i < straight.size(); i++) {
                assertArrayEquals(straight.get(i), resumed.get(i), mlp.path(i));
            }
            assertEquals(6, b.stepCount());
            assertTrue(b.clampCount(mlp.id(0)) >= clamps, "clamp counts continue from the saved ones");
        }
    }

    @Test
    void aRefusedLoadChangesNothing() {
        try (PamAdam a = recipe(); Mlp mlp = new Mlp(a, 9)) {
            mlp.backward();
            mlp.trainer.step();
            OptimizerState good = a.state();
            java.util.Map<String, String> paths = new java.util.HashMap<>();
            for (int i = 0; i < mlp.parameters().size(); i++) {
                paths.put(mlp.id(i), mlp.path(i));
            }
            try (PamAdam b = recipe(); Mlp other = new Mlp(b, 9)) {
                OptimizerState renamed = renamed(good, paths, other);
                List<OptimizerState.Tensor> tensors = new ArrayList<>(renamed.groups().get(0).tensors());
                OptimizerState.Tensor last = tensors.get(tensors.size() - 1);
                float[] v = last.v().clone();
                v[0] = -1f;
                tensors.set(tensors.size() - 1, new OptimizerState.Tensor(last.name(), last.shape(), last.step(),
                        last.lastRatio(), last.m(), v, last.clamped()));
                OptimizerState bad = new OptimizerState(List.of(new OptimizerState.Group(renamed.groups().get(0).rule(),
                        tensors)), 0, 0.5, renamed.steps());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.load(bad));
                assertTrue(e.getMessage().contains("v[0] = -1.0"), e.getMessage());
                assertEquals(0, b.state().groups().get(0).tensors().size(), "nothing of the refused state kept");
                assertEquals(0, b.stepCount());
                other.backward();
                other.trainer.step();
                assertEquals(1, b.stepCount(other.id(0)), "starts fresh");
            }
        }
    }

    private static PamAdam recipe() {
        return PamAdam.builder().optLearningRate(0.01f).optMaxGradNorm(0.5f).optMaxRatio(0.5f).build();
    }

    /** A state keyed by one model's parameter ids, keyed by another's (as the CLI does through block paths). */
    private static OptimizerState renamed(OptimizerState state, java.util.Map<String, String> paths, Mlp to) {
        java.util.Map<String, String> ids = new java.util.HashMap<>();
        for (int i = 0; i < to.parameters().size(); i++) {
            ids.put(to.path(i), to.id(i));
        }
        List<OptimizerState.Tensor> out = new ArrayList<>();
        for (OptimizerState.Tensor t : state.groups().get(0).tensors()) {
            out.add(new OptimizerState.Tensor(ids.get(paths.get(t.name())), t.shape(), t.step(), t.lastRatio(), t.m(),
                    t.v(), t.clamped()));
        }
        return new OptimizerState(List.of(new OptimizerState.Group(state.groups().get(0).rule(), out)),
                state.skippedSteps(), state.maxGradNorm(), state.steps());
    }

    private static void zero(Mlp mlp) {
        for (Pair<String, Parameter> p : mlp.parameters()) {
            try (var g = p.getValue().getArray().getGradient()) {
                g.set(new float[(int) g.size()]);
            }
        }
    }

    private static void setValues(Mlp mlp, List<float[]> values) {
        for (int i = 0; i < values.size(); i++) {
            mlp.parameters().get(i).getValue().getArray().set(values.get(i));
        }
    }
}
