package org.pamadam.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * The trace reader ({@link TraceCodec#read(InputStream, String)}) over arbitrary bytes, every
 * truncation of a recorded trace, random bit flips, and every node of a valid trace replaced by each
 * of a set of JSON values. Each input is either read or refused with a {@link TraceFormatException} that names the
 * source and where the problem is (a JSON position, or the field); never another exception.
 */
class TraceReaderPropertiesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] VALID = golden("zero_grad");
    /** A refusal names the source, then where: a JSON position or the field at fault. */
    private static final Pattern NAMED = Pattern.compile("t\\.json: (not valid JSON at line \\d+, column \\d+ "
            + "|not valid JSON: bad character encoding|expected a JSON object|unknown format|unsupported dtype|unknown optimizer|missing |unknown hyperparameter"
            + "|hyper\\.|tensor '|params\\['|no params|no steps|steps\\[\\d+\\]).*", Pattern.DOTALL);

    private static byte[] golden(String name) {
        try (InputStream in = TraceReaderPropertiesTest.class.getResourceAsStream("/golden/" + name + ".json")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Returns the trace read, or null when refused (after checking the refusal names its place). */
    private static Trace readOrRefused(byte[] bytes) throws IOException {
        try {
            return TraceCodec.read(new ByteArrayInputStream(bytes), "t.json");
        } catch (TraceFormatException e) {
            assertTrue(NAMED.matcher(e.getMessage()).matches(), "refusal without its place: " + e.getMessage());
            return null;
        }
    }

    @Property(tries = 1)
    void theRecordedTraceIsRead() throws IOException {
        Trace t = readOrRefused(VALID);
        assertEquals("zero_grad", t.name());
        assertEquals(List.of("w", "dead"), t.params().stream().map(Trace.TraceParam::name).toList());
    }

    @Property(tries = 300)
    void arbitraryBytesAreRefused(@ForAll @Size(max = 300) byte[] bytes) throws IOException {
        assertEquals(null, readOrRefused(bytes), "arbitrary bytes read as a trace");
    }

    /**
     * Arbitrary bytes after the start of a JSON object in UTF-32 or UTF-16: Jackson detects the
     * encoding from the first bytes, and a bad UTF-32 character is an I/O error there, not a parse error.
     */
    @Property(tries = 300)
    void arbitraryBytesInAnotherEncodingAreRefused(@ForAll("starts") byte[] start,
                                                   @ForAll @Size(max = 64) byte[] rest) throws IOException {
        byte[] b = Arrays.copyOf(start, start.length + rest.length);
        System.arraycopy(rest, 0, b, start.length, rest.length);
        assertEquals(null, readOrRefused(b), "arbitrary bytes read as a trace");
    }

    @Provide
    Arbitrary<byte[]> starts() {
        return Arbitraries.of(new byte[] {0, 0, 0, '{'}, new byte[] {'{', 0, 0, 0}, new byte[] {0, '{'},
                new byte[] {'{', 0}, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{'});
    }

    @Provide
    Arbitrary<Integer> cuts() {
        return Arbitraries.integers().between(0, VALID.length - 1);
    }

    @Property(tries = 5000, generation = GenerationMode.EXHAUSTIVE)
    void everyTruncationIsRefused(@ForAll("cuts") int length) throws IOException {
        assertEquals(null, readOrRefused(Arrays.copyOf(VALID, length)), "a truncated trace was read");
    }

    @Provide
    Arbitrary<Set<Integer>> flips() {
        return Arbitraries.integers().between(0, VALID.length * 8 - 1).set().ofMinSize(1).ofMaxSize(8);
    }

    /** A flip inside a number or a base64 string can leave a valid trace: read or refused, nothing else. */
    @Property(tries = 300)
    void bitFlipsAreReadOrRefused(@ForAll("flips") Set<Integer> bits) throws IOException {
        byte[] b = VALID.clone();
        for (int bit : bits) {
            b[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        readOrRefused(b);
    }

    /** One value of each JSON kind, and values that fit some fields but not others. */
    @Provide
    Arbitrary<JsonNode> values() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode unknownKey = f.objectNode();
        unknownKey.put("x", 1);
        ObjectNode tensorKey = f.objectNode();
        tensorKey.put("w", "AAAA");
        return Arbitraries.of(f.nullNode(), f.booleanNode(true), f.numberNode(0), f.numberNode(-1), f.numberNode(1.5),
                f.textNode(""), f.textNode("AAAA"), f.textNode("not base64!"), f.arrayNode(),
                f.arrayNode().add(1).add(2), f.objectNode(), unknownKey, tensorKey);
    }

    @Provide
    Arbitrary<Integer> nodeIndices() throws IOException {
        List<JsonNode[]> all = new ArrayList<>();
        nodes(JSON.readTree(VALID), all);
        return Arbitraries.integers().between(0, all.size() - 1);
    }

    /** Every node of the tree with its parent, in document order (the root has none). */
    private static void nodes(JsonNode parent, List<JsonNode[]> out) {
        for (JsonNode child : parent) {
            out.add(new JsonNode[] {parent, child});
            nodes(child, out);
        }
    }

    /**
     * Every node of the valid trace replaced by each value of {@link #values()} (all pairs): read or
     * refused naming the field.
     */
    @Property(tries = 2000, generation = GenerationMode.EXHAUSTIVE)
    void everyNodeReplacedIsReadOrRefused(@ForAll("nodeIndices") int which, @ForAll("values") JsonNode value)
            throws IOException {
        JsonNode root = JSON.readTree(VALID);
        List<JsonNode[]> all = new ArrayList<>();
        nodes(root, all);
        JsonNode[] pick = all.get(which);
        JsonNode parent = pick[0];
        if (parent instanceof ObjectNode o) {
            var fields = o.fields();
            while (fields.hasNext()) {
                var e = fields.next();
                if (e.getValue() == pick[1]) {
                    e.setValue(value);
                    break;
                }
            }
        } else {
            ArrayNode a = (ArrayNode) parent;
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i) == pick[1]) {
                    a.set(i, value);
                    break;
                }
            }
        }
        readOrRefused(JSON.writeValueAsBytes(root));
    }
}
