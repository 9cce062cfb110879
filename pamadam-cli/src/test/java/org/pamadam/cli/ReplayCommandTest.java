package org.pamadam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pamadam.trace.Golden;
import org.pamadam.trace.Replay;
import org.pamadam.trace.Trace;
import org.pamadam.trace.TraceCodec;

/** {@code pamadam replay} end to end: exit codes, the table, --out, and every malformed-input case. */
class ReplayCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path golden(String name) throws Exception {
        Path file = dir.resolve(name + ".json");
        try (InputStream in = getClass().getResourceAsStream("/golden/" + name + ".json")) {
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    /** A copy of a golden trace with one edit applied to its JSON. */
    private Path edited(String name, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(golden(name).toFile());
        edit.accept(root);
        Path file = Files.createTempFile(dir, name + "-edited", ".json");
        JSON.writeValue(file.toFile(), root);
        return file;
    }

    @Test
    void replaysEveryBundledTrace() {
        Cli.Outcome o = Cli.run("replay");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("12 of 12 trace(s) agree"), o.out());
        assertTrue(o.out().contains("large_tensor"));
        assertFalse(o.out().contains("FAIL"));
    }

    @Test
    void outFileIsATraceThatAgreesWithTheOriginal() throws Exception {
        Path in = golden("multi_tensor");
        Path out = dir.resolve("replayed.json");
        Cli.Outcome o = Cli.run("replay", in.toString(), "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        Trace original = TraceCodec.read(in);
        Trace replayed = TraceCodec.read(out);
        assertEquals(original.params().size(), replayed.params().size());
        // Our output, at every step torch recorded, must sit within the bounds of torch's values.
        for (int s = 0; s < original.steps().size(); s++) {
            Trace.Step want = original.steps().get(s);
            Trace.Step got = replayed.steps().get(s);
            assertEquals(original.params().size(), got.expected().size(), "expected at every step");
            for (var e : want.expected().entrySet()) {
                float[] a = e.getValue();
                float[] b = got.expected().get(e.getKey());
                double maxDiff = 0, scale = 0;
                for (int i = 0; i < a.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                    scale = Math.max(scale, Math.abs(a[i]));
                }
                assertTrue(maxDiff <= Replay.PARAM_BOUND * scale, "step " + s + " " + e.getKey());
            }
            for (var e : want.ratios().entrySet()) {
                assertEquals(e.getValue(), got.ratios().get(e.getKey()), 1e-4 * e.getValue(), "ratio " + e.getKey());
            }
        }
    }

    @Test
    void severalTracesWithOutWriteADirectory() throws Exception {
        Path out = dir.resolve("outdir");
        Cli.Outcome o = Cli.run("replay", golden("zero_bias").toString(), golden("adam_reference").toString(),
                "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(Files.exists(out.resolve("zero_bias.json")));
        assertTrue(Files.exists(out.resolve("adam_reference.json")));
    }

    @Test
    void disagreementExitsOne() throws Exception {
        Path bad = edited("zero_grad", root -> {
            ObjectNode last = (ObjectNode) root.withArray("steps").get(root.withArray("steps").size() - 1);
            ObjectNode expected = (ObjectNode) last.get("expected");
            expected.put("w", TraceCodec.encode(new float[] {9, 9, 9, 9, 9}));
        });
        Cli.Outcome o = Cli.run("replay", bad.toString());
        assertEquals(1, o.code(), o.out());
        assertTrue(o.out().contains("FAIL"));
    }

    private void malformed(Path file, String fragment) {
        Cli.Outcome o = Cli.run("replay", file.toString());
        assertEquals(2, o.code(), o.out() + o.err());
        String err = o.err().replace("WARNING: Using incubator modules: jdk.incubator.vector\n", "");
        assertTrue(err.startsWith("pamadam: error: "), err);
        assertEquals(1, err.strip().lines().count(), "one line, no stack trace: " + err);
        assertTrue(err.contains(fragment), "'" + err + "' should mention '" + fragment + "'");
    }

    @Test
    void malformedInputExitsTwoWithANamedError() throws Exception {
        byte[] full = Files.readAllBytes(golden("basic_matrix"));
        Path truncated = dir.resolve("truncated.json");
        Files.write(truncated, java.util.Arrays.copyOf(full, full.length / 2));
        malformed(truncated, "not valid JSON");
        Path text = dir.resolve("text.json");
        Files.writeString(text, "hello");
        malformed(text, "not valid JSON");
        malformed(dir.resolve("missing.json"), "no such file");
        malformed(edited("basic_matrix", r -> r.put("format", "pamadam-trace/9")), "unknown format");
        malformed(edited("basic_matrix", r -> r.put("optimizer", "adagrad")), "unknown optimizer 'adagrad'");
        malformed(edited("basic_matrix", r -> ((ObjectNode) r.get("hyper")).put("lr", -0.1)), "lr must be");
        malformed(edited("basic_matrix", r -> ((ObjectNode) r.get("hyper")).putArray("betas").add(1.5).add(0.9)),
                "beta1");
        malformed(edited("basic_matrix", r -> {
            ArrayNode shape = ((ObjectNode) r.withArray("params").get(0)).putArray("shape");
            shape.add(3).add(3);
        }), "shape [3, 3]");
        malformed(edited("basic_matrix", r -> r.putArray("steps")), "no steps");
        malformed(edited("basic_matrix", r -> r.withArray("steps").forEach(st -> ((ObjectNode) st).putObject("expected"))),
                "has no expected values");
        malformed(edited("multi_tensor", r -> {
            ObjectNode grads = (ObjectNode) r.withArray("steps").get(2).get("grads");
            grads.put(grads.fieldNames().next(), TraceCodec.encode(new float[] {1, 2, 3}));
        }), "steps[2]");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"djl", "dl4j"})
    void frameworkEnginesReplayEveryTrace(String engine) throws Exception {
        Path out = dir.resolve(engine);
        Cli.Outcome o = Cli.run("replay", "--engine", engine, "--out", out.toString());
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("12 of 12 trace(s) agree"), o.out());
        assertTrue(o.out().contains("engine " + engine), o.out());
        // The framework's written values agree with torch's recorded ones (not with another engine's).
        for (Trace recorded : Golden.all()) {
            Trace viaFramework = TraceCodec.read(out.resolve(recorded.name() + ".json"));
            assertWithinBounds(recorded, viaFramework);
        }
    }

    private static void assertWithinBounds(Trace recorded, Trace replayed) {
        assertEquals(recorded.steps().size(), replayed.steps().size(), recorded.name());
        int compared = 0;
        for (int s = 0; s < recorded.steps().size(); s++) {
            for (var e : recorded.steps().get(s).expected().entrySet()) {
                double err = Replay.relativeError(replayed.steps().get(s).expected().get(e.getKey()), e.getValue());
                assertTrue(err <= Replay.PARAM_BOUND, recorded.name() + " step " + s + " " + e.getKey() + ": " + err);
                compared++;
            }
        }
        assertTrue(compared >= recorded.params().size(), recorded.name());
    }

    @Test
    void aSlightlyPerturbedTraceFailsNamingTheTensor() throws Exception {
        // Ten times the bound in one element of one tensor of the last step: replay must exit 1.
        Trace original = TraceCodec.read(golden("multi_tensor"));
        String tensor = original.params().get(1).name();
        Path bad = edited("multi_tensor", root -> {
            ArrayNode steps = root.withArray("steps");
            ObjectNode expected = (ObjectNode) steps.get(steps.size() - 1).get("expected");
            float[] values = original.steps().get(original.steps().size() - 1).expected().get(tensor).clone();
            float scale = 0;
            for (float f : values) {
                scale = Math.max(scale, Math.abs(f));
            }
            values[0] += (float) (10 * Replay.PARAM_BOUND * scale);
            expected.put(tensor, TraceCodec.encode(values));
        });
        Cli.Outcome o = Cli.run("replay", bad.toString());
        assertEquals(1, o.code(), o.out());
        assertTrue(o.out().lines().anyMatch(l -> l.strip().startsWith(tensor + " ") && l.endsWith("FAIL")), o.out());
        assertTrue(o.out().contains("0 of 1 trace(s) agree"), o.out());
        assertEquals(0, Cli.run("replay", golden("multi_tensor").toString()).code(), "the unperturbed trace agrees");
    }

    @Test
    void unknownEngineExitsTwo() {
        Cli.Outcome o = Cli.run("replay", "--engine", "tensorflow");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("unknown engine 'tensorflow'"), o.err());
        assertTrue(o.err().contains("core"), o.err());
    }

    @Test
    void versionNamesTheKernel() {
        Cli.Outcome o = Cli.run("--version");
        assertEquals(0, o.code());
        assertTrue(o.out().contains("kernel: vector"), o.out());
    }
}
