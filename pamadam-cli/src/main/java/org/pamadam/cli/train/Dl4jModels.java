package org.pamadam.cli.train;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ISchedule;
import org.pamadam.data.ImageSet;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.dl4j.Dl4jSchedules;
import org.pamadam.dl4j.RuleUpdater;
import org.pamadam.rule.Rule;
import org.pamadam.schedule.Schedule;

/**
 * The study's two models as DL4J configurations, with the run's rule and recipe applied, and
 * DataSets for them. The CNN is the djl engine's ({@link Models}): two stages of 3x3 convolution
 * (padding 1; 16, then 32 filters), batch norm, ReLU and 2x2 max pooling, then dense 128 ReLU and 10.
 */
final class Dl4jModels {
    private Dl4jModels() {
    }

    /** {@code spec}'s model over a run of {@code totalSteps} optimizer steps (for the schedule). */
    static MultiLayerConfiguration build(RunSpec spec, long totalSteps) {
        MultiLayerConfiguration conf;
        switch (spec.model()) {
            case "mlp": conf = mlpLayers(spec); break;
            case "cnn": conf = cnnLayers(spec); break;
            default: throw new IllegalArgumentException("unknown model '" + spec.model() + "', expected mlp or cnn");
        }
        Recipe recipe = spec.recipe();
        Rule rule = recipe.rule(spec.optimizer(), spec.lr());
        Rule plain = rule.toBuilder().adapt(false).build();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer layer = conf.getConf(i).getLayer();
            if (layer instanceof BatchNormalization) {
                // gamma and beta take the layer's one updater on DL4J, so they share one rule.
                boolean gamma = recipe.plain(i + "_gamma") || recipe.plain("gamma");
                boolean beta = recipe.plain(i + "_beta") || recipe.plain("beta");
                if (gamma != beta) {
                    throw new IllegalArgumentException("--no-adapt matches " + (gamma ? "gamma" : "beta")
                            + " but not " + (gamma ? "beta" : "gamma") + " of batch-norm layer " + i + ": on the dl4j "
                            + "engine the two share one updater, so match both or neither (e.g. 'gamma|beta')");
                }
                Dl4jOptimizers.apply(layer, gamma ? plain : rule, gamma ? plain : rule);
                continue;
            }
            // The weights and the biases of each layer, by DL4J's key or the djl engine's local name.
            Rule w = recipe.plain(i + "_W") || recipe.plain("weight") ? plain : rule;
            Rule b = recipe.plain(i + "_b") || recipe.plain("bias") ? plain : rule;
            Dl4jOptimizers.apply(layer, w, b);
        }
        Schedule schedule = recipe.schedule(totalSteps);
        if (schedule != null) {
            ISchedule lr = Dl4jSchedules.of(schedule, spec.lr(), (int) Math.min(Integer.MAX_VALUE, totalSteps));
            for (int i = 0; i < conf.getConfs().size(); i++) {
                if (conf.getConf(i).getLayer() instanceof BaseLayer) {
                    BaseLayer layer = (BaseLayer) conf.getConf(i).getLayer();
                    schedule(layer.getIUpdater(), lr);
                    schedule(layer.getBiasUpdater(), lr);
                }
            }
        }
        return conf;
    }

    private static void schedule(Object updater, ISchedule lr) {
        if (updater instanceof RuleUpdater) {
            ((RuleUpdater) updater).setLrAndSchedule(Double.NaN, lr);
        }
    }

    private static NeuralNetConfiguration.ListBuilder base(RunSpec spec) {
        return new NeuralNetConfiguration.Builder()
                .seed(spec.seed()).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER).list();
    }

    private static MultiLayerConfiguration mlpLayers(RunSpec spec) {
        return base(spec)
                .layer(new DenseLayer.Builder().nIn(784).nOut(256).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(256).nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(128).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    private static MultiLayerConfiguration cnnLayers(RunSpec spec) {
        return base(spec)
                .layer(conv(16)).layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer(Activation.RELU)).layer(pool())
                .layer(conv(32)).layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer(Activation.RELU)).layer(pool())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
    }

    private static ConvolutionLayer conv(int filters) {
        return new ConvolutionLayer.Builder(3, 3).padding(1, 1).stride(1, 1).nOut(filters)
                .activation(Activation.IDENTITY).build();
    }

    private static SubsamplingLayer pool() {
        return new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build();
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
