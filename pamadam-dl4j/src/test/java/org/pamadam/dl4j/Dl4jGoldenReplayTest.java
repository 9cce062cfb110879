package org.pamadam.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pamadam.trace.Golden;
import org.pamadam.trace.Replay;
import org.pamadam.trace.Trace;

/** Every bundled PyTorch trace, replayed through NetworkStep over ND4J arrays laid out as DL4J's updater state. */
class Dl4jGoldenReplayTest {

    static java.util.List<String> names() {
        java.util.List<String> all = new java.util.ArrayList<>(Golden.NAMES);
        all.addAll(Golden.CLIPPED); // clipped by the core inside NetworkStep
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
    void isFoundByName() {
        assertInstanceOf(Dl4jEngine.class, Replay.engine("dl4j"));
    }
}
