package org.pamadam.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every bundled PyTorch trace, through every way the core can run it, within the README's bounds. */
class GoldenReplayTest {

    static Stream<Arguments> cases() {
        return Golden.NAMES.stream().flatMap(name -> Stream.of(
                Arguments.of(name, 1, true), Arguments.of(name, 2, true), Arguments.of(name, 4, true),
                Arguments.of(name, 1, false)));
    }

    @ParameterizedTest(name = "{0} threads={1} fused={2}")
    @MethodSource("cases")
    void replaysWithinBounds(String name, int threads, boolean fused) {
        Trace trace = Golden.load(name);
        Replay.Result result = Replay.run(trace, new CoreEngine(threads, fused));
        for (Replay.TensorReport r : result.tensors()) {
            assertTrue(r.paramOk(), () -> name + "/" + r.name() + ": parameter error " + r.paramError());
            assertTrue(r.ratioOk(), () -> name + "/" + r.name() + ": ratio error " + r.ratioError()
                    + " > " + r.ratioBound());
        }
        assertTrue(result.ok());
    }

    @Test
    void everyBundledTraceIsThere() throws Exception {
        // The copies must be the recorded files: each has steps, and ratios where the optimizer has them.
        for (Trace t : Golden.all()) {
            assertTrue(t.steps().size() > 0, t.name());
            if (t.hasRatios()) {
                assertTrue(t.steps().stream().anyMatch(s -> !s.ratios().isEmpty()), t.name());
            }
        }
        assertEquals(10, Golden.all().size());
    }

    @Test
    void replayedTraceRoundTripsAndAgreesWithTheOriginal(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Trace trace = Golden.load("multi_tensor");
        Replay.Result first = Replay.run(trace, new CoreEngine());
        Path out = dir.resolve("out.json");
        try (var os = Files.newOutputStream(out)) {
            TraceCodec.write(first.replayed(), os);
        }
        Trace written = TraceCodec.read(out);
        // The written run must itself replay within bounds (it holds our own values at every step)...
        assertTrue(Replay.run(written, new CoreEngine()).ok());
        // ...and hold expected values at every step, where the original had them only on some.
        assertEquals(trace.steps().size(), written.steps().size());
        assertTrue(written.steps().stream().allMatch(s -> s.expected().size() == trace.params().size()));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TraceCodec.write(written, bytes);
        Trace again = TraceCodec.read(new ByteArrayInputStream(bytes.toByteArray()), "again");
        assertEquals(written.steps().get(3).ratios(), again.steps().get(3).ratios());
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"large_tensor", "multi_tensor", "large_lr", "skipped_grads"})
    void sameBytesForOneTwoAndFourThreads(String name) {
        Trace trace = Golden.load(name);
        Trace one = Replay.run(trace, new CoreEngine(1, true)).replayed();
        for (int threads : new int[] {2, 4}) {
            Trace many = Replay.run(trace, new CoreEngine(threads, true)).replayed();
            for (int s = 0; s < one.steps().size(); s++) {
                for (var e : one.steps().get(s).expected().entrySet()) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(e.getValue(),
                            many.steps().get(s).expected().get(e.getKey()),
                            name + " step " + s + " " + e.getKey() + " threads " + threads);
                }
                assertEquals(one.steps().get(s).ratios(), many.steps().get(s).ratios());
            }
        }
    }
}
