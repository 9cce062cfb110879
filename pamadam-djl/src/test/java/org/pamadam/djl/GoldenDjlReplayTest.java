package org.pamadam.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.pamadam.trace.Golden;
import org.pamadam.trace.Replay;
import org.pamadam.trace.Trace;

/**
 * Every bundled PyTorch trace through the DJL optimizer, within the same bounds as the core engine,
 * on both paths: the core kernel on the tensors' memory and NDArray operations.
 */
class GoldenDjlReplayTest {

    static Stream<Arguments> cases() {
        return java.util.stream.Stream.concat(Golden.NAMES.stream(), Golden.CLIPPED.stream()).flatMap(name -> Stream.of(Arguments.of(name, true), Arguments.of(name, false)));
    }

    @ParameterizedTest(name = "{0} hostKernel={1}")
    @MethodSource("cases")
    void replaysWithinBounds(String name, boolean hostKernel) {
        Trace trace = Golden.load(name);
        Replay.Result result = Replay.run(trace, new DjlEngine(hostKernel));
        assertTrue(result.engine().contains(hostKernel ? "core kernel" : "NDArray ops"), result.engine());
        assertEquals(trace.params().size(), result.tensors().size());
        for (Replay.TensorReport r : result.tensors()) {
            assertTrue(r.stepsTaken() > 0, () -> name + "/" + r.name() + " never stepped");
            assertTrue(r.paramOk(), () -> name + "/" + r.name() + ": parameter error " + r.paramError()
                    + " > " + Replay.PARAM_BOUND);
            assertTrue(r.ratioOk(), () -> name + "/" + r.name() + ": ratio error " + r.ratioError()
                    + " > " + r.ratioBound());
        }
        assertTrue(result.ok(), name);
    }

    /**
     * The host path is the core's step on the tensors' memory: its replay has exactly the core
     * engine's errors against the trace, tensor by tensor (so the same bytes, up to an error that
     * cancels exactly, which random traces do not produce).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void theHostPathReplaysWithTheCoresBytes(String name) {
        Trace trace = Golden.load(name);
        Replay.Result djl = Replay.run(trace, new DjlEngine(true));
        Replay.Result core = Replay.run(trace, Replay.engine("core"));
        for (int i = 0; i < core.tensors().size(); i++) {
            Replay.TensorReport want = core.tensors().get(i);
            Replay.TensorReport got = djl.tensors().get(i);
            assertEquals(want.name(), got.name());
            assertEquals(want.paramError(), got.paramError(), 0.0, name + "/" + want.name() + " parameter error");
            assertEquals(want.ratioError(), got.ratioError(), 0.0, name + "/" + want.name() + " ratio error");
            assertEquals(want.stepsTaken(), got.stepsTaken());
        }
    }

    static Stream<String> names() {
        return Stream.concat(Golden.NAMES.stream(), Golden.CLIPPED.stream());
    }

    @Test
    void isFoundByServiceLoaderUnderItsName() {
        assertInstanceOf(DjlEngine.class, Replay.engine("djl"));
    }
}
