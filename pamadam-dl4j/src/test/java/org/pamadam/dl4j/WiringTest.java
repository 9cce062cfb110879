package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pamadam.rule.Rule;

/** Layers with several weight tensors and wrapped layers get the rule too; configurations survive Java serialization. */
class WiringTest {

    @Test
    void bidirectionalLstmGetsARatioPerWeightGroup() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(2).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER).list()
                .layer(new Bidirectional(new LSTM.Builder().nIn(3).nOut(4).activation(Activation.TANH).build()))
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(8).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.recurrent(3, 6))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jOptimizers.apply(conf, Rule.pamAdam().build()));
        net.init();
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 3, 6);
        INDArray y = Nd4j.rand(DataType.FLOAT, 5, 2, 6);
        INDArray before = net.params().dup();
        net.fit(x, y);
        Map<String, Double> ratios = Dl4jOptimizers.lastRatios(net);
        // Bidirectional hands DL4J the forward layer's lists for both directions, so one TensorStep
        // steps all four weight tensors (each with its own ratio) and reports the last one.
        assertEquals(Set.of("layer0_fW+fRW+bW+bRW", "layer0_fb+bb", "layer1_W", "layer1_b"), ratios.keySet());
        ratios.forEach((k, r) -> assertTrue(Double.isFinite(r) && r > 0, k + ": ratio " + r));
        assertTrue(net.params().sub(before).norm1Number().doubleValue() > 0, "nothing moved");
    }

    @Test
    void configurationSurvivesJavaSerialization() throws Exception {
        MultiLayerConfiguration conf = Dl4jOptimizers.apply(Fixtures.mlp(8, 1),
                Rule.lamb().lr(2e-3).weightDecay(0.02).build());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(conf);
        }
        MultiLayerConfiguration back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (MultiLayerConfiguration) in.readObject();
        }
        assertEquals(conf, back);
        TensorStep step = (TensorStep) ((BaseLayer) back.getConf(1).getLayer()).getRegularization().get(0);
        assertTrue(Double.isNaN(step.lastRatio()), "telemetry starts empty, got " + step.lastRatio());
    }
}
