package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * A real network, one DL4J updater block spanning W and b of both layers, against the core optimizer
 * fed the mean gradients ({@link CoreTwin}): parameters and per-tensor trust ratios agree bit for bit.
 */
class PerTensorRatioTest {
    private static final int BATCH = 32;
    private static final int STEPS = 4;

    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of(Rule.pamAdam().lr(3e-3).build()),
                Arguments.of(Rule.pamAdam().lr(3e-3).weightDecay(0.05).build()),
                Arguments.of(Rule.lamb().lr(1e-2).weightDecay(0.01).build()),
                Arguments.of(Rule.adam().lr(1e-3).weightDecay(0.01).build()),
                Arguments.of(Rule.adamW().lr(1e-3).build()),
                Arguments.of(Rule.sgd().lr(0.05).momentum(0.9).weightDecay(1e-3).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void everyTensorStepsAsTheCoreOptimizer(Rule rule) {
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jOptimizers.apply(Fixtures.mlp(32, 7), rule));
        net.init();
        assertEquals(1, ((MultiLayerUpdater) net.getUpdater()).getUpdaterBlocks().size(),
                "W and b of both layers share an updater configuration, so one block");
        Map<String, Double> ratios = runAgainstCore(net, key -> rule);
        if (rule.effectiveRatio() != TrustRatio.NONE) {
            // W and b of a layer take clearly different ratios: per tensor, not per block.
            for (String layer : List.of("0", "1")) {
                double w = ratios.get(layer + "_W");
                double b = ratios.get(layer + "_b");
                assertTrue(Math.abs(w / b - 1) > 0.05, layer + ": W ratio " + w + " and b ratio " + b
                        + " are too close to show they are separate");
            }
        }
    }

    @Test
    void biasesCanTakeAPlainStepWhileWeightsAdapt() {
        Rule weights = Rule.pamAdam().lr(3e-3).build();
        Rule biases = weights.toBuilder().adapt(false).build();
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jOptimizers.apply(Fixtures.mlp(32, 9), weights, biases));
        net.init();
        Map<String, Double> ratios = runAgainstCore(net, key -> key.endsWith("_b") ? biases : weights);
        assertEquals(1.0, ratios.get("0_b"));
        assertTrue(Math.abs(ratios.get("0_W") - 1.0) > 0.1, "W must adapt: " + ratios);
    }

    @Test
    void batchNormGammaAndBetaTakeTheRule() {
        Rule rule = Rule.pamAdam().lr(3e-3).weightDecay(0.01).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER).biasInit(0.1)
                .list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(32).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().nOut(32).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(32).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jOptimizers.apply(conf, rule));
        net.init();
        // As on djl: gamma and beta take the rule's ratio and decay; the running mean and variance
        // keep DL4J's own update and are no tensors of the step.
        Map<String, Double> ratios = runAgainstCore(net, key -> rule);
        assertEquals(List.of("0_W", "0_b", "1_gamma", "1_beta", "2_W", "2_b"), List.copyOf(ratios.keySet()));
        assertTrue(ratios.get("1_gamma") != 1.0 && ratios.get("1_beta") != 1.0, ratios.toString());
    }

    /**
     * Steps net and the core together, tensor {@code k} under {@code ruleFor.apply(k)}; checks
     * parameters and ratios at every step, bit for bit, and returns the last ratios.
     */
    private static Map<String, Double> runAgainstCore(MultiLayerNetwork net, Function<String, Rule> ruleFor) {
        NetworkStep step = Dl4jOptimizers.attach(net);
        List<String> names = step.tensorNames();
        try (CoreTwin twin = new CoreTwin(net, names, ruleFor, Double.POSITIVE_INFINITY, 1)) {
            for (int s = 0; s < STEPS; s++) {
                DataSet batch = Fixtures.batch(Fixtures.data().train(), s * BATCH, BATCH);
                twin.step(twin.meanGradients(batch));
                net.fit(batch);
                for (String n : names) {
                    String where = "step " + (s + 1) + " " + n;
                    assertArrayEquals(twin.values(n), CoreTwin.memoryOrder(net.getParam(n)), where);
                    assertEquals(twin.core.lastRatio(n), step.lastRatio(n), where + " ratio");
                }
            }
        }
        return Dl4jOptimizers.lastRatios(net);
    }
}
