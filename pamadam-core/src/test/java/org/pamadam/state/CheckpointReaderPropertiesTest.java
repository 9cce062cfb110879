package org.pamadam.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.pamadam.TestData;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * The optimizer checkpoint reader ({@link Checkpoint#load}) over arbitrary bytes, every truncation of a
 * valid file, random bit flips, and the same damage inside a payload whose length and CRC are made to
 * fit again (so that the structural checks, not the checksum, must catch it). Each case is either read
 * or refused with a {@link CheckpointException} that names the file and the part of it at fault, never
 * another exception; and a refused load leaves the live optimizer byte-identical.
 */
class CheckpointReaderPropertiesTest {
    /** The parts of the file a refusal names. */
    private static final Pattern NAMED = Pattern.compile("live\\.ckpt: (truncated in the header|not a PAMAdam optimizer "
            + "checkpoint \\(bad magic\\)|checkpoint format version -?\\d+|truncated or padded: the header says"
            + "|checksum mismatch in the trailing CRC32C|malformed payload in (group count|group \\d+ (rule|tensor count)"
            + "|tensor name \\(group \\d+, tensor \\d+\\)|tensor '.*' \\(group \\d+, tensor \\d+\\)|trailer \\([^)]*\\)): |\\d+ unexpected trailing bytes after|does not fit this optimizer: ).*", Pattern.DOTALL);
    private static final int HEADER = Checkpoint.MAGIC.length + 4 + 8;

    private static Path dir;
    /** A checkpoint of another run of the same model: loading it whole changes the live state. */
    private static byte[] valid;

    @BeforeContainer
    static void writeValidCheckpoint() throws IOException {
        dir = Files.createTempDirectory("checkpoint-properties");
        List<Param> ps = params();
        try (Optimizer other = optimizer(ps)) {
            steps(other, ps, 77, 5);
            valid = Checkpoint.encode(other.state());
        }
    }

    @AfterContainer
    static void removeFolder() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    /** Two groups: PAMAdam (with v) over a matrix and a bias, SGD with momentum (no v) over a vector. */
    private static List<Param> params() {
        SplittableRandom rnd = new SplittableRandom(3);
        return List.of(Param.of("w", new int[] {2, 3}, TestData.gaussian(rnd, 6, 0.5)),
                Param.of("b", new int[] {3}, new float[3]),
                Param.of("scale", new int[] {4}, TestData.gaussian(rnd, 4, 1)));
    }

    private static Optimizer optimizer(List<Param> ps) {
        return Optimizer.builder().group(Rule.pamAdam().lr(1e-2).build(), ps.subList(0, 2))
                .group(Rule.sgd().lr(0.1).momentum(0.9).build(), ps.subList(2, 3)).maxGradNorm(5).threads(1).build();
    }

    private static void steps(Optimizer opt, List<Param> ps, long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int s = 0; s < n; s++) {
            for (Param p : ps) {
                p.setGrad(TestData.gaussian(rnd, p.size(), 0.3));
            }
            opt.step();
        }
    }

    /**
     * Loads {@code bytes} as a file into a live optimizer that has state of its own. Returns true when
     * it was read; when refused, checks the refusal names its part and that nothing changed.
     */
    private static boolean loadsOrIsRefusedUnchanged(byte[] bytes) throws IOException {
        Path file = dir.resolve("live.ckpt");
        Files.write(file, bytes);
        List<Param> ps = params();
        try (Optimizer live = optimizer(ps)) {
            steps(live, ps, 5, 3);
            byte[] state = Checkpoint.encode(live.state());
            List<float[]> values = new ArrayList<>();
            for (Param p : ps) {
                values.add(p.data().clone());
            }
            try {
                Checkpoint.load(live, file);
                return true;
            } catch (CheckpointException e) {
                String message = e.getMessage().replace(file.toString(), "live.ckpt");
                assertTrue(NAMED.matcher(message).matches(), "refusal without its part named: " + message);
                assertArrayEquals(state, Checkpoint.encode(live.state()), "a refused load changed the state");
                for (int i = 0; i < ps.size(); i++) {
                    assertArrayEquals(values.get(i), ps.get(i).data(), "a refused load changed " + ps.get(i).name());
                }
                return false;
            }
        }
    }

    private static void refused(byte[] bytes) throws IOException {
        assertTrue(!loadsOrIsRefusedUnchanged(bytes), "damaged bytes were read as a checkpoint");
    }

    /** The valid file's payload with the header's length and the trailing CRC made to fit it. */
    static byte[] sealed(int version, byte[] payload) {
        ByteBuffer buf = ByteBuffer.allocate(HEADER + payload.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(Checkpoint.MAGIC).putInt(version).putLong(payload.length).put(payload);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, HEADER + payload.length);
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    private static byte[] payload() {
        return Arrays.copyOfRange(valid, HEADER, valid.length - 4);
    }

    @Property(tries = 1)
    void theValidFileLoadsAndTheSealHelperRebuildsItExactly() throws IOException {
        assertTrue(loadsOrIsRefusedUnchanged(valid));
        assertArrayEquals(valid, sealed(Checkpoint.VERSION, payload()));
    }

    @Property(tries = 200)
    void arbitraryBytesAreRefused(@ForAll @Size(max = 400) byte[] bytes) throws IOException {
        refused(bytes);
    }

    @Property(tries = 300)
    void arbitraryPayloadsInAValidEnvelopeAreReadOrRefusedByName(@ForAll @IntRange(min = 1, max = Checkpoint.VERSION) int version,
                                                                 @ForAll @Size(max = 300) byte[] payload)
            throws IOException {
        loadsOrIsRefusedUnchanged(sealed(version, payload));
    }

    @Provide
    Arbitrary<Integer> cuts() {
        return Arbitraries.integers().between(0, valid.length - 1);
    }

    @Provide
    Arbitrary<Integer> payloadCuts() {
        return Arbitraries.integers().between(0, payload().length - 1);
    }

    @Property(tries = 2000, generation = GenerationMode.EXHAUSTIVE)
    void everyTruncationIsRefused(@ForAll("cuts") int length) throws IOException {
        refused(Arrays.copyOf(valid, length));
    }

    @Property(tries = 2000, generation = GenerationMode.EXHAUSTIVE)
    void everyTruncationOfTheSealedPayloadIsRefusedNamingWhereItEnds(@ForAll("payloadCuts") int length)
            throws IOException {
        refused(sealed(Checkpoint.VERSION, Arrays.copyOf(payload(), length)));
    }

    @Provide
    Arbitrary<Set<Integer>> flips() {
        return Arbitraries.integers().between(0, valid.length * 8 - 1).set().ofMinSize(1).ofMaxSize(8);
    }

    @Provide
    Arbitrary<Set<Integer>> payloadFlips() {
        return Arbitraries.integers().between(0, payload().length * 8 - 1).set().ofMinSize(1).ofMaxSize(8);
    }

    private static byte[] flipped(byte[] bytes, Set<Integer> bits) {
        byte[] b = bytes.clone();
        for (int bit : bits) {
            b[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        return b;
    }

    @Property(tries = 300)
    void bitFlipsAreRefused(@ForAll("flips") Set<Integer> bits) throws IOException {
        refused(flipped(valid, bits));
    }

    @Property(tries = 300)
    void bitFlipsInASealedPayloadAreReadOrRefusedByName(@ForAll("payloadFlips") Set<Integer> bits) throws IOException {
        loadsOrIsRefusedUnchanged(sealed(Checkpoint.VERSION, flipped(payload(), bits)));
    }

    /** The decoder alone (no optimizer) refuses a sealed payload cut inside a tensor by naming the tensor. */
    @Property(tries = 1)
    void aCutInsideATensorNamesIt() {
        byte[] p = payload();
        int at = indexOf(p, "scale".getBytes(java.nio.charset.StandardCharsets.UTF_8)) + 8;
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Checkpoint.decode(sealed(Checkpoint.VERSION, Arrays.copyOf(p, at)), "x"));
        assertEquals("x: malformed payload in tensor 'scale' (group 2, tensor 1): unexpected end", e.getMessage());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i + needle.length;
            }
        }
        throw new AssertionError("not found");
    }
}
