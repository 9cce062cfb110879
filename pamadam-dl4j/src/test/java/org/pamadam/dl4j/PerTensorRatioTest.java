package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.function.Function;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * A real network, one DL4J updater block spanning W and b of both layers, against the core optimizer
 * fed the same gradients: parameters and per-tensor trust ratios must agree tensor by tensor.
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
        // DL4J gives the updater one block spanning every tensor of the network.
        List<UpdaterBlock> blocks = ((MultiLayerUpdater) net.getUpdater()).getUpdaterBlocks();
        assertEquals(1, blocks.size(), "W and b of both layers share an updater configuration, so one block");
        assertEquals(4, blocks.get(0).getLayersAndVariablesInBlock().size());

        Map<String, Double> ratios = runAgainstCore(net, key -> rule);
        if (rule.effectiveRatio() != TrustRatio.NONE) {
            // W and b of a layer take clearly different ratios, so no single block-wide ratio could
            // have matched the core for both.
            for (String layer : List.of("layer0", "layer1")) {
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
        // Biases without ratio or decay need no TensorStep at all: plain Adam, nothing to report.
        assertFalse(ratios.containsKey("layer0_b") || ratios.containsKey("layer1_b"), ratios.toString());
        assertTrue(Math.abs(ratios.get("layer0_W") - 1.0) > 0.1, "W must adapt: " + ratios);
    }

    @Test
    void batchNormParametersTakeThePlainStep() {
        Rule rule = Rule.pamAdam().lr(3e-3).build();
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
        // DL4J never regularizes gamma and beta, so they keep RuleUpdater's plain Adam step (ratio 1).
        Rule plain = rule.toBuilder().adapt(false).build();
        Map<String, Double> ratios = runAgainstCore(net, key -> key.startsWith("1_")
                ? (key.endsWith("gamma") || key.endsWith("beta") ? plain : null) : rule);
        assertEquals(java.util.Set.of("layer0_W", "layer0_b", "layer2_W", "layer2_b"), ratios.keySet());
    }

    /**
     * Steps net and the core optimizer together, with the rule {@code ruleFor} gives each DL4J
     * parameter key (null: not compared); checks parameters and ratios at every step and returns the
     * last DL4J ratios.
     */
    private static Map<String, Double> runAgainstCore(MultiLayerNetwork net, Function<String, Rule> ruleFor) {
        Map<String, Param> params = new LinkedHashMap<>();
        Map<Rule, List<Param>> groups = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            Rule rule = ruleFor.apply(e.getKey());
            if (rule != null) {
                Param p = Param.of(e.getKey(), Fixtures.floats(e.getValue()));
                params.put(e.getKey(), p);
                groups.computeIfAbsent(rule, r -> new ArrayList<>()).add(p);
            }
        }
        Optimizer.Builder builder = Optimizer.builder().threads(1);
        groups.forEach(builder::group);
        Map<String, Double> ratios = Map.of();
        try (Optimizer core = builder.build()) {
            for (int step = 0; step < STEPS; step++) {
                DataSet batch = Fixtures.batch(Fixtures.data().train(), step * BATCH, BATCH);
                // The gradient DL4J's updater receives: backprop on a copy, then divided by the batch size.
                MultiLayerNetwork probe = net.clone();
                probe.setInput(batch.getFeatures());
                probe.setLabels(batch.getLabels());
                probe.computeGradientAndScore();
                for (Param p : params.values()) {
                    p.setGrad(Fixtures.floats(probe.gradient().getGradientFor(p.name()).dup().divi(BATCH)));
                }
                core.step();
                net.fit(batch);

                ratios = Dl4jOptimizers.lastRatios(net);
                Map<String, INDArray> after = net.paramTable();
                for (Param p : params.values()) {
                    String key = p.name();
                    Rule rule = ruleFor.apply(key);
                    String where = rule.name() + " step " + (step + 1) + " " + key;
                    double err = relativeError(Fixtures.floats(after.get(key)), p.data());
                    assertTrue(err <= 1e-6, where + ": parameters differ from the core by " + err);
                    Double ratio = ratios.get("layer" + key);
                    if (rule.effectiveRatio() != TrustRatio.NONE) {
                        assertNotNull(ratio, where + ": no ratio reported in " + ratios);
                        double bound = p.size() >= 4096 ? 1e-6 : 1e-4;
                        double ratioErr = Math.abs(ratio / core.lastRatio(key) - 1);
                        assertTrue(ratioErr <= bound, where + ": ratio " + ratio + " vs core " + core.lastRatio(key));
                    } else {
                        assertTrue(ratio == null || ratio == 1.0, where + ": a rule without trust ratio reported "
                                + ratio);
                    }
                }
            }
        }
        return ratios;
    }

    static double relativeError(float[] got, float[] want) {
        double maxDiff = 0;
        double maxWant = 0;
        for (int i = 0; i < want.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) got[i] - want[i]));
            maxWant = Math.max(maxWant, Math.abs(want[i]));
        }
        return maxWant == 0 ? (maxDiff == 0 ? 0 : Double.POSITIVE_INFINITY) : maxDiff / maxWant;
    }
}
