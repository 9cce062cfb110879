package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pamadam.optim.NonFiniteGradientException;
import org.pamadam.rule.Rule;

/**
 * A non-finite gradient anywhere refuses the whole step before anything is written: with the NaN in
 * the last layer only, the earlier layers' weights, moments and counts stay as they were too.
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
}
