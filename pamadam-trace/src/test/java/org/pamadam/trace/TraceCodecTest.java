package org.pamadam.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The reader refuses every trace a replay could pass vacuously, and reads max_grad_norm. */
class TraceCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Trace read(String golden, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode root;
        try (InputStream in = TraceCodecTest.class.getResourceAsStream("/golden/" + golden + ".json")) {
            root = (ObjectNode) JSON.readTree(in);
        }
        edit.accept(root);
        return TraceCodec.read(new ByteArrayInputStream(JSON.writeValueAsBytes(root)), "edited.json");
    }

    private static void refused(String golden, Consumer<ObjectNode> edit, String fragment) {
        TraceFormatException e = assertThrows(TraceFormatException.class, () -> read(golden, edit));
        assertTrue(e.getMessage().startsWith("edited.json: ") && e.getMessage().contains(fragment), e.getMessage());
    }

    private static ObjectNode lastStep(ObjectNode root) {
        ArrayNode steps = root.withArray("steps");
        return (ObjectNode) steps.get(steps.size() - 1);
    }

    @Test
    void aBadUtf32CharacterIsAFormatErrorNotAnIoError() {
        // Jackson reads this as UTF-32BE (from the first four bytes); 0x110000 is beyond Unicode.
        byte[] bytes = {0, 0, 0, '{', 0, 0x11, 0, 0};
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> TraceCodec.read(new ByteArrayInputStream(bytes), "u.json"));
        assertTrue(e.getMessage().startsWith("u.json: not valid JSON"), e.getMessage());
    }

    @Test
    void aSyntaxErrorNamesItsPosition() {
        byte[] bytes = "{\n \"format\": \"pamadam-trace/1\",\n \"name\" = 1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> TraceCodec.read(new ByteArrayInputStream(bytes), "s.json"));
        assertTrue(e.getMessage().startsWith("s.json: not valid JSON at line 3, column 9 (truncated?): Unexpected character ('='"),
                e.getMessage());
    }

    @Test
    void aTraceWithoutStepsIsRefused() {
        refused("basic_matrix", r -> r.putArray("steps"), "no steps");
    }

    @Test
    void aTraceWithoutExpectedValuesIsRefused() {
        refused("multi_tensor", r -> r.withArray("steps").forEach(s -> ((ObjectNode) s).putObject("expected")),
                "has no expected values for");
    }

    @Test
    void theLastStepMustRecordEveryTensor() {
        // multi_tensor records every tensor on its last step; dropping one leaves earlier steps intact.
        refused("multi_tensor", r -> {
            ObjectNode expected = (ObjectNode) lastStep(r).get("expected");
            expected.remove(expected.fieldNames().next());
        }, "(the last step) has no expected values for '");
    }

    @Test
    void maxGradNormIsReadAndWrittenBack() throws IOException {
        Trace t = read("clip/clip_lamb_timm", r -> { });
        assertEquals(1.0, t.maxGradNorm().getAsDouble());
        assertTrue(Golden.load("adam_reference").maxGradNorm().isEmpty());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TraceCodec.write(t, out);
        Trace again = TraceCodec.read(new ByteArrayInputStream(out.toByteArray()), "again");
        assertEquals(t.hyper(), again.hyper());
    }

    @Test
    void aBadMaxGradNormIsRefused() {
        refused("clip/clip_adam_torch", r -> ((ObjectNode) r.get("hyper")).put("max_grad_norm", 0.0),
                "max_grad_norm must be a finite number > 0, got 0.0");
        refused("clip/clip_adam_torch", r -> ((ObjectNode) r.get("hyper")).put("max_grad_norm", -1),
                "max_grad_norm");
        refused("clip/clip_adam_torch", r -> ((ObjectNode) r.get("hyper")).put("max_grad_norm", "1"),
                "max_grad_norm must be a number");
        refused("clip/clip_adam_torch", r -> ((ObjectNode) r.get("hyper")).put("max_grad_nrom", 1.0),
                "unknown hyperparameter 'max_grad_nrom'");
    }
}
