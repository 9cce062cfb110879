package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.pamadam.rule.Decay;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * The configuration survives DL4J's JSON, and a network saved with its updater state by
 * ModelSerializer continues bit for bit as the uninterrupted one does.
 */
class SerializationTest {
    private static final Rule RULE = Rule.pamAdam().lr(3e-3).weightDecay(0.01).build();

    private static List<DataSet> batches() {
        return Fixtures.batches(Fixtures.data().train().head(640), 64);
    }

    @Test
    void jsonRoundTripKeepsTheRuleAndTrainsBitIdentically() {
        MultiLayerConfiguration conf = Dl4jOptimizers.apply(Fixtures.mlp(32, 3), RULE);
        String json = conf.toJson();
        assertTrue(json.contains("org.pamadam.dl4j.RuleUpdater"), "updater missing from JSON");
        assertTrue(json.contains("org.pamadam.dl4j.TensorStep"), "per-tensor step missing from JSON");
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, back);
        assertEquals(json, back.toJson());

        BaseLayer layer = (BaseLayer) back.getConf(0).getLayer();
        RuleUpdater u = assertInstanceOf(RuleUpdater.class, layer.getIUpdater());
        assertEquals(3e-3, u.getLearningRate());
        TensorStep step = assertInstanceOf(TensorStep.class, layer.getRegularization().get(0));
        assertEquals(TrustRatio.MEAN_ABS, step.getRatio());
        assertEquals(Decay.DECOUPLED, step.getDecay());
        assertEquals(0.01, step.getWeightDecay());
        assertTrue(layer.getRegularizationBias().get(0) instanceof TensorStep);
        // Each layer has its own instances for weights and biases (per-tensor telemetry).
        assertFalse(layer.getRegularization().get(0) == layer.getRegularizationBias().get(0));

        MultiLayerNetwork original = new MultiLayerNetwork(conf);
        original.init();
        MultiLayerNetwork restored = new MultiLayerNetwork(back);
        restored.init(original.params().dup(), true);
        for (DataSet b : batches()) {
            original.fit(b);
            restored.fit(b);
        }
        assertArrayEquals(Fixtures.floats(original.params()), Fixtures.floats(restored.params()));
        assertArrayEquals(Fixtures.floats(original.getUpdater().getStateViewArray()),
                Fixtures.floats(restored.getUpdater().getStateViewArray()));
    }

    @Test
    void learningRateScheduleSurvivesJson() {
        RuleUpdater u = new RuleUpdater(RULE.moments(), Double.NaN,
                new ExponentialSchedule(ScheduleType.ITERATION, 1e-2, 0.9), 0.9, 0.999, 1e-8);
        MultiLayerConfiguration conf = Dl4jOptimizers.apply(Fixtures.mlp(16, 3), RULE);
        ((BaseLayer) conf.getConf(0).getLayer()).setIUpdater(u);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        RuleUpdater r = (RuleUpdater) ((BaseLayer) back.getConf(0).getLayer()).getIUpdater();
        assertEquals(u, r);
        assertEquals(1e-2 * 0.9 * 0.9, r.getLearningRate(2, 0), 1e-15);
    }

    @Test
    void modelSerializerRestoresUpdaterStateAndContinuesBitIdentically(@TempDir File dir) throws Exception {
        MultiLayerNetwork uninterrupted = new MultiLayerNetwork(Dl4jOptimizers.apply(Fixtures.mlp(32, 5), RULE));
        uninterrupted.init();
        List<DataSet> batches = batches();
        int half = batches.size() / 2;
        for (DataSet b : batches.subList(0, half)) {
            uninterrupted.fit(b);
        }
        File file = new File(dir, "net.zip");
        ModelSerializer.writeModel(uninterrupted, file, true);
        MultiLayerNetwork restored = MultiLayerNetwork.load(file, true);
        MultiLayerNetwork withoutState = MultiLayerNetwork.load(file, false);
        assertEquals(uninterrupted.getIterationCount(), restored.getIterationCount());
        assertArrayEquals(Fixtures.floats(uninterrupted.getUpdater().getStateViewArray()),
                Fixtures.floats(restored.getUpdater().getStateViewArray()));

        for (DataSet b : batches.subList(half, batches.size())) {
            uninterrupted.fit(b);
            restored.fit(b);
            withoutState.fit(b);
        }
        assertArrayEquals(Fixtures.floats(uninterrupted.params()), Fixtures.floats(restored.params()));
        assertArrayEquals(Fixtures.floats(uninterrupted.getUpdater().getStateViewArray()),
                Fixtures.floats(restored.getUpdater().getStateViewArray()));
        // The restored moments matter: dropping them changes the run.
        assertNotEquals(PerTensorRatioTest.relativeError(Fixtures.floats(uninterrupted.params()),
                Fixtures.floats(withoutState.params())), 0.0);
    }

    @Test
    void computationGraphTakesTheSameStepsAsTheMultiLayerNetwork(@TempDir File dir) throws Exception {
        ComputationGraphConfiguration graphConf = new NeuralNetConfiguration.Builder()
                .seed(5).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER).biasInit(0.1)
                .graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(784).nOut(32).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(32).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out")
                .build();
        Dl4jOptimizers.apply(graphConf, RULE);
        ComputationGraphConfiguration graphBack = ComputationGraphConfiguration.fromJson(graphConf.toJson());
        assertEquals(graphConf, graphBack);

        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jOptimizers.apply(Fixtures.mlp(32, 5), RULE));
        net.init();
        ComputationGraph graph = new ComputationGraph(graphBack);
        graph.init(net.params().dup(), true);
        List<DataSet> batches = batches();
        for (DataSet b : batches.subList(0, 3)) {
            net.fit(b);
            graph.fit(b);
        }
        File file = new File(dir, "graph.zip");
        ModelSerializer.writeModel(graph, file, true);
        ComputationGraph restored = ComputationGraph.load(file, true);
        for (DataSet b : batches.subList(3, batches.size())) {
            net.fit(b);
            restored.fit(b);
        }
        double err = PerTensorRatioTest.relativeError(Fixtures.floats(restored.params()), Fixtures.floats(net.params()));
        assertTrue(err <= 1e-6, "graph and network differ by " + err);
        assertEquals(Dl4jOptimizers.lastRatios(net).get("layer0_W"),
                Dl4jOptimizers.lastRatios(restored).get("hidden_W"), 1e-6);
    }
}
