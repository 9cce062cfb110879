package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;
import org.pamadam.rule.Rule;

/**
 * Who subtracts what after the attached step has written p' (see {@link RemainingUpdates}): DL4J's
 * solver then subtracts only the updates of its own updaters, and where its subtraction cannot be
 * replaced the step's update is zeroed instead. Both give the core's parameters bit for bit; the other
 * updaters' ranges get exactly what DL4J gives them.
 */
class SolverSubtractionTest {
    private static final Rule RULE = Rule.pamAdam().lr(1e-2).build();

    /**
     * The same network under DL4J's plain SGD at lr 0: its rule tensors stay, and the batch-norm running
     * mean and variance take DL4J's own update, which is the expectation for those ranges.
     */
    private static MultiLayerNetwork dl4jReference() {
        MultiLayerNetwork ref = CoreEqualityTest.bnNet(RULE);
        for (org.deeplearning4j.nn.api.Layer l : ref.getLayers()) {
            org.deeplearning4j.nn.conf.layers.Layer c = l.conf().getLayer();
            if (c instanceof org.deeplearning4j.nn.conf.layers.BaseLayer) {
                ((org.deeplearning4j.nn.conf.layers.BaseLayer) c).setIUpdater(new Sgd(0.0));
                ((org.deeplearning4j.nn.conf.layers.BaseLayer) c).setBiasUpdater(null);
            }
        }
        ref.setUpdater(null); // rebuilt from the configuration at the first fit
        return ref;
    }

    @Test
    void theSolverSubtractsOnlyTheOtherUpdatersRanges() {
        MultiLayerNetwork net = CoreEqualityTest.bnNet(RULE);
        NetworkStep step = Dl4jOptimizers.attach(net);
        fitAsTheCore(net, step, 20, true);
        // The running statistics: what DL4J's own SGD network computes from the same input and weights.
        MultiLayerNetwork fresh = CoreEqualityTest.bnNet(RULE);
        Dl4jOptimizers.attach(fresh);
        MultiLayerNetwork plain = dl4jReference();
        DataSet b = CoreEqualityTest.batch(30);
        INDArray before = fresh.getParam("1_mean").dup();
        fresh.fit(b);
        plain.fit(b);
        assertFalse(before.equals(fresh.getParam("1_mean")), "the running mean moved");
        assertArrayEquals(plain.getParam("1_mean").toFloatVector(), fresh.getParam("1_mean").toFloatVector());
        // DL4J keeps the running variance as log10 of the standard deviation.
        assertArrayEquals(plain.getParam("1_log10stdev").toFloatVector(),
                fresh.getParam("1_log10stdev").toFloatVector());
    }

    @Test
    void theOtherRangesAreTheComplementOfTheWrittenOnes() {
        MultiLayerNetwork net = CoreEqualityTest.bnNet(RULE);
        long n = net.params().length();
        INDArray p = net.params();
        INDArray g = org.nd4j.linalg.factory.Nd4j.create(p.dataType(), p.shape());
        assertEquals(1, new RemainingUpdates(p, g, new long[][] {{0, 10}}).runs());
        assertEquals(1, new RemainingUpdates(p, g, new long[][] {{5, 10}, {0, 5}}).runs());
        assertEquals(2, new RemainingUpdates(p, g, new long[][] {{5, 10}}).runs());
        assertEquals(0, new RemainingUpdates(p, g, new long[][] {{0, n}}).runs());
        assertEquals(3, new RemainingUpdates(p, g, new long[][] {{n - 1, n}, {2, 4}, {8, 9}}).runs());
    }

    @Test
    void anotherStepFunctionGetsAZeroUpdateAndTheSameParameters() throws ReflectiveOperationException {
        MultiLayerNetwork net = CoreEqualityTest.bnNet(RULE);
        NetworkStep step = Dl4jOptimizers.attach(net);
        // A step function that attach does not replace: DL4J's x += update, set in the solver as DL4J
        // would from a configuration's GradientStepFunction. The step must then zero its update.
        java.lang.reflect.Field f = org.deeplearning4j.optimize.solvers.BaseOptimizer.class
                .getDeclaredField("stepFunction");
        f.setAccessible(true);
        f.set(net.getOptimizer(), new org.deeplearning4j.optimize.stepfunctions.GradientStepFunction());
        fitAsTheCore(net, step, 40, false);
    }

    @Test
    void aLoopThatSubtractsTheUpdateItselfIsRefusedAtItsNextUpdate() {
        MultiLayerNetwork net = CoreEqualityTest.bnNet(RULE);
        Dl4jOptimizers.attach(net);
        net.fit(CoreEqualityTest.batch(50)); // through the solver: fine
        DataSet b = CoreEqualityTest.batch(51);
        manualUpdate(net, b);
        net.params().subi(net.getFlattenedGradients()); // the loop's own subtraction
        INDArray params = net.params().dup();
        INDArray state = net.getUpdater().getStateViewArray().dup();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> manualUpdate(net, b));
        assertTrue(e.getMessage().contains("not applied by its solver"), e.getMessage());
        assertTrue(params.equals(net.params()), "the refused update wrote no parameter");
        assertTrue(state.equals(net.getUpdater().getStateViewArray()), "nor any moment or count");
        net.fit(CoreEqualityTest.batch(52)); // fit goes on after the refusal
    }

    /**
     * Three fits of {@code net}, each compared bit for bit with the core fed the same mean gradients;
     * {@code replaced}: whether the solver's subtraction is expected to be {@link RemainingUpdates}.
     */
    private static void fitAsTheCore(MultiLayerNetwork net, NetworkStep step, int seed, boolean replaced) {
        List<String> names = step.tensorNames();
        try (CoreTwin twin = new CoreTwin(net, names, RULE, Double.POSITIVE_INFINITY, 1)) {
            for (int s = 0; s < 3; s++) {
                DataSet b = CoreEqualityTest.batch(seed + s);
                twin.step(twin.meanGradients(b));
                net.fit(b);
                assertEquals(replaced, net.getOptimizer().getStepFunction() instanceof RemainingUpdates,
                        "the solver's subtraction replaced");
                for (String n : names) {
                    assertArrayEquals(twin.values(n), CoreTwin.memoryOrder(net.getParam(n)), "step " + s + ": " + n);
                }
            }
        }
    }

    private static void manualUpdate(MultiLayerNetwork net, DataSet b) {
        net.setInput(b.getFeatures());
        net.setLabels(b.getLabels());
        net.computeGradientAndScore();
        net.getUpdater().update(net, net.gradient(), 0, 0, b.numExamples(), LayerWorkspaceMgr.noWorkspaces());
    }
}
