package org.pamadam.cli.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.pamadam.djl.RuleOptimizer;
import org.pamadam.dl4j.Dl4jOptimizers;
import org.pamadam.rule.Rule;

/**
 * One PAMAdam step (lr 1e-2, decoupled weight decay 0.1) on the same network on both engines: dense
 * 5-4 (no bias) -> batch norm over 4 features -> dense 4-3, softmax cross-entropy (a batch mean on
 * both), from the same weights on the same 16 rows. Gamma and beta start away from 1 and 0 (gamma
 * 1.5-2.5, beta +-0.1-0.3): at gamma 1 a first step's ratio is about 1 and at beta 0 decay is
 * invisible, so only values like these tell the rule's ratio and decay from a plain step.
 *
 * <p>Asserted: (1) every parameter, gamma and beta included, within {@link #ENGINES} of the other
 * engine's (and moved); (2) the two engines' mean gradients for gamma and beta within 1e-5
 * relative (same network, same loss scale); (3) each engine's gamma and beta equal to a
 * double-precision statement of the rule's first step fed that engine's own mean gradient, within
 * {@link #RULE}, where a plain step (ratio 1) or a step without decay would be over 100 times that
 * bound away (about 8e-3 and 2e-4 here).
 *
 * <p>Bounds. The engines compute the forward and the batch-norm backward in different float orders,
 * so the gradients differ in their last bits (seen: 2e-7 relative). A first Adam step is
 * {@code g / (|g| + eps)}, about sign(g): a relative change d of g changes it by at most d/4 (at
 * |g| = eps) and by about d eps/|g| elsewhere. The weights move by lr times a ratio of 0.2-2, so the
 * engines may differ by the rounding of the results, a few ulps of values up to 2.4 (ulp 2.4e-7):
 * {@code ENGINES} = 1e-6 absolute. Seen: 1.9e-9, in the zero-initialised output bias only (its step
 * g/(|g|+eps) keeps the gradient's last bits); every other value bit for bit. The first dense layer
 * has no bias: batch norm cancels a bias's gradient, leaving rounding noise whose sign a first step
 * would turn into a full lr step. {@code RULE} = 1e-6: the core computes in float (p, constants and
 * result rounded: a few 1e-7 at 2.4), the expectation in double.
 */
class BatchNormEnginesTest {
    static final int BATCH = 16;
    static final double LR = 1e-2;
    static final double WD = 0.1;
    static final double ENGINES = 1e-6;
    static final double RULE = 1e-6;
    static final Rule RULE_PAMADAM = Rule.pamAdam().lr(LR).weightDecay(WD).build();

    @Test
    void oneBatchNormStepGivesTheSameParametersOnDjlAndDl4j() {
        SplittableRandom rnd = new SplittableRandom(20);
        float[] x = new float[BATCH * 5];
        float[] y = new float[BATCH * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < BATCH; i++) {
            y[i * 3 + rnd.nextInt(3)] = 1f;
        }
        float[] gamma = new float[4];
        float[] beta = new float[4];
        for (int i = 0; i < 4; i++) {
            gamma[i] = (float) (1.5 + rnd.nextDouble());
            beta[i] = (float) ((i % 2 == 0 ? 1 : -1) * (0.1 + 0.2 * rnd.nextDouble()));
        }

        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).activation(Activation.IDENTITY).list()
                .layer(new DenseLayer.Builder().nIn(5).nOut(4).hasBias(false).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().nOut(4).activation(Activation.IDENTITY).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        Dl4jOptimizers.apply(conf, RULE_PAMADAM);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.setParam("1_gamma", Nd4j.create(gamma, new long[] {1, 4}));
        net.setParam("1_beta", Nd4j.create(beta, new long[] {1, 4}));
        Dl4jOptimizers.attach(net);
        Map<String, float[]> before = params(net);

        DataSet batch = new DataSet(Nd4j.create(x, new long[] {BATCH, 5}, 'c'), Nd4j.create(y, new long[] {BATCH, 3}, 'c'));
        // The mean gradient the updater receives: DL4J's summed gradient over the minibatch size.
        net.setInput(batch.getFeatures());
        net.setLabels(batch.getLabels());
        net.computeGradientAndScore();
        Map<String, float[]> dl4jGrad = new HashMap<>();
        for (String n : new String[] {"1_gamma", "1_beta"}) {
            dl4jGrad.put(n, flat(net.gradient().getGradientFor(n).div(BATCH)));
        }
        net.fit(batch);
        Map<String, float[]> dl4j = params(net);

        Map<String, float[]> djl = new HashMap<>();
        Map<String, float[]> djlGrad = new HashMap<>();
        djlStep(before, x, y, djl, djlGrad);

        double maxDiff = 0;
        for (String n : before.keySet()) {
            float[] a = dl4j.get(n);
            float[] b = djl.get(n);
            assertEquals(before.get(n).length, b.length, n);
            for (int i = 0; i < a.length; i++) {
                double d = Math.abs((double) a[i] - b[i]);
                maxDiff = Math.max(maxDiff, d);
                assertTrue(d <= ENGINES, n + "[" + i + "]: dl4j " + a[i] + ", djl " + b[i] + ", |diff| " + d);
                assertTrue(a[i] != before.get(n)[i], n + "[" + i + "] did not move");
            }
        }
        System.out.println("BatchNormEnginesTest: max |dl4j - djl| over all parameters " + maxDiff);

        for (String n : new String[] {"1_gamma", "1_beta"}) {
            // The same network and loss scale on both: the mean gradients agree to float rounding.
            for (int i = 0; i < 4; i++) {
                float a = dl4jGrad.get(n)[i];
                assertEquals(a, djlGrad.get(n)[i], 1e-5 * Math.abs(a), n + "[" + i + "]: mean gradient, dl4j vs djl");
            }
            checkRule("dl4j " + n, before.get(n), dl4jGrad.get(n), dl4j.get(n));
            checkRule("djl " + n, before.get(n), djlGrad.get(n), djl.get(n));
        }
    }

    /** The network's parameters in DJL's layout (DL4J W is [nIn, nOut], DJL's Linear weight [units, in]). */
    private static Map<String, float[]> params(MultiLayerNetwork net) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String n : new String[] {"0_W", "1_gamma", "1_beta", "2_W", "2_b"}) {
            INDArray a = n.endsWith("_W") ? net.getParam(n).transpose() : net.getParam(n);
            out.put(n, flat(a));
        }
        return out;
    }

    /** Row-major elements of a DL4J array (views included). */
    private static float[] flat(INDArray a) {
        return a.dup('c').reshape(new long[] {a.length()}).toFloatVector();
    }

    /** After one step of the rule with mean gradient g, p' must be the first PAMAdam step's, not a plain one's. */
    private static void checkRule(String what, float[] p, float[] g, float[] after) {
        double[] withRatio = firstStep(p, g, true, WD);
        double[] plain = firstStep(p, g, false, WD);
        double[] noDecay = firstStep(p, g, true, 0);
        for (int i = 0; i < p.length; i++) {
            assertEquals(withRatio[i], after[i], RULE, what + "[" + i + "]: the rule's first step");
            assertTrue(Math.abs(plain[i] - withRatio[i]) > 100 * RULE, what + ": a plain step would be told apart");
            assertTrue(Math.abs(noDecay[i] - withRatio[i]) > 100 * RULE, what + ": a step without decay would be told apart");
        }
    }

    /** Rule's Javadoc, step 1, in double: m = (1-b1) g, v = (1-b2) g², bias-corrected; p' = p (1 - lr wd) - lr ratio step. */
    private static double[] firstStep(float[] p, float[] g, boolean adapt, double wd) {
        Rule r = RULE_PAMADAM;
        double sumP = 0;
        double sumS = 0;
        double[] step = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double m = (1 - r.beta1()) * g[i] / (1 - r.beta1());
            double v = (1 - r.beta2()) * g[i] * g[i] / (1 - r.beta2());
            step[i] = m / (Math.sqrt(v) + r.eps());
            sumP += Math.abs(p[i]);
            sumS += Math.abs(step[i]);
        }
        double ratio = adapt && sumP > 0 && sumS > 0 ? sumP / sumS : 1;
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = p[i] * (1 - r.lr() * wd) - r.lr() * ratio * step[i];
        }
        return out;
    }

    /** The same step on DJL (PyTorch engine): weights from {@code before}, results into {@code after} and the gradients into {@code grads}. */
    private static void djlStep(Map<String, float[]> before, float[] x, float[] y, Map<String, float[]> after,
                                Map<String, float[]> grads) {
        if (System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        Engine.getEngine("PyTorch").setRandomSeed(7);
        try (Model model = Model.newInstance("bn-engines");
             RuleOptimizer optimizer = RuleOptimizer.forRule(RULE_PAMADAM).build()) {
            model.setBlock(new SequentialBlock()
                    .add(Linear.builder().setUnits(4).optBias(false).build())
                    .add(BatchNorm.builder().build())
                    .add(Linear.builder().setUnits(3).build()));
            // Softmax cross-entropy on logits with one-hot labels, the batch mean, as DL4J's MCXENT after its division.
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(
                    Loss.softmaxCrossEntropyLoss("xent", 1f, -1, false, true)).optOptimizer(optimizer))) {
                trainer.initialize(new Shape(BATCH, 5));
                Map<String, String> names = Map.of("01Linear_weight", "0_W", "02BatchNorm_gamma", "1_gamma",
                        "02BatchNorm_beta", "1_beta", "03Linear_weight", "2_W", "03Linear_bias", "2_b");
                Map<String, Parameter> params = new HashMap<>();
                model.getBlock().getParameters().forEach(p -> {
                    if (names.containsKey(p.getKey())) {
                        params.put(names.get(p.getKey()), p.getValue());
                        p.getValue().getArray().set(before.get(names.get(p.getKey())));
                    }
                });
                assertEquals(before.keySet(), params.keySet(), "DJL's parameters " + model.getBlock().getParameters().keys());
                optimizer.bind(model.getBlock());
                try (NDManager m = trainer.getManager().newSubManager()) {
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(new NDList(m.create(x, new Shape(BATCH, 5))));
                        collector.backward(trainer.getLoss().evaluate(new NDList(m.create(y, new Shape(BATCH, 3))), out));
                    }
                    for (String n : new String[] {"1_gamma", "1_beta"}) {
                        try (NDArray g = params.get(n).getArray().getGradient()) {
                            grads.put(n, g.toFloatArray());
                        }
                    }
                    trainer.step();
                }
                params.forEach((n, p) -> after.put(n, p.getArray().toFloatArray()));
            }
        }
    }
}
