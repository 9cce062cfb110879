package org.pamadam.dl4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pamadam.data.FashionMnist;
import org.pamadam.data.ImageSet;

/** Shared test data and networks: the bundled Fashion-MNIST subset and small MLPs. */
final class Fixtures {
    private static FashionMnist.Data data;

    private Fixtures() {
    }

    static synchronized FashionMnist.Data data() {
        if (data == null) {
            try {
                data = FashionMnist.bundled();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return data;
    }

    /** Images {@code [from, from + count)} as a DataSet: features [count, 784], one-hot labels [count, 10]. */
    static DataSet batch(ImageSet set, int from, int count) {
        int f = set.features();
        float[] x = new float[count * f];
        System.arraycopy(set.pixels(), from * f, x, 0, count * f);
        float[] y = new float[count * 10];
        for (int i = 0; i < count; i++) {
            y[i * 10 + set.labels()[from + i]] = 1f;
        }
        return new DataSet(Nd4j.create(x, new long[] {count, f}, 'c'), Nd4j.create(y, new long[] {count, 10}, 'c'));
    }

    /** The set cut into minibatches (the last one may be smaller). */
    static List<DataSet> batches(ImageSet set, int size) {
        List<DataSet> out = new ArrayList<>();
        for (int from = 0; from < set.count(); from += size) {
            out.add(batch(set, from, Math.min(size, set.count() - from)));
        }
        return out;
    }

    /** A 784-hidden-10 ReLU/softmax MLP configuration (no updater set: the caller applies a rule). */
    static MultiLayerConfiguration mlp(int hidden, long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .biasInit(0.1)
                .list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    /** The elements of {@code a} in C order, as a new array. */
    static float[] floats(INDArray a) {
        return a.dup('c').data().asFloat();
    }

    /** Fraction of {@code set} classified correctly. */
    static double accuracy(MultiLayerNetwork net, ImageSet set) {
        DataSet all = batch(set, 0, set.count());
        INDArray predicted = net.output(all.getFeatures()).argMax(1);
        int correct = 0;
        for (int i = 0; i < set.count(); i++) {
            if (predicted.getInt(i) == set.labels()[i]) {
                correct++;
            }
        }
        return correct / (double) set.count();
    }
}
