package org.pamadam.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pamadam.DoubleReference;
import org.pamadam.TestData;
import org.pamadam.rule.Rule;

/**
 * Random shapes, hyperparameters, gradients and skipped tensors, for every member of the family, on
 * every path (fused SIMD, fused scalar, reference), against the independent double-precision model.
 */
class PropertyTest {
    private static final int[][] SHAPES = {{}, {1}, {7}, {1023}, {3, 5}, {33, 31}, {4097}, {2, 3, 7}, {70001}};

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void agreesWithDoublePrecisionModel(int seed) throws Exception {
        SplittableRandom rnd = new SplittableRandom(seed);
        String kind = List.of("pamadam", "adam", "adamw", "lamb", "sgd").get(seed % 5);
        double lr = Math.pow(10, -1 - 3 * rnd.nextDouble()); // 1e-4 .. 1e-1
        double beta1 = 0.5 + 0.49 * rnd.nextDouble();
        double beta2 = 0.9 + 0.0999 * rnd.nextDouble();
        double eps = Math.pow(10, -8 + 2 * rnd.nextDouble());
        double wd = rnd.nextBoolean() ? 0 : 0.1 * rnd.nextDouble();
        boolean adapt = seed % 7 != 0;
        Rule rule = Rule.named(kind).lr(lr).betas(beta1, beta2).eps(eps).weightDecay(wd).adapt(adapt).build();
        int steps = 2 + rnd.nextInt(5);

        int pathChoice = seed % 3;
        List<Param> params = new ArrayList<>();
        List<DoubleReference> models = new ArrayList<>();
        for (int k = 0; k < SHAPES.length; k++) {
            int[] shape = SHAPES[k];
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            float[] init = TestData.gaussian(rnd, n, 0.5);
            params.add(Param.of("t" + k, shape, init.clone()));
            models.add(new DoubleReference(kind, lr, beta1, beta2, eps, wd, adapt, init));
        }
        Optimizer.Builder b = Optimizer.builder().group(rule, params).threads(1 + seed % 3);
        if (pathChoice == 1) {
            b.kernel(ScalarKernel.SCALAR);
        } else if (pathChoice == 2) {
            b.fused(false);
        } else {
            b.kernel(Kernels.named("vector"));
        }
        try (Optimizer opt = b.build()) {
            for (int s = 0; s < steps; s++) {
                for (int k = 0; k < params.size(); k++) {
                    boolean skip = s > 0 && rnd.nextInt(5) == 0;
                    float[] g = TestData.gaussian(rnd, params.get(k).size(), 0.1 + rnd.nextDouble());
                    params.get(k).setGrad(skip ? null : g);
                    if (!skip) {
                        models.get(k).step(g);
                    }
                }
                assertTrue(opt.step());
                for (int k = 0; k < params.size(); k++) {
                    Param p = params.get(k);
                    DoubleReference model = models.get(k);
                    String where = kind + " " + p + " step " + s + " path " + opt.kernelName();
                    double err = model.relativeError(p.data());
                    assertTrue(err <= 1e-5, where + ": parameter error " + err);
                    assertEquals(model.t, opt.stepCount(p.name()), where + ": own step count");
                    if (model.t > 0) {
                        double ratioErr = Math.abs(opt.lastRatio(p.name()) / model.lastRatio - 1);
                        double bound = p.size() >= 4096 ? 1e-6 : 1e-4;
                        assertTrue(ratioErr <= bound, where + ": ratio error " + ratioErr);
                    }
                }
            }
        }
    }
}
