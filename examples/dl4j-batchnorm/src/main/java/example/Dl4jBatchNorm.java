package example;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
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
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.rule.Rule;

/**
 * A DL4J MultiLayerNetwork (dense, batch norm, ReLU, softmax output) trained with PAMAdam on the
 * Fashion-MNIST subset bundled in pamadam-data. Exits 1 unless the training loss has dropped to well
 * under its starting value.
 */
public final class Dl4jBatchNorm {
    static final int EPOCHS = 2;
    static final int BATCH = 64;
    /** Images of the bundled 10,000 used for training: enough to show the loss fall in seconds. */
    static final int TRAIN = 5000;
    /** The final loss over the training images must fall below this share of the untrained one. */
    static final double MAX_LOSS_SHARE = 0.5;

    public static void main(String[] args) throws Exception {
        FashionMnist.Data data = FashionMnist.bundled();
        ImageSet train = data.train().head(TRAIN);

        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(42)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(128).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().nOut(128).build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(128).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
        // PAMAdam for weights; biases take its plain Adam step (ratio 1), and so do batch norm's gamma and
        // beta (a layer's gamma and beta share its updater: the plain rule for both).
        Rule weights = Rule.pamAdam().lr(3e-3).build();
        Rule biases = Rule.pamAdam().lr(3e-3).adapt(false).build();
        Dl4jOptimizers.apply(conf, weights, biases);
        Dl4jOptimizers.apply(conf.getConf(1).getLayer(), biases, biases);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        // The step runs over the whole network at once, in place on ND4J's memory.
        Dl4jOptimizers.attach(net);

        List<DataSet> batches = batches(train, BATCH);
        DataSet all = batch(train, 0, train.count());
        double before = net.score(all);
        System.out.printf("untrained: loss %.4f%n", before);
        for (int epoch = 1; epoch <= EPOCHS; epoch++) {
            for (DataSet b : batches) {
                net.fit(b);
            }
            System.out.printf("epoch %d: loss %.4f%n", epoch, net.score(all));
        }
        double after = net.score(all);
        System.out.printf("test accuracy %.4f; last per-tensor ratios %s%n",
                accuracy(net, data.test()), Dl4jOptimizers.lastRatios(net));
        if (!(after < MAX_LOSS_SHARE * before)) {
            System.err.printf("FAIL: the loss went from %.4f to %.4f, not below %.0f%% of it%n",
                    before, after, 100 * MAX_LOSS_SHARE);
            System.exit(1);
        }
        System.out.println("OK: the loss dropped");
    }

    /** Images {@code [from, from + count)}: features [count, 784], one-hot labels [count, 10]. */
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

    static List<DataSet> batches(ImageSet set, int size) {
        List<DataSet> out = new ArrayList<>();
        for (int from = 0; from < set.count(); from += size) {
            out.add(batch(set, from, Math.min(size, set.count() - from)));
        }
        return out;
    }

    static double accuracy(MultiLayerNetwork net, ImageSet set) {
        INDArray predicted = net.output(batch(set, 0, set.count()).getFeatures()).argMax(1);
        int correct = 0;
        for (int i = 0; i < set.count(); i++) {
            correct += predicted.getInt(i) == set.labels()[i] ? 1 : 0;
        }
        return correct / (double) set.count();
    }
}
