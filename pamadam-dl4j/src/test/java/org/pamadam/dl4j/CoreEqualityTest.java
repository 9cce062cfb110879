package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pamadam.rule.Rule;

/**
 * A DL4J network trained through {@link NetworkStep} holds, bit for bit, what the core optimizer
 * computes from the mean gradients (see {@link CoreTwin}): with global-norm clipping at torch's
 * scale, with batch-norm gamma and beta under the rule, and with accumulation.
 */
class CoreEqualityTest {
    static final int BATCH = 32;

    /** dense 20-16, batch norm, dense 16-3 softmax: gamma and beta take the rule too. */
    static MultiLayerNetwork bnNet(Rule rule) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(20).nOut(16).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().nOut(16).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(20)).build();
        Dl4jOptimizers.apply(conf, rule);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static DataSet batch(int seed) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        float[] x = new float[BATCH * 20];
        float[] y = new float[BATCH * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < BATCH; i++) {
            y[i * 3 + rnd.nextInt(3)] = 1f;
        }
        return new DataSet(org.nd4j.linalg.factory.Nd4j.create(x, new long[] {BATCH, 20}, 'c'),
                org.nd4j.linalg.factory.Nd4j.create(y, new long[] {BATCH, 3}, 'c'));
    }

    private static void assertSame(MultiLayerNetwork net, CoreTwin twin, List<String> names, String when) {
        for (String n : names) {
            assertArrayEquals(twin.values(n), CoreTwin.memoryOrder(net.getParam(n)), when + ": " + n);
        }
    }

    @Test
    void clippingActsOnTheMeanGradientAsTorchDoes() {
        Rule rule = Rule.pamAdam().lr(1e-2).weightDecay(1e-2).build();
        MultiLayerNetwork net = bnNet(rule);
        // Well below the mean gradient's norm (about 1.5 here), so every step clips; a norm taken
        // before DL4J's division by the minibatch would be 32 times larger and clip 32 times harder.
        double maxNorm = 0.05;
        NetworkStep step = Dl4jOptimizers.attach(net, NetworkStep.Settings.defaults().maxGradNorm(maxNorm));
        List<String> names = step.tensorNames();
        assertTrue(names.containsAll(List.of("1_gamma", "1_beta")), names.toString());
        try (CoreTwin twin = new CoreTwin(net, names, rule, maxNorm, 1)) {
            for (int s = 0; s < 4; s++) {
                DataSet b = batch(s);
                List<float[]> mean = twin.meanGradients(b);
                double sum = 0;
                for (float[] g : mean) {
                    for (float x : g) {
                        sum += (double) x * x;
                    }
                }
                twin.step(mean);
                net.fit(b);
                // The norm torch clips by: of the mean gradient, summed here in plain double order.
                assertEquals(Math.sqrt(sum), step.lastGradNorm(), 1e-6 * Math.sqrt(sum), "step " + s);
                assertSame(net, twin, names, "step " + s);
                assertEquals(twin.core.lastGradNorm(), step.lastGradNorm(), "global norm, step " + s);
                assertTrue(step.lastGradNorm() > maxNorm && step.lastGradNorm() < 10 * maxNorm * BATCH,
                        "the norm of the mean gradient: " + step.lastGradNorm());
            }
            // Batch-norm gamma and beta took the rule's trust ratio (not the plain step's 1).
            assertEquals(twin.core.lastRatio("1_gamma"), step.lastRatio("1_gamma"));
            assertTrue(step.lastRatio("1_gamma") != 1.0, "gamma's ratio " + step.lastRatio("1_gamma"));
        }
    }

    @Test
    void accumulationStepsWithTheMeanOfKMinibatchesAsTheCoreDoes() {
        Rule rule = Rule.pamAdam().lr(1e-2).build();
        MultiLayerNetwork net = bnNet(rule);
        NetworkStep step = Dl4jOptimizers.attach(net, NetworkStep.Settings.defaults().accumulate(3));
        List<String> names = step.tensorNames();
        try (CoreTwin twin = new CoreTwin(net, names, rule, Double.POSITIVE_INFINITY, 3)) {
            for (int s = 0; s < 7; s++) {
                DataSet b = batch(10 + s);
                twin.step(twin.meanGradients(b));
                net.fit(b);
                assertSame(net, twin, names, "micro-batch " + s);
            }
            twin.accumulation.flush();
            step.flush(0);
            assertSame(net, twin, names, "after the flush of a window of 1");
            assertEquals(3, step.stepCount(), "7 micro-batches in windows of 3, then a flush");
            assertEquals(3, step.stepCount("0_W"));
            assertEquals(twin.core.stepCount("0_W"), step.stepCount("0_W"));
            assertEquals(7, net.getIterationCount(), "DL4J still counts every fit");
        }
    }
}
