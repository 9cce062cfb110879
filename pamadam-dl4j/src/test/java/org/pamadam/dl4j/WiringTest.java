package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pamadam.rule.Rule;

/** How the step is wired in, and the errors that name what is wrong. */
class WiringTest {

    @Test
    void aNetworkThatTrainsWithoutAttachIsToldSo() {
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jOptimizers.apply(Fixtures.mlp(8, 1), Rule.pamAdam().build()));
        net.init();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> net.fit(Fixtures.batch(Fixtures.data().train(), 0, 8)));
        assertTrue(e.getMessage().contains("Dl4jOptimizers.attach(net)"), e.getMessage());
    }

    @Test
    void dl4jRegularizationOnARuleLayerIsRefusedNotIgnored() {
        var conf = new NeuralNetConfiguration.Builder().l2(1e-4).dataType(DataType.FLOAT).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(3).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(3).nOut(2).activation(Activation.IDENTITY).build()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dl4jOptimizers.apply(conf, Rule.adamW().build()));
        assertTrue(e.getMessage().contains("layer 0") && e.getMessage().contains("weightDecay"), e.getMessage());
    }

    @Test
    void aStridedViewIsRefusedNamingTheTensor() {
        INDArray matrix = Nd4j.rand(DataType.FLOAT, 6, 5);
        INDArray column = matrix.get(NDArrayIndex.all(), NDArrayIndex.point(2)); // stride 5
        INDArray grad = Nd4j.zeros(DataType.FLOAT, 6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NetworkStep.over(Rule.pamAdam().build(), List.of(column), List.of(grad),
                        NetworkStep.Settings.defaults()));
        assertTrue(e.getMessage().contains("tensor 't0'") && e.getMessage().contains("strides"), e.getMessage());
    }

    @Test
    void aComputationGraphStepsItsTensorsByLayerName() {
        Rule rule = Rule.pamAdam().lr(1e-2).build();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(2).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(20).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").setInputTypes(InputType.feedForward(20)).build();
        ComputationGraph graph = new ComputationGraph(Dl4jOptimizers.apply(conf, rule));
        graph.init();
        NetworkStep step = Dl4jOptimizers.attach(graph);
        assertEquals(List.of("hidden_W", "hidden_b", "out_W", "out_b"), step.tensorNames());
        float[] before = graph.params().toFloatVector();
        graph.fit(CoreEqualityTest.batch(0));
        assertEquals(1, step.stepCount("out_b"));
        org.junit.jupiter.api.Assertions.assertInstanceOf(RemainingUpdates.class,
                graph.getOptimizer().getStepFunction(), "the graph's solver subtracts only the other updaters' ranges");
        assertTrue(step.lastRatio("hidden_W") > 0 && step.lastRatio("hidden_W") != 1.0);
        // PAMAdam's defining property on every tensor: mean|p' - p| = lr * mean|p| (no decay).
        INDArray after = graph.getParam("hidden_W").dup();
        graph.setParams(Nd4j.createFromArray(before).reshape(1, before.length));
        INDArray old = graph.getParam("hidden_W");
        double meanStep = after.sub(old).norm1Number().doubleValue() / after.length();
        double meanP = old.norm1Number().doubleValue() / old.length();
        assertEquals(1.0, meanStep / (1e-2 * meanP), 1e-3);
        assertArrayEquals(before, graph.params().toFloatVector());
    }
}
