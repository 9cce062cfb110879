package org.pamadam.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pamadam.optim.Optimizer;

/**
 * Every bundled trace replays to the same bytes on every kernel this CPU has (scalar and each vector
 * width) and on both memory kinds (heap and direct), with 1 or 3 threads: the replayed trace files are
 * compared byte for byte (all but the note naming the engine), and each replay is also within the trace's bounds.
 */
class KernelWidthReplayTest {

    static Stream<String> traces() {
        return Stream.concat(Golden.NAMES.stream(), Golden.CLIPPED.stream());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("traces")
    void replaysToTheSameBytesOnEveryKernelAndMemoryKind(String name) throws IOException {
        List<String> kernels = Optimizer.availableKernels();
        assertTrue(kernels.size() >= 2, "the suite runs with jdk.incubator.vector: " + kernels);
        Trace trace = Golden.load(name);
        byte[] want = null;
        String first = null;
        for (String kernel : kernels) {
            for (boolean direct : new boolean[] {false, true}) {
                for (int threads : new int[] {1, 3}) {
                    Replay.Result result = Replay.run(trace, new CoreEngine(threads, true, kernel, direct));
                    String at = name + " on " + kernel + (direct ? " direct" : " heap") + ", " + threads + " threads";
                    assertTrue(result.ok(), at + " is out of the trace's bounds");
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    // The note names the engine's kernel and threads; everything else must be the same bytes.
                    Trace r = result.replayed();
                    TraceCodec.write(new Trace(r.name(), r.kind(), "", r.optimizer(), r.hyper(), r.params(),
                            r.steps()), bytes);
                    if (want == null) {
                        want = bytes.toByteArray();
                        first = at;
                    } else {
                        assertArrayEquals(want, bytes.toByteArray(), at + " differs from " + first);
                    }
                }
            }
        }
    }
}
