package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * Pitfall: PyTorch accumulates gradients; DJL's PyTorch optimizers zero the weight's gradient after
 * updating, and so must ours, or batch two trains on the sum of batches one and two.
 */
class ZeroGradTest {

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void theWeightsGradientIsZeroAfterAnUpdateSoTheNextBackwardIsFresh(boolean host) {
        Random rnd = new Random(31);
        float[] init = Tensors.normal(rnd, 6, 1.0);
        float[] x1 = Tensors.normal(rnd, 6, 1.0);
        float[] x2 = Tensors.normal(rnd, 6, 1.0);
        Rule rule = Rule.pamAdam().lr(0.05).build();
        Param p = Param.of("w", init.clone());
        try (NDManager manager = DjlEngine.startEngine().newBaseManager();
             Optimizer core = Optimizer.builder().group(rule, List.of(p)).threads(1).build();
             RuleOptimizer djl = RuleOptimizer.forRule(rule).optHostKernel(host).build()) {
            NDArray w = manager.create(init);
            w.setRequiresGradient(true);
            for (float[] x : new float[][] {x1, x2}) {
                // loss = sum(w * x): its gradient is exactly x.
                try (NDManager step = manager.newSubManager();
                     GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = step.create(x).mul(w).sum();
                    collector.backward(loss);
                }
                try (NDArray grad = w.getGradient()) {
                    assertArrayEquals(x, grad.toFloatArray(), "the gradient is this batch's alone");
                    djl.update("w", w, grad);
                }
                try (NDArray after = w.getGradient()) {
                    assertArrayEquals(new float[6], after.toFloatArray(), "gradient zeroed after update");
                }
                p.setGrad(x);
                core.step();
            }
            assertEquals(host, djl.usesHostKernel("w"));
            double err = Tensors.relativeError(w.toFloatArray(), p.data());
            assertTrue(err <= 1e-5, "two steps on x1 then x2: relative error " + err + " against the core");
        }
    }

    @ParameterizedTest(name = "hostKernel={0}")
    @ValueSource(booleans = {true, false})
    void trainerStepLeavesEveryParameterGradientZero(boolean host) {
        try (Model model = Model.newInstance("zero-grad");
             PamAdam optimizer = PamAdam.builder().optHostKernel(host).optLearningRate(0.01f).build()) {
            Engine.getInstance().setRandomSeed(7);
            model.setBlock(Linear.builder().setUnits(3).build());
            try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(optimizer))) {
                trainer.initialize(new Shape(8, 4));
                NDManager manager = trainer.getManager();
                Random rnd = new Random(32);
                for (int batch = 0; batch < 3; batch++) {
                    try (NDManager step = manager.newSubManager()) {
                        NDArray x = step.create(Tensors.normal(rnd, 32, 1.0), new Shape(8, 4));
                        NDArray y = step.create(Tensors.normal(rnd, 24, 1.0), new Shape(8, 3));
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDList out = trainer.forward(new NDList(x));
                            collector.backward(trainer.getLoss().evaluate(new NDList(y), out));
                        }
                        List<Pair<String, Parameter>> params = model.getBlock().getParameters().stream().toList();
                        for (Pair<String, Parameter> p : params) {
                            try (NDArray g = p.getValue().getArray().getGradient()) {
                                assertTrue(g.abs().sum().getFloat() > 0, p.getKey() + " has a gradient before step");
                            }
                        }
                        trainer.step();
                        for (Pair<String, Parameter> p : params) {
                            try (NDArray g = p.getValue().getArray().getGradient()) {
                                assertEquals(0f, g.abs().sum().getFloat(), p.getKey() + " gradient after step");
                            }
                        }
                    }
                }
                assertEquals(2, optimizer.lastRatios().size());
                assertEquals(3, optimizer.stepCount(model.getBlock().getParameters().get(0).getValue().getId()));
            }
        }
    }
}
