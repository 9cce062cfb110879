package org.pamadam.trace;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads and writes pamadam-trace/1 JSON, checking everything a replay relies on. */
public final class TraceCodec {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> HYPER = Set.of("lr", "betas", "eps", "weight_decay", "momentum", "max_grad_norm");

    private TraceCodec() {
    }

    /** Reads a trace file; every problem is a {@link TraceFormatException} naming the file. */
    public static Trace read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new TraceFormatException(file + ": no such file");
        } catch (IOException e) {
            throw new TraceFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Reads a trace from a stream; {@code source} names it in errors. */
    public static Trace read(InputStream in, String source) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
            throw new TraceFormatException(source + ": not valid JSON"
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + " (truncated?): " + e.getOriginalMessage(), e);
        } catch (java.io.CharConversionException e) {
            throw new TraceFormatException(source + ": not valid JSON: bad character encoding: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new TraceFormatException(source + ": expected a JSON object");
        }
        return new Reader(source).trace(root);
    }

    private static final class Reader {
        private final String source;

        Reader(String source) {
            this.source = source;
        }

        private TraceFormatException bad(String what) {
            return new TraceFormatException(source + ": " + what);
        }

        Trace trace(JsonNode root) {
            String format = text(root, "format");
            if (!Trace.FORMAT.equals(format)) {
                throw bad("unknown format '" + format + "', expected '" + Trace.FORMAT + "'");
            }
            String dtype = root.path("dtype").asText("float32");
            if (!dtype.equals("float32")) {
                throw bad("unsupported dtype '" + dtype + "', expected float32");
            }
            String optimizer = text(root, "optimizer");
            if (!List.of("pamadam", "adam", "adamw", "lamb", "sgd").contains(optimizer)) {
                throw bad("unknown optimizer '" + optimizer + "', expected pamadam, adam, adamw, lamb or sgd");
            }
            Map<String, Double> hyper = hyper(root.path("hyper"));
            List<Trace.TraceParam> params = new ArrayList<>();
            Map<String, Integer> sizes = new LinkedHashMap<>();
            for (JsonNode p : array(root, "params")) {
                String name = text(p, "name");
                int[] shape = shape(p.path("shape"), name);
                float[] init = floats(p, "init", "params['" + name + "'].init");
                long count = 1;
                for (int d : shape) {
                    count *= d;
                }
                if (count != init.length) {
                    throw bad("tensor '" + name + "': shape " + java.util.Arrays.toString(shape) + " holds " + count
                            + " elements but init has " + init.length);
                }
                if (sizes.put(name, init.length) != null) {
                    throw bad("tensor '" + name + "' is declared twice");
                }
                params.add(new Trace.TraceParam(name, shape, init));
            }
            if (params.isEmpty()) {
                throw bad("no params");
            }
            List<Trace.Step> steps = new ArrayList<>();
            int index = 0;
            for (JsonNode s : array(root, "steps")) {
                steps.add(step(s, index++, sizes));
            }
            // A replay only checks what the trace records: without these it would pass vacuously.
            if (steps.isEmpty()) {
                throw bad("no steps: nothing to replay");
            }
            Trace.Step last = steps.get(steps.size() - 1);
            for (String name : sizes.keySet()) {
                if (!last.expected().containsKey(name)) {
                    throw bad("steps[" + (steps.size() - 1) + "] (the last step) has no expected values for '"
                            + name + "'; the last step must record every tensor");
                }
            }
            return new Trace(root.path("name").asText(""), root.path("kind").asText(""),
                    root.path("note").asText(""), optimizer, hyper, params, steps);
        }

        private Trace.Step step(JsonNode s, int index, Map<String, Integer> sizes) {
            String where = "steps[" + index + "]";
            JsonNode grads = s.path("grads");
            if (!grads.isObject()) {
                throw bad(where + ": missing 'grads' object");
            }
            Map<String, float[]> g = new LinkedHashMap<>();
            for (String name : sizes.keySet()) {
                g.put(name, null);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = grads.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Integer size = sizes.get(e.getKey());
                if (size == null) {
                    throw bad(where + ": gradient for unknown tensor '" + e.getKey() + "'");
                }
                if (!e.getValue().isNull()) {
                    g.put(e.getKey(), sized(decode(e.getValue(), where + ".grads['" + e.getKey() + "']"), size,
                            where + ": gradient for '" + e.getKey() + "'"));
                }
            }
            Map<String, Double> ratios = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = s.path("ratios").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!sizes.containsKey(e.getKey()) || !e.getValue().isNumber()) {
                    throw bad(where + ": bad ratio entry '" + e.getKey() + "'");
                }
                ratios.put(e.getKey(), e.getValue().asDouble());
            }
            Map<String, float[]> expected = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = s.path("expected").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Integer size = sizes.get(e.getKey());
                if (size == null) {
                    throw bad(where + ": expected values for unknown tensor '" + e.getKey() + "'");
                }
                expected.put(e.getKey(), sized(decode(e.getValue(), where + ".expected['" + e.getKey() + "']"),
                        size, where + ": expected values for '" + e.getKey() + "'"));
            }
            return new Trace.Step(g, ratios, expected);
        }

        private float[] sized(float[] values, int size, String what) {
            if (values.length != size) {
                throw bad(what + " has " + values.length + " elements, tensor has " + size);
            }
            return values;
        }

        private Map<String, Double> hyper(JsonNode h) {
            if (!h.isObject()) {
                throw bad("missing 'hyper' object");
            }
            Map<String, Double> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!HYPER.contains(e.getKey())) {
                    throw bad("unknown hyperparameter '" + e.getKey() + "'");
                }
                JsonNode value = e.getValue();
                if (e.getKey().equals("betas")) {
                    if (!value.isArray() || value.size() != 2 || !value.get(0).isNumber() || !value.get(1).isNumber()) {
                        throw bad("hyper.betas must be [beta1, beta2]");
                    }
                    out.put("beta1", value.get(0).asDouble());
                    out.put("beta2", value.get(1).asDouble());
                } else {
                    if (!value.isNumber()) {
                        throw bad("hyper." + e.getKey() + " must be a number, got " + value);
                    }
                    if (e.getKey().equals("max_grad_norm")
                            && !(value.asDouble() > 0 && value.asDouble() < Double.POSITIVE_INFINITY)) {
                        throw bad("hyper.max_grad_norm must be a finite number > 0, got " + value);
                    }
                    out.put(e.getKey(), value.asDouble());
                }
            }
            return out;
        }

        private String text(JsonNode node, String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isTextual()) {
                throw bad("missing text field '" + field + "'");
            }
            return v.asText();
        }

        private JsonNode array(JsonNode node, String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isArray()) {
                throw bad("missing array '" + field + "'");
            }
            return v;
        }

        private int[] shape(JsonNode node, String name) {
            if (!node.isArray()) {
                throw bad("tensor '" + name + "': missing shape array");
            }
            int[] shape = new int[node.size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = node.get(i);
                if (!d.canConvertToInt() || d.asInt() < 0) {
                    throw bad("tensor '" + name + "': bad dimension " + d);
                }
                shape[i] = d.asInt();
            }
            return shape;
        }

        private float[] floats(JsonNode node, String field, String what) {
            JsonNode v = node.get(field);
            if (v == null) {
                throw bad("missing " + what);
            }
            return decode(v, what);
        }

        private float[] decode(JsonNode v, String what) {
            if (!v.isTextual()) {
                throw bad(what + ": expected a base64 string");
            }
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(v.asText());
            } catch (IllegalArgumentException e) {
                throw bad(what + ": invalid base64: " + e.getMessage());
            }
            if (bytes.length % 4 != 0) {
                throw bad(what + ": " + bytes.length + " bytes is not a whole number of float32 values");
            }
            float[] out = new float[bytes.length / 4];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }
    }

    /** base64 of little-endian float32, as the format stores arrays. */
    public static String encode(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return Base64.getEncoder().encodeToString(buf.array());
    }

    /** Writes a trace as pamadam-trace/1 JSON. */
    public static void write(Trace trace, OutputStream out) throws IOException {
        try (JsonGenerator gen = JSON.getFactory().createGenerator(out)) {
            gen.useDefaultPrettyPrinter();
            gen.writeStartObject();
            gen.writeStringField("format", Trace.FORMAT);
            gen.writeStringField("name", trace.name());
            gen.writeStringField("kind", trace.kind());
            gen.writeStringField("note", trace.note());
            gen.writeStringField("optimizer", trace.optimizer());
            gen.writeObjectFieldStart("hyper");
            Map<String, Double> h = trace.hyper();
            for (Map.Entry<String, Double> e : h.entrySet()) {
                if (e.getKey().equals("beta1")) {
                    gen.writeArrayFieldStart("betas");
                    gen.writeNumber(e.getValue());
                    gen.writeNumber(h.getOrDefault("beta2", 0.999));
                    gen.writeEndArray();
                } else if (!e.getKey().equals("beta2")) {
                    gen.writeNumberField(e.getKey(), e.getValue());
                }
            }
            gen.writeEndObject();
            gen.writeStringField("dtype", "float32");
            gen.writeArrayFieldStart("params");
            for (Trace.TraceParam p : trace.params()) {
                gen.writeStartObject();
                gen.writeStringField("name", p.name());
                gen.writeArrayFieldStart("shape");
                for (int d : p.shape()) {
                    gen.writeNumber(d);
                }
                gen.writeEndArray();
                gen.writeStringField("init", encode(p.init()));
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeArrayFieldStart("steps");
            for (Trace.Step s : trace.steps()) {
                gen.writeStartObject();
                gen.writeObjectFieldStart("grads");
                for (Map.Entry<String, float[]> e : s.grads().entrySet()) {
                    if (e.getValue() == null) {
                        gen.writeNullField(e.getKey());
                    } else {
                        gen.writeStringField(e.getKey(), encode(e.getValue()));
                    }
                }
                gen.writeEndObject();
                if (!s.ratios().isEmpty()) {
                    gen.writeObjectFieldStart("ratios");
                    for (Map.Entry<String, Double> e : s.ratios().entrySet()) {
                        gen.writeNumberField(e.getKey(), e.getValue());
                    }
                    gen.writeEndObject();
                }
                gen.writeObjectFieldStart("expected");
                for (Map.Entry<String, float[]> e : s.expected().entrySet()) {
                    gen.writeStringField(e.getKey(), encode(e.getValue()));
                }
                gen.writeEndObject();
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeEndObject();
        }
    }
}
