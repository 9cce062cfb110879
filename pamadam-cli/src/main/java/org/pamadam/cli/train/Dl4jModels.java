package org.pamadam.cli.train;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pamadam.data.ImageSet;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.rule.Rule;

/** The study's MLP as a DL4J configuration with this project's rule applied, and DataSets for it. */
final class Dl4jModels {
    private Dl4jModels() {
    }

    static MultiLayerConfiguration mlp(RunSpec spec) {
        if (!spec.model().equals("mlp")) {
            throw new IllegalArgumentException("the DL4J engines train the mlp model only; use --engine djl for cnn");
        }
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(spec.seed()).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(256).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(256).nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(128).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
        return Dl4jOptimizers.apply(conf, Rule.named(spec.optimizer()).lr(spec.lr()).build());
    }

    /** Images {@code order[from..from+size)} as one DataSet with one-hot labels. */
    static DataSet batch(ImageSet set, int[] order, int from, int size) {
        int f = set.features();
        float[] x = new float[size * f];
        float[] y = new float[size * 10];
        for (int i = 0; i < size; i++) {
            int idx = order[from + i];
            System.arraycopy(set.pixels(), idx * f, x, i * f, f);
            y[i * 10 + set.labels()[idx]] = 1f;
        }
        INDArray features = Nd4j.create(x, new long[] {size, f}, 'c');
        INDArray labels = Nd4j.create(y, new long[] {size, 10}, 'c');
        return new DataSet(features, labels);
    }
}
