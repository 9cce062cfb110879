package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.dataset.DataSet;
import org.pamadam.optim.NonFiniteGradientException;
import org.pamadam.rule.Rule;

/**
 * A non-finite gradient anywhere refuses the whole step before anything is written: with the NaN in
 * the last layer only, the earlier layers' weights, moments and counts stay as they were too; and the
 * refusal names the tensor and the element.
 */
class NonFiniteGradientTest {

    /** Puts a NaN into one element of the output layer's weight gradient, once armed. */
    private static final class NanInLastLayer extends BaseTrainingListener {
        boolean armed;

        @Override
        public void onGradientCalculation(Model model) {
            if (armed) {
                model.gradient().getGradientFor("2_W").putScalar(5, Float.NaN);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pamadam", "adam", "sgd"})
    void aNanInTheLastLayerOnlyChangesNothing(String rule) {
        MultiLayerNetwork net = CoreEqualityTest.bnNet(Rule.named(rule).lr(1e-2).build());
        NanInLastLayer nan = new NanInLastLayer();
        net.addListeners(nan);
        NetworkStep step = Dl4jOptimizers.attach(net, NetworkStep.Settings.defaults().maxGradNorm(1.0));
        net.fit(CoreEqualityTest.batch(1)); // a normal step first: state is not all zeros
        float[] params = net.params().toFloatVector();
        float[] state = net.getUpdater().getStateViewArray().toFloatVector();

        nan.armed = true;
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
                () -> net.fit(CoreEqualityTest.batch(2)));
        assertTrue(e.getMessage().contains("2_W"), e.getMessage());
        assertArrayEquals(params, net.params().toFloatVector(), "weights changed by a refused step");
        assertArrayEquals(state, net.getUpdater().getStateViewArray().toFloatVector(),
                "updater state (m, v, counts) changed by a refused step");
        assertTrue(step.stepCount("0_W") == 1 && step.stepCount() == 1, "counts moved");

        nan.armed = false;
        net.fit(CoreEqualityTest.batch(2));
        assertTrue(step.stepCount("0_W") == 2, "training goes on after a refusal");
    }
    /**
     * A NaN (then an infinity after it) put at a chosen element of the network's flattened gradient,
     * passed to the network's updater: the refusal names the tensor and the element that
     * {@link Dl4jOptimizers#tensorAt} gives for that flattened index (784x16 W, 16 b, 16x10 W, 10 b, in
     * that order), and nothing is written, whichever block the element is in. Biases take another lr
     * than weights, so the four tensors are four updater blocks; 9000 lies past the first chunk.
     * (Before #20 a NaN in a later block was refused after the earlier blocks' m and v were written.)
     */
    @ParameterizedTest
    @ValueSource(ints = {5, 9000, 784 * 16 + 3, 784 * 16 + 16 + 37, 784 * 16 + 16 + 160 + 9})
    void theRefusalNamesTheFirstNonFiniteElement(int index) {
        Rule weights = Rule.adam().lr(1e-2).build();
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jOptimizers.apply(Fixtures.mlp(16, 3), weights,
                Rule.adam().lr(5e-3).build()));
        net.init();
        Dl4jOptimizers.attach(net);
        net.fit(Fixtures.batch(Fixtures.data().train(), 0, 16)); // a normal step first: state is not all zeros
        float[] params = net.params().toFloatVector();
        float[] state = net.getUpdater().getStateViewArray().toFloatVector();
        org.deeplearning4j.nn.updater.MultiLayerUpdater updater =
                (org.deeplearning4j.nn.updater.MultiLayerUpdater) net.getUpdater();
        assertEquals(4, updater.getUpdaterBlocks().size(), "one updater block per tensor");

        DataSet batch = Fixtures.batch(Fixtures.data().train(), 16, 16);
        net.setInput(batch.getFeatures());
        net.setLabels(batch.getLabels());
        net.computeGradientAndScore();
        org.deeplearning4j.nn.gradient.Gradient gradient = net.gradient();
        gradient.gradient().putScalar(index, Float.NaN);
        if (index < net.numParams() - 1) {
            gradient.gradient().putScalar(net.numParams() - 1, Float.POSITIVE_INFINITY); // not the first: not named
        }
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, () -> updater.update(gradient, 1,
                0, 16, org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces()));

        String expected = index < 784 * 16 ? "0_W[" + index + "]"
                : index < 784 * 16 + 16 ? "0_b[" + (index - 784 * 16) + "]"
                : index < 784 * 16 + 16 + 160 ? "1_W[" + (index - 784 * 16 - 16) + "]"
                : "1_b[" + (index - 784 * 16 - 16 - 160) + "]";
        assertEquals(expected, Dl4jOptimizers.tensorAt(net, index));
        String tensor = expected.substring(0, expected.indexOf('['));
        String element = expected.substring(expected.indexOf('['));
        assertTrue(e.getMessage().contains("'" + tensor + "'") && e.getMessage().contains("grad" + element + " = NaN"),
                e.getMessage());
        assertArrayEquals(params, net.params().toFloatVector(), "weights changed by a refused step");
        assertArrayEquals(state, net.getUpdater().getStateViewArray().toFloatVector(),
                "updater state changed by a refused step");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 784 * 8 - 1, 784 * 8, 784 * 8 + 8, 784 * 8 + 8 + 80 + 9})
    void flattenedIndexNamesItsParameter(long index) {
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jOptimizers.apply(Fixtures.mlp(8, 3), Rule.adam().build()));
        net.init();
        String expected = index < 784 * 8 ? "0_W[" + index + "]"
                : index < 784 * 8 + 8 ? "0_b[" + (index - 784 * 8) + "]"
                : index < 784 * 8 + 8 + 80 ? "1_W[" + (index - 784 * 8 - 8) + "]"
                : "1_b[" + (index - 784 * 8 - 8 - 80) + "]";
        assertEquals(expected, Dl4jOptimizers.tensorAt(net, index));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Dl4jOptimizers.tensorAt(net, net.numParams()));
    }
}
