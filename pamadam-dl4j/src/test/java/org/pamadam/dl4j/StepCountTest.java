package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pamadam.rule.Rule;

/**
 * Bias correction reads each tensor's own step count, kept in the updater state's counter region:
 * saved and restored with the network (with clamp counts and ratios), untouched by DL4J's
 * iteration count, and starting at 1 for a layer that transfer learning adds.
 */
class StepCountTest {

    private static MultiLayerNetwork trained(Rule rule, int steps) {
        MultiLayerNetwork net = CoreEqualityTest.bnNet(rule);
        Dl4jOptimizers.attach(net);
        for (int s = 0; s < steps; s++) {
            net.fit(CoreEqualityTest.batch(s));
        }
        return net;
    }

    @Test
    void countsClampsAndRatiosAreSavedWithTheNetworkAndContinueBitForBit() throws IOException {
        // maxRatio low enough that some steps clamp, so the clamp count is a real number to keep.
        Rule rule = Rule.pamAdam().lr(1e-2).maxRatio(0.5).build();
        MultiLayerNetwork straight = trained(rule, 3);
        MultiLayerNetwork saved = trained(rule, 3);
        NetworkStep before = Dl4jOptimizers.attached(saved);
        assertTrue(before.tensorNames().stream().anyMatch(n -> before.clampCount(n) > 0), "no step clamped: "
                + before.lastRatios());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(saved, out, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(out.toByteArray()),
                true);
        NetworkStep step = Dl4jOptimizers.attach(restored);
        for (String n : step.tensorNames()) {
            assertEquals(3, step.stepCount(n), n);
            assertEquals(before.clampCount(n), step.clampCount(n), n + " clamp count");
            assertEquals((float) before.lastRatio(n), (float) step.lastRatio(n), n + " last ratio");
        }
        straight.fit(CoreEqualityTest.batch(3));
        restored.fit(CoreEqualityTest.batch(3));
        assertArrayEquals(straight.params().toFloatVector(), restored.params().toFloatVector(),
                "a restored network continues as the one never saved");
        assertEquals(4, step.stepCount("0_W"));
    }

    @Test
    void dl4jsIterationCountDoesNotMoveBiasCorrection() {
        Rule rule = Rule.adam().lr(1e-2).build();
        MultiLayerNetwork a = trained(rule, 2);
        MultiLayerNetwork b = trained(rule, 2);
        b.setIterationCount(1000);
        a.fit(CoreEqualityTest.batch(2));
        b.fit(CoreEqualityTest.batch(2));
        assertArrayEquals(a.params().toFloatVector(), b.params().toFloatVector());
        assertEquals(3, Dl4jOptimizers.attached(b).stepCount("0_W"));
    }

    @Test
    void aLayerAddedByTransferLearningStartsItsOwnCountAtOne() {
        Rule rule = Rule.pamAdam().lr(1e-2).build();
        MultiLayerNetwork base = trained(rule, 5);
        MultiLayerNetwork tuned = new TransferLearning.Builder(base)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().seed(5).build())
                .removeOutputLayer()
                .addLayer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(3)
                        .weightInit(WeightInit.XAVIER).activation(Activation.SOFTMAX).build())
                .build();
        Dl4jOptimizers.apply(tuned.getLayerWiseConfigurations(), rule);
        tuned.init();
        NetworkStep step = Dl4jOptimizers.attach(tuned);
        // Continue DL4J's count, as a fine-tuning run does: bias correction read from it would use
        // t = 6 for the new layer, whose moments start at zero.
        tuned.setIterationCount(base.getIterationCount());
        assertEquals(5, tuned.getIterationCount());
        List<String> fresh = List.of("2_W", "2_b");
        try (CoreTwin twin = new CoreTwin(tuned, fresh, rule, Double.POSITIVE_INFINITY, 1)) {
            twin.step(twin.meanGradients(CoreEqualityTest.batch(9)).subList(0, 2));
            tuned.fit(CoreEqualityTest.batch(9));
            for (String n : fresh) {
                assertEquals(1, step.stepCount(n), n);
                // The new layer's first step, bias correction at t = 1, as the core's fresh tensor.
                assertArrayEquals(twin.values(n), CoreTwin.memoryOrder(tuned.getParam(n)), n);
            }
        }
    }

    @Test
    void aLayerFrozenThenUnfrozenStartsItsCountWhereItsMomentsStart() {
        Rule rule = Rule.pamAdam().lr(1e-2).build();
        MultiLayerNetwork base = CoreEqualityTest.bnNet(rule);
        MultiLayerNetwork frozen = new TransferLearning.Builder(base).setFeatureExtractor(0).build();
        NetworkStep frozenStep = Dl4jOptimizers.attach(frozen);
        assertEquals(List.of("1_gamma", "1_beta", "2_W", "2_b"), frozenStep.tensorNames(), "layer 0 is frozen");
        float[] frozenW = CoreTwin.memoryOrder(frozen.getParam("0_W"));
        for (int s = 0; s < 3; s++) {
            frozen.fit(CoreEqualityTest.batch(s));
        }
        assertArrayEquals(frozenW, CoreTwin.memoryOrder(frozen.getParam("0_W")), "a frozen layer does not move");

        // Unfreeze: the same layers, trainable, with the trained values and the trained layers' state.
        MultiLayerNetwork unfrozen = CoreEqualityTest.bnNet(rule);
        unfrozen.setParams(frozen.params());
        NetworkStep step = Dl4jOptimizers.attach(unfrozen);
        assertEquals(List.of("1_gamma", "1_beta", "2_W", "2_b"), step.copyStateFrom(frozenStep));
        assertEquals(3, step.stepCount("2_W"));
        assertEquals(0, step.stepCount("0_W"));
        List<String> thawed = List.of("0_W", "0_b");
        try (CoreTwin twin = new CoreTwin(unfrozen, thawed, rule, Double.POSITIVE_INFINITY, 1)) {
            twin.step(twin.meanGradients(CoreEqualityTest.batch(3)).subList(0, 2));
            unfrozen.fit(CoreEqualityTest.batch(3));
            for (String n : thawed) {
                assertEquals(1, step.stepCount(n), n);
                assertArrayEquals(twin.values(n), CoreTwin.memoryOrder(unfrozen.getParam(n)),
                        n + ": its first step, bias correction at t = 1");
            }
        }
        assertEquals(4, step.stepCount("2_W"), "the layers that trained all along continue their count");
    }

    @Test
    void atLearningRateZeroTheReportedRatioIsTheRules() {
        Rule rule = Rule.pamAdam().lr(0.0).build();
        MultiLayerNetwork net = CoreEqualityTest.bnNet(rule);
        NetworkStep step = Dl4jOptimizers.attach(net);
        List<String> names = step.tensorNames();
        try (CoreTwin twin = new CoreTwin(net, names, rule, Double.POSITIVE_INFINITY, 1)) {
            twin.step(twin.meanGradients(CoreEqualityTest.batch(0)));
            net.fit(CoreEqualityTest.batch(0));
            for (String n : names) {
                assertEquals(twin.core.lastRatio(n), step.lastRatio(n), n);
            }
            assertNotEquals(1.0, step.lastRatio("0_W"), "the ratio of mean|p| / mean|step|, not a guard's 1");
            assertEquals(0, step.clampCount("0_W"));
        }
    }
}
