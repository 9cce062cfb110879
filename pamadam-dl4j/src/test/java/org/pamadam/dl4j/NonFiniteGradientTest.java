package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.dataset.DataSet;
import org.pamadam.optim.NonFiniteGradientException;
import org.pamadam.rule.Rule;

/**
 * A NaN gradient is refused by the DL4J updater as by the core optimizer: a
 * {@link NonFiniteGradientException} naming the element, with weights and updater state unchanged,
 * instead of NaN flowing into m, v and the weights while training goes on.
 */
class NonFiniteGradientTest {

    @ParameterizedTest
    @ValueSource(strings = {"pamadam", "adam", "sgd"})
    void nanGradientIsRefusedBeforeAnythingIsWritten(String rule) {
        MultiLayerNetwork net = new MultiLayerNetwork(Dl4jOptimizers.apply(Fixtures.mlp(8, 3),
                Rule.named(rule).lr(1e-2).build()));
        net.init();
        net.fit(Fixtures.batch(Fixtures.data().train(), 0, 16)); // a normal step first: state is not all zeros
        float[] params = Fixtures.floats(net.params());
        float[] state = Fixtures.floats(net.getUpdater().getStateViewArray());

        DataSet bad = Fixtures.batch(Fixtures.data().train(), 16, 16);
        bad.getLabels().putScalar(3, 2, Float.NaN); // one NaN label: every gradient element becomes NaN
        int first = firstNonFiniteGradient(net, bad);
        assertTrue(first >= 0, "the NaN label gives no NaN gradient");
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class, () -> net.fit(bad));

        assertTrue(e.getMessage().contains("flattened gradient[" + first + "] = NaN"), e.getMessage());
        assertArrayEquals(params, Fixtures.floats(net.params()), "weights changed by a refused step");
        assertArrayEquals(state, Fixtures.floats(net.getUpdater().getStateViewArray()),
                "updater state changed by a refused step");
    }

    /** The first non-finite element of the network's gradient on {@code batch}, by DL4J's own backprop. */
    private static int firstNonFiniteGradient(MultiLayerNetwork net, DataSet batch) {
        net.setInput(batch.getFeatures());
        net.setLabels(batch.getLabels());
        net.computeGradientAndScore();
        float[] g = Fixtures.floats(net.gradient().gradient());
        for (int i = 0; i < g.length; i++) {
            if (!Float.isFinite(g[i])) {
                return i;
            }
        }
        return -1;
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
        assertThrows(IllegalArgumentException.class, () -> Dl4jOptimizers.tensorAt(net, net.numParams()));
    }
}
