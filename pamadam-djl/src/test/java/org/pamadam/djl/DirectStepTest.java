package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pamadam.optim.NonFiniteGradientException;

/**
 * {@link RuleOptimizer#step()} is {@code trainer.step()} without DJL's parameter store: two equal
 * models on equal data, one stepped by its trainer and one by its optimizer directly (its trainer
 * once, in the middle), have the same bits after every step, the same step counts, and zero
 * gradients.
 */
class DirectStepTest {

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void aDirectStepIsTheTrainersStep(boolean host) {
        try (PamAdam a = PamAdam.builder().optHostKernel(host).optMaxGradNorm(0.5f).build();
             PamAdam b = PamAdam.builder().optHostKernel(host).optMaxGradNorm(0.5f).build();
             Mlp viaTrainer = new Mlp(a, 17);
             Mlp direct = new Mlp(b, 17)) {
            for (int step = 1; step <= 5; step++) {
                viaTrainer.backward();
                viaTrainer.trainer.step();
                direct.backward();
                if (step == 3) {
                    direct.trainer.step(); // mixed: the trainer's step after direct ones is a step of its own
                } else {
                    b.step();
                }
                List<float[]> expected = viaTrainer.values();
                List<float[]> actual = direct.values();
                for (int i = 0; i < expected.size(); i++) {
                    assertArrayEquals(expected.get(i), actual.get(i), direct.path(i) + " after step " + step);
                }
                assertEquals(step, b.stepCount());
                assertEquals(step, b.stepCount(direct.id(0)));
                for (float[] g : direct.gradients()) {
                    for (float x : g) {
                        assertEquals(0, Float.floatToRawIntBits(x), "gradients left as exact zeros");
                    }
                }
            }
            assertEquals(host, b.usesHostKernel(direct.id(0)));
            assertTrue(b.lastGradNorm() > 0.5, "the clip bit: " + b.lastGradNorm());
        }
    }

    @Test
    void aTrainerStepAfterARefusedDirectStepIsAStepOfItsOwn() {
        try (PamAdam optimizer = PamAdam.builder().build(); Mlp mlp = new Mlp(optimizer, 29)) {
            mlp.backward();
            int last = mlp.parameters().size() - 1;
            try (NDArray g = mlp.parameters().get(last).getValue().getArray().getGradient()) {
                java.nio.ByteBuffer memory = g.toByteBuffer(true).order(java.nio.ByteOrder.nativeOrder());
                memory.putFloat(0, Float.POSITIVE_INFINITY); // where backward would have put it
            }
            assertThrows(NonFiniteGradientException.class, optimizer::step);
            assertEquals(0, optimizer.stepCount());
            mlp.backward();
            mlp.trainer.step();
            assertEquals(1, optimizer.stepCount(), "the trainer's step was taken");
            assertEquals(1, optimizer.stepCount(mlp.id(0)));
        }
    }

    @Test
    void aDirectStepNeedsABoundBlock() {
        try (PamAdam optimizer = PamAdam.builder().build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, optimizer::step);
            assertTrue(e.getMessage().contains("bind(block)"), e.getMessage());
        }
    }
}
