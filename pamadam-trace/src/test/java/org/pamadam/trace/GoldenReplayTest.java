package org.pamadam.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every bundled PyTorch trace, through every way the core can run it, within the README's bounds. */
class GoldenReplayTest {

    static Stream<Arguments> cases() {
        return Stream.concat(Golden.NAMES.stream(), Golden.CLIPPED.stream()).flatMap(name -> Stream.of(
                Arguments.of(name, 1, true), Arguments.of(name, 2, true), Arguments.of(name, 4, true),
                Arguments.of(name, 1, false)));
    }

    @ParameterizedTest(name = "{0} threads={1} fused={2}")
    @MethodSource("cases")
    void replaysWithinBounds(String name, int threads, boolean fused) {
        Trace trace = Golden.load(name);
        Replay.Result result = Replay.run(trace, new CoreEngine(threads, fused));
        for (Replay.TensorReport r : result.tensors()) {
            assertTrue(r.stepsTaken() > 0 || name.equals("skipped_grads"), name + "/" + r.name() + " never stepped");
            assertTrue(r.paramOk(), () -> name + "/" + r.name() + ": parameter error " + r.paramError());
            assertTrue(r.ratioOk(), () -> name + "/" + r.name() + ": ratio error " + r.ratioError()
                    + " > " + r.ratioBound());
        }
        assertTrue(result.ok());
    }

    @Test
    void everyBundledTraceIsThere() throws Exception {
        // The copies must be the recorded files: each has steps and expected values for every tensor on
        // its last step (the reader insists), and ratios where the PAMAdam reference records them.
        for (Trace t : Golden.all()) {
            assertTrue(t.steps().size() > 0, t.name());
            assertEquals(t.params().size(), t.steps().get(t.steps().size() - 1).expected().size(), t.name());
            if (t.optimizer().equals("pamadam")) {
                assertTrue(t.steps().stream().anyMatch(s -> !s.ratios().isEmpty()), t.name());
            }
            assertTrue(t.maxGradNorm().isEmpty(), t.name());
        }
        assertEquals(12, Golden.all().size());
        assertEquals(List.of(0.5, 1.0), Golden.clipped().stream().map(t -> t.maxGradNorm().getAsDouble()).toList());
    }

    @Test
    void replayedTraceRoundTripsAndAgreesWithTheRecordedValues(@TempDir Path dir) throws Exception {
        Trace trace = Golden.load("multi_tensor");
        Replay.Result first = Replay.run(trace, new CoreEngine());
        Path out = dir.resolve("out.json");
        try (var os = Files.newOutputStream(out)) {
            TraceCodec.write(first.replayed(), os);
        }
        Trace written = TraceCodec.read(out);
        // The written run holds our values at every step; where torch recorded values, ours must sit
        // within the bounds of torch's (the recorded trace, not another run of this engine, is the truth).
        assertEquals(trace.steps().size(), written.steps().size());
        int compared = 0;
        for (int s = 0; s < trace.steps().size(); s++) {
            Trace.Step want = trace.steps().get(s);
            Trace.Step got = written.steps().get(s);
            assertEquals(trace.params().size(), got.expected().size(), "step " + s);
            for (Map.Entry<String, float[]> e : want.expected().entrySet()) {
                double err = Replay.relativeError(got.expected().get(e.getKey()), e.getValue());
                assertTrue(err <= Replay.PARAM_BOUND, "step " + s + " " + e.getKey() + ": " + err);
                compared++;
            }
            for (Map.Entry<String, Double> e : want.ratios().entrySet()) {
                assertEquals(e.getValue(), got.ratios().get(e.getKey()), Replay.RATIO_BOUND_SMALL * e.getValue(),
                        "step " + s + " ratio " + e.getKey());
            }
        }
        assertTrue(compared >= trace.params().size(), "compared " + compared);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TraceCodec.write(written, bytes);
        Trace again = TraceCodec.read(new ByteArrayInputStream(bytes.toByteArray()), "again");
        for (int s = 0; s < written.steps().size(); s++) {
            assertEquals(written.steps().get(s).ratios(), again.steps().get(s).ratios());
            for (Map.Entry<String, float[]> e : written.steps().get(s).expected().entrySet()) {
                assertArrayEquals(e.getValue(), again.steps().get(s).expected().get(e.getKey()));
            }
        }
    }

    /** {@code trace} with one step replaced. */
    private static Trace withStep(Trace trace, int index, UnaryOperator<Trace.Step> change) {
        List<Trace.Step> steps = new ArrayList<>(trace.steps());
        steps.set(index, change.apply(steps.get(index)));
        return new Trace(trace.name(), trace.kind(), trace.note(), trace.optimizer(), trace.hyper(), trace.params(),
                steps);
    }

    private static Replay.TensorReport failing(Replay.Result result) {
        assertFalse(result.ok(), "a perturbed trace replayed as agreeing");
        List<Replay.TensorReport> bad = result.tensors().stream().filter(r -> !r.ok()).toList();
        assertEquals(1, bad.size(), bad.toString());
        return bad.get(0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"multi_tensor", "lamb_timm", "sgd_torch", "adamw_reference"})
    void aPerturbedExpectedValueFails(String name) {
        Trace trace = Golden.load(name);
        int last = trace.steps().size() - 1;
        String tensor = trace.params().get(0).name();
        // Ten times the bound, in one element of one tensor on the last step.
        Trace perturbed = withStep(trace, last, s -> {
            Map<String, float[]> expected = new LinkedHashMap<>(s.expected());
            float[] values = expected.get(tensor).clone();
            float scale = 0;
            for (float f : values) {
                scale = Math.max(scale, Math.abs(f));
            }
            values[values.length / 2] += (float) (10 * Replay.PARAM_BOUND * scale);
            expected.put(tensor, values);
            return new Trace.Step(s.grads(), s.ratios(), expected);
        });
        Replay.TensorReport r = failing(Replay.run(perturbed, new CoreEngine(2, true)));
        assertEquals(tensor, r.name());
        assertFalse(r.paramOk());
        assertTrue(Replay.run(trace, new CoreEngine(2, true)).ok(), "the unperturbed trace agrees");
    }

    @Test
    void aPerturbedRatioFails() {
        Trace trace = Golden.load("multi_tensor");
        int index = 3;
        Map.Entry<String, Double> recorded = trace.steps().get(index).ratios().entrySet().iterator().next();
        Trace perturbed = withStep(trace, index, s -> {
            Map<String, Double> ratios = new LinkedHashMap<>(s.ratios());
            ratios.put(recorded.getKey(), recorded.getValue() * (1 + 10 * Replay.RATIO_BOUND_SMALL));
            return new Trace.Step(s.grads(), ratios, s.expected());
        });
        Replay.TensorReport r = failing(Replay.run(perturbed, new CoreEngine()));
        assertEquals(recorded.getKey(), r.name());
        assertFalse(r.ratioOk());
        assertTrue(r.paramOk());
    }

    @Test
    void aPerturbedGradientFails() {
        // The engine follows the gradients, so changed gradients must move it off torch's values.
        Trace trace = Golden.load("lamb_timm");
        String tensor = trace.params().get(1).name();
        Trace perturbed = withStep(trace, 0, s -> {
            Map<String, float[]> grads = new LinkedHashMap<>(s.grads());
            float[] g = grads.get(tensor).clone();
            for (int k = 0; k < g.length; k++) {
                g[k] *= 1.5f;
            }
            grads.put(tensor, g);
            return new Trace.Step(grads, s.ratios(), s.expected());
        });
        assertEquals(tensor, failing(Replay.run(perturbed, new CoreEngine())).name());
    }

    @Test
    void aClippedTraceIsRefusedByAnEngineThatCannotClip() {
        ReplayEngine noClip = new ReplayEngine() {
            @Override
            public String name() {
                return "plain";
            }

            @Override
            public Run open(org.pamadam.rule.Rule rule, List<Trace.TraceParam> params) {
                return new CoreEngine().open(rule, params);
            }
        };
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> Replay.run(Golden.load("clip/clip_adam_torch"), noClip));
        assertTrue(e.getMessage().contains("'plain'") && e.getMessage().contains("max_grad_norm"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"clip/clip_adam_torch", "clip/clip_lamb_timm"})
    void aClippedTraceFailsWhenTheClippingIsLeftOut(String name) {
        // The clip traces exercise the clipping: replayed without it they must be off torch's values.
        ReplayEngine ignoring = new ReplayEngine() {
            @Override
            public String name() {
                return "ignoring";
            }

            @Override
            public Run open(org.pamadam.rule.Rule rule, List<Trace.TraceParam> params) {
                return new CoreEngine().open(rule, params);
            }

            @Override
            public Run open(org.pamadam.rule.Rule rule, List<Trace.TraceParam> params,
                            java.util.OptionalDouble maxGradNorm) {
                return open(rule, params);
            }
        };
        assertFalse(Replay.run(Golden.load(name), ignoring).ok());
        assertTrue(Replay.run(Golden.load(name), new CoreEngine()).ok());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"large_tensor", "multi_tensor", "large_lr", "skipped_grads"})
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
