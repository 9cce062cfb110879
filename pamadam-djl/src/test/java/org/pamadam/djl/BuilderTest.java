package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.loss.Loss;
import ai.djl.util.Utils;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.pamadam.rule.Rule;

/** Builder mapping onto the core presets, and bad input refused with the value and what was expected. */
class BuilderTest {

    @Test
    void defaultsAreTheCorePresets() {
        assertEquals(Rule.pamAdam().build(), PamAdam.builder().build().rule());
        assertEquals(Rule.lamb().build(), Lamb.builder().build().rule());
        assertEquals(Rule.adam().build(), Adam.builder().build().rule());
        assertEquals(Rule.adamW().build(), AdamW.builder().build().rule());
        assertEquals(0.01, AdamW.builder().build().rule().weightDecay());
        assertEquals(1e-6, Lamb.builder().build().rule().eps());
    }

    @Test
    void settersMapOntoTheRuleAsTheDecimalsWritten() {
        Rule want = Rule.pamAdam().lr(0.02).betas(0.8, 0.99).eps(1e-7).weightDecay(0.1).adapt(false).build();
        RuleOptimizer got = PamAdam.builder().optLearningRate(0.02f).optBeta1(0.8f).optBeta2(0.99f)
                .optEpsilon(1e-7f).optWeightDecays(0.1f).optAdapt(false).build();
        assertEquals(want, got.rule());
        assertEquals(Rule.sgd().lr(0.1).momentum(0.5).build(),
                RuleOptimizer.named("SGD").optLearningRate(0.1f).optBeta1(0.5f).build().rule());
        Rule custom = Rule.lamb().lr(0.004).weightDecay(0.02).build();
        assertEquals(custom, RuleOptimizer.forRule(custom).build().rule());
    }

    @Test
    void usableInOneLineAsDjlsTrainingConfigOptimizer() {
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(PamAdam.builder().build());
        assertInstanceOf(PamAdam.class, config.getOptimizer());
    }

    @Test
    void invalidHyperparametersAreRefusedAtBuildNamingTheValue() {
        refused(() -> PamAdam.builder().optBeta1(1f).build(), "pamadam: beta1 must be in [0, 1), got 1.0");
        refused(() -> Lamb.builder().optBeta2(-0.5f).build(), "lamb: beta2 must be in [0, 1), got -0.5");
        refused(() -> Adam.builder().optEpsilon(-1e-8f).build(), "adam: eps must be a finite number >= 0, got -1.0E-8");
        refused(() -> AdamW.builder().optLearningRate(Float.NaN).build(), "adamw: lr must be a finite number >= 0, got NaN");
        refused(() -> PamAdam.builder().optLearningRate(Float.POSITIVE_INFINITY).build(), "lr must be a finite number >= 0, got Infinity");
        refused(() -> PamAdam.builder().optWeightDecays(-0.01f).build(), "pamadam: weightDecay must be a finite number >= 0, got -0.01");
        refused(() -> PamAdam.builder().setRescaleGrad(0f).build(), "setRescaleGrad: the gradient scale must be a finite number > 0, got 0.0");
        refused(() -> PamAdam.builder().setRescaleGrad(Float.NaN).build(), "got NaN");
        refused(() -> PamAdam.builder().optClipGrad(Float.NaN).build(), "optClipGrad: must be > 0 to clip or negative to turn clipping off, got NaN");
        refused(() -> PamAdam.builder().optClipGrad(0f).build(), "optClipGrad");
        refused(() -> PamAdam.builder().optBeginNumUpdate(-1).build(), "optBeginNumUpdate: must be >= 0, got -1");
        refused(() -> PamAdam.builder().optPlainStep("bias(").build(), "optNoAdapt: 'bias(' is not a valid regular expression");
        refused(() -> PamAdam.builder().optLearningRateTracker((id, n) -> -1f).build(),
                "learning-rate tracker: its first value -1.0 is invalid: pamadam: lr must be a finite number >= 0, got -1.0");
        refused(() -> RuleOptimizer.named("adamax").build(), "unknown optimizer 'adamax'");
    }

    @Test
    void badValuesDuringTrainingNameTheParameter() {
        try (NDManager manager = DjlEngine.startEngine().newBaseManager();
             RuleOptimizer optimizer = PamAdam.builder()
                     .optLearningRateTracker((id, n) -> n < 3 ? 0.01f : Float.NaN).build()) {
            NDArray w = manager.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
            try (NDArray g = manager.create(new float[] {1, 1, 1, 1}, new Shape(2, 2))) {
                optimizer.update("layer.weight", w, g);
                optimizer.update("layer.weight", w, g);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> optimizer.update("layer.weight", w, g));
                assertEquals("learning-rate tracker gave NaN for parameter 'layer.weight' at update 3: "
                        + "pamadam: lr must be a finite number >= 0, got NaN", e.getMessage());
            }
            try (NDArray wrong = manager.create(new float[] {1, 1, 1, 1}, new Shape(4))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> optimizer.update("layer.weight", w, wrong));
                assertEquals("gradient of parameter 'layer.weight' has shape (4), its weight has shape (2, 2)",
                        e.getMessage());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> optimizer.lastRatio("nope"));
            assertTrue(e.getMessage().startsWith("parameter 'nope' has not been updated"), e.getMessage());
        }
    }

    @Test
    void testsRunWithDjlOffline() {
        // Guards the build configuration: engine start must not reach the network.
        assertTrue(Utils.isOfflineMode(), "DJL_OFFLINE / ai.djl.offline must be set for tests");
    }

    private static void refused(Supplier<?> build, String expectedMessagePart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        assertTrue(e.getMessage().contains(expectedMessagePart),
                () -> "message '" + e.getMessage() + "' should contain '" + expectedMessagePart + "'");
    }
}
