package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pamadam.rule.Decay;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/** Invalid hyperparameters and wiring are refused with a message that names the problem. */
class ValidationTest {

    private static void assertMessage(Throwable t, String... parts) {
        Throwable cause = t;
        StringBuilder all = new StringBuilder();
        while (cause != null) {
            all.append(cause.getMessage()).append(" | ");
            cause = cause.getCause();
        }
        for (String part : parts) {
            assertTrue(all.toString().contains(part), "expected '" + part + "' in: " + all);
        }
    }

    @Test
    void updaterHyperparameters() {
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new RuleUpdater(Moments.ADAM, 1e-3, null, 1.0, 0.999, 1e-8)), "beta1 must be in [0, 1), got 1.0");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new RuleUpdater(Moments.ADAM, 1e-3, null, 0.9, -0.5, 1e-8)), "beta2 must be in [0, 1), got -0.5");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new RuleUpdater(Moments.ADAM, 1e-3, null, 0.9, 0.999, Double.NaN)), "eps must be", "NaN");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new RuleUpdater(Moments.ADAM, -1e-3, null, 0.9, 0.999, 1e-8)),
                "learningRate must be a finite number >= 0", "-0.001");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new RuleUpdater(null, 1e-3, null, 0.9, 0.999, 1e-8)), "moments must be ADAM or MOMENTUM");
        RuleUpdater ok = new RuleUpdater(Rule.pamAdam().build());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> ok.setLrAndSchedule(Double.NaN, null)),
                "learningRate must be a finite number >= 0 (or NaN with a schedule), got NaN");
        assertEquals(1e-3, ok.getLearningRate(0, 0), "a refused change must leave the updater as it was");
    }

    @Test
    void tensorStepHyperparameters() {
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new TensorStep(TrustRatio.MEAN_ABS, Decay.NONE, 0.1)), "weightDecay is 0.1 but decay is NONE");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new TensorStep(TrustRatio.MEAN_ABS, Decay.DECOUPLED, -1)), "weightDecay must be a finite number >= 0");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new TensorStep(TrustRatio.MEAN_ABS, Decay.L2_GRADIENT, 0.1)), "L2_GRADIENT");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> new TensorStep(null, Decay.NONE, 0)), "ratio and decay must be set");
    }

    @Test
    void invalidValuesInJsonAreRefusedWhenRead() {
        MultiLayerConfiguration conf = Dl4jOptimizers.apply(Fixtures.mlp(8, 1), Rule.pamAdam().build());
        String json = conf.toJson();
        assertTrue(json.contains("\"beta2\" : 0.999"), "JSON layout changed: " + json);
        Throwable t = assertThrows(RuntimeException.class,
                () -> MultiLayerConfiguration.fromJson(json.replace("\"beta2\" : 0.999", "\"beta2\" : 1.5")));
        assertMessage(t, "beta2 must be in [0, 1), got 1.5");
        Throwable w = assertThrows(RuntimeException.class,
                () -> MultiLayerConfiguration.fromJson(json.replace("\"weightDecay\" : 0.0", "\"weightDecay\" : -2.0")));
        assertMessage(w, "weightDecay must be a finite number >= 0, got -2.0");
    }

    @Test
    void conflictingRegularizationIsRefused() {
        MultiLayerConfiguration withWeightDecay = new NeuralNetConfiguration.Builder().weightDecay(1e-4).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(3).build())
                .layer(new OutputLayer.Builder().nIn(3).nOut(2).build()).build();
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Dl4jOptimizers.apply(withWeightDecay, Rule.pamAdam().build())),
                "layer 0", "WeightDecay", "rule's weightDecay");
        MultiLayerConfiguration withL2 = new NeuralNetConfiguration.Builder().l2(1e-4).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(3).build())
                .layer(new OutputLayer.Builder().nIn(3).nOut(2).build()).build();
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Dl4jOptimizers.apply(withL2, Rule.adam().weightDecay(1e-3).build())),
                "layer 0", "L2Regularization", "keep one of them");
        // L2 on the layers and a rule without L2 of its own combine: the layer's L2 stays (DL4J adds it to
        // the gradient before the updater), followed by the rule's TensorStep, and the biases get their TensorStep too.
        Dl4jOptimizers.apply(withL2, Rule.pamAdam().build());
        for (int i = 0; i < 2; i++) {
            BaseLayer layer = (BaseLayer) withL2.getConf(i).getLayer();
            List<Regularization> regs = layer.getRegularization();
            assertEquals(2, regs.size(), "layer " + i + ": " + regs);
            assertTrue(regs.get(0) instanceof L2Regularization, "layer " + i + ": " + regs);
            assertEquals(1e-4, ((L2Regularization) regs.get(0)).getL2().valueAt(0, 0), 1e-12, "layer " + i + ": " + regs);
            assertTrue(regs.get(1) instanceof TensorStep, "layer " + i + ": " + regs);
            List<Regularization> biasRegs = layer.getRegularizationBias();
            assertTrue(biasRegs.get(biasRegs.size() - 1) instanceof TensorStep, "layer " + i + " biases: " + biasRegs);
        }
    }

    @Test
    void aRegularizationOnTheGlobalBuilderEndsUpOnceAfterApply() {
        // DL4J 1.0.0-M2 copies a global regularization into each layer and then appends it again.
        Rule rule = Rule.pamAdam().build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().updater(new RuleUpdater(rule))
                .regularization(new ArrayList<>(List.of(new TensorStep(rule)))).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(3).build())
                .layer(new OutputLayer.Builder().nIn(3).nOut(2).build()).build();
        List<Regularization> before = ((BaseLayer) conf.getConf(0).getLayer()).getRegularization();
        Dl4jOptimizers.apply(conf, rule);
        for (int i = 0; i < 2; i++) {
            List<Regularization> regs = ((BaseLayer) conf.getConf(i).getLayer()).getRegularization();
            assertEquals(1, regs.size(), "layer " + i + " (before apply: " + before + "): " + regs);
        }
    }

    @Test
    void nonFloatNetworksAreRefusedAtTheFirstStep() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jOptimizers.apply(conf, Rule.pamAdam().build()));
        net.init();
        Throwable t = assertThrows(RuntimeException.class,
                () -> net.fit(Fixtures.batch(Fixtures.data().train(), 0, 4).getFeatures().castTo(DataType.DOUBLE),
                        Fixtures.batch(Fixtures.data().train(), 0, 4).getLabels().castTo(DataType.DOUBLE)));
        assertMessage(t, "float32", "DOUBLE", "dataType(DataType.FLOAT)");
    }
}
