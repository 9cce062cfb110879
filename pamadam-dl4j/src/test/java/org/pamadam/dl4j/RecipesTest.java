package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ISchedule;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;
import org.pamadam.schedule.Schedule;

/** Ratio clamp, global-norm clipping and core schedules through the DL4J adapter. */
class RecipesTest {

    @Test
    void theClampedRatioMatchesTheCoreOptimizer() {
        Rule rule = Rule.pamAdam().lr(1e-2).maxRatio(0.2).build();
        float[] init = new float[300];
        float[] grad = new float[300];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        for (int i = 0; i < init.length; i++) {
            init[i] = (float) rnd.nextDouble(-1, 1);
            grad[i] = (float) rnd.nextDouble(-0.1, 0.1);
        }
        Param p = Param.of("w", init.clone());
        org.pamadam.trace.ReplayEngine.Run run = new Dl4jEngine().open(rule,
                List.of(new org.pamadam.trace.Trace.TraceParam("w", new int[] {300}, init.clone())));
        try (Optimizer core = Optimizer.builder().group(rule, List.of(p)).build()) {
            for (int s = 0; s < 4; s++) {
                p.setGrad(grad);
                core.step();
                run.step(Map.of("w", grad));
                assertEquals(0.2, core.lastRatio("w"), "the core clamps (mean|p| ~ 0.5 over mean|step| ~ 1)");
                assertEquals(core.lastRatio("w"), run.ratio("w"), 1e-6);
                assertArrayEquals(p.data(), run.values("w"), 1e-6f);
            }
            assertEquals(4, core.clampCount("w"));
        }
        TensorStep step = new TensorStep(rule);
        assertEquals(0.2, step.getMaxRatio());
        assertEquals(step, step.clone());
        assertTrue(!step.equals(new TensorStep(TrustRatio.MEAN_ABS, rule.decay(), rule.weightDecay())));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TensorStep(TrustRatio.MEAN_ABS, rule.decay(), 0.0, -1.0));
        assertTrue(e.getMessage().contains("maxRatio") && e.getMessage().contains("-1.0"), e.getMessage());
    }

    /** An MLP with a batch-norm layer, whose running mean and variance must not be clipped. */
    private static MultiLayerNetwork net() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(20).nOut(16).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().nOut(16).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(20)).build();
        Dl4jOptimizers.apply(conf, Rule.lamb().lr(1e-2).build());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static DataSet data() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(9);
        float[] x = new float[32 * 20];
        float[] y = new float[32 * 3];
        for (int i = 0; i < 32; i++) {
            for (int j = 0; j < 20; j++) {
                x[i * 20 + j] = (float) (50 * rnd.nextDouble(-1, 1)); // large inputs: large gradients
            }
            y[i * 3 + rnd.nextInt(3)] = 1;
        }
        return new DataSet(Nd4j.create(x, new long[] {32, 20}, 'c'), Nd4j.create(y, new long[] {32, 3}, 'c'));
    }

    /** Records, per step, the gradients the updater is about to see. */
    private static final class Recorder extends BaseTrainingListener {
        final List<Map<String, float[]>> seen = new ArrayList<>();

        @Override
        public void onGradientCalculation(Model model) {
            Map<String, float[]> copy = new java.util.LinkedHashMap<>();
            model.gradient().gradientForVariable().forEach((k, v) -> copy.put(k, v.dup().reshape(v.length()).toFloatVector()));
            seen.add(copy);
        }
    }

    @Test
    void clippingScalesTheTrainedGradientsToTheBoundAndLeavesRunningStatistics() {
        DataSet d = data();
        MultiLayerNetwork plain = net();
        Recorder before = new Recorder();
        plain.setListeners(before);
        plain.fit(d);
        MultiLayerNetwork clipped = net();
        Recorder after = new Recorder();
        GlobalNormClipping clipping = new GlobalNormClipping(0.5);
        clipped.setListeners(clipping, after);
        clipped.fit(d);
        Map<String, float[]> raw = before.seen.get(0);
        Map<String, float[]> seen = after.seen.get(0);
        double norm = 0;
        for (Map.Entry<String, float[]> e : raw.entrySet()) {
            if (!stats(e.getKey())) {
                for (float f : e.getValue()) {
                    norm += (double) f * f;
                }
            }
        }
        norm = Math.sqrt(norm);
        assertTrue(norm > 5, "the gradient is large enough to clip: " + norm);
        assertEquals(norm, clipping.lastNorm(), 1e-5 * norm);
        double scale = 0.5 / (norm + 1e-6);
        for (Map.Entry<String, float[]> e : raw.entrySet()) {
            boolean stats = stats(e.getKey());
            float[] want = e.getValue().clone();
            if (!stats) {
                for (int i = 0; i < want.length; i++) {
                    want[i] = (float) (want[i] * scale);
                }
            }
            assertArrayEquals(want, seen.get(e.getKey()), 1e-6f * (float) norm, e.getKey());
        }
        assertTrue(raw.keySet().stream().anyMatch(k -> k.endsWith("_mean")), "batch norm statistics are present");
        assertThrows(IllegalArgumentException.class, () -> new GlobalNormClipping(0));
    }

    /** Batch norm's running statistics (DL4J keeps the variance as log10 of the std by default). */
    private static boolean stats(String key) {
        return key.endsWith("_mean") || key.endsWith("_var") || key.endsWith("_log10stdev");
    }

    @Test
    void aCoreScheduleDrivesTheUpdatersLearningRate() {
        Schedule s = Schedule.withWarmup(5, 0.1, Schedule.cosine(20, 0.0));
        ISchedule dl4j = Dl4jSchedules.of(s, 0.01, 25);
        for (int t = 0; t < 30; t++) {
            assertEquals(s.lr(0.01, Math.min(t, 24)), dl4j.valueAt(t, 0), 1e-15, "iteration " + t);
        }
        RuleUpdater u = new RuleUpdater(Rule.adam().build());
        u.setLrAndSchedule(Double.NaN, dl4j);
        assertEquals(s.lr(0.01, 3), u.getLearningRate(3, 0), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> Dl4jSchedules.of(s, 0.01, 0));
    }
}
