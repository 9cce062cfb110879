package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.learning.config.Adam;
import org.pamadam.trace.Golden;
import org.pamadam.trace.Replay;
import org.pamadam.trace.Trace;

/** Every bundled PyTorch trace, replayed through DL4J's UpdaterBlock with RuleUpdater and TensorStep. */
class Dl4jGoldenReplayTest {

    static java.util.List<String> names() {
        java.util.List<String> all = new java.util.ArrayList<>(Golden.NAMES);
        all.addAll(Golden.CLIPPED); // through GlobalNormClipping.clip
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void replaysWithinTheCoreBounds(String name) {
        Trace trace = Golden.load(name);
        Replay.Result result = Replay.run(trace, new Dl4jEngine());
        assertEquals(trace.params().size(), result.tensors().size());
        for (Replay.TensorReport r : result.tensors()) {
            assertTrue(r.stepsTaken() > 0, () -> name + "/" + r.name() + " never stepped");
            assertTrue(r.paramOk(), () -> name + "/" + r.name() + ": parameter error " + r.paramError()
                    + " > " + Replay.PARAM_BOUND);
            assertTrue(r.ratioOk(), () -> name + "/" + r.name() + ": ratio error " + r.ratioError()
                    + " > " + r.ratioBound());
            if (trace.optimizer().equals("pamadam")) {
                // The PAMAdam traces record a ratio for every tensor: the check above was a real one.
                assertTrue(!Double.isNaN(r.ratioError()), () -> name + "/" + r.name() + " has no ratio checked");
            }
        }
    }

    @Test
    void nd4jsOwnAdamOpMissesTheBoundsThatRuleUpdaterMeets() {
        // The same DL4J path with ND4J's Adam (eps outside the bias correction) in the block: the
        // bounds are tight enough to tell the two apart.
        Trace trace = Golden.load("large_tensor");
        Replay.Result own = Replay.run(trace,
                new Dl4jEngine(rule -> new Adam(rule.lr(), rule.beta1(), rule.beta2(), rule.eps())));
        double worstRatio = own.tensors().stream().mapToDouble(Replay.TensorReport::ratioError).max().orElse(0);
        assertFalse(own.ok(), "ND4J's Adam unexpectedly met the bounds");
        assertTrue(worstRatio > 10 * Replay.RATIO_BOUND_LARGE, "ratio error " + worstRatio);
        assertTrue(Replay.run(trace, new Dl4jEngine()).ok());
    }

    @Test
    void isFoundByName() {
        assertInstanceOf(Dl4jEngine.class, Replay.engine("dl4j"));
    }
}
