package org.pamadam.cli.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.GenerationMode;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.pamadam.data.DataFile;
import org.pamadam.state.CheckpointException;

/**
 * The training-checkpoint generation reader ({@link TrainingCheckpoint#load}) with its newest
 * generation replaced by arbitrary bytes, every truncation of it, random bit flips, and damage inside
 * its sections with every checksum made to fit again. Each time the resume either reads that generation
 * (possible only when the checksums fit) or falls back to the previous one, saying why with the file and
 * the part at fault; it never throws, and it changes no file in the folder.
 */
class GenerationReaderPropertiesTest {
    private static final RunSpec SPEC = new RunSpec("pamadam", 1e-3, 7, "mlp", 5, 100);
    private static final List<DataFile> DATA = List.of(new DataFile("train-images-idx3-ubyte", 100, 1),
            new DataFile("train-labels-idx1-ubyte", 20, 2));
    /** What a skipped generation's reason names: the file, then its part. */
    private static final Pattern NAMED = Pattern.compile("gen-000003\\.ckpt: (not a pamadam training checkpoint "
            + "\\(bad magic\\)|training checkpoint format version -?\\d+, this build reads version 1|implausible section count"
            + "|implausible name length -?\\d+ in section \\d+ of \\d+|implausible section name in section \\d+ of \\d+"
            + "|truncated in (header|section \\d+ of \\d+|section '[a-z]+'|end marker) |section '[a-z]+'(: checksum mismatch| "
            + "appears twice|: malformed: |: unknown format|: holds epoch|: lacks engine|: \\d+ rows for)"
            + "|no end marker after the last section|file checksum mismatch|\\d+ unexpected bytes after the end"
            + "|missing section '[a-z]+').*", Pattern.DOTALL);

    private static Path dir;
    private static Path newest;
    private static byte[] whole;
    private static Map<String, byte[]> files;

    @BeforeContainer
    static void threeGenerations() throws IOException {
        dir = Files.createTempDirectory("generation-properties");
        List<EpochMetrics> rows = new ArrayList<>();
        for (int epoch = 1; epoch <= 3; epoch++) {
            rows.add(new EpochMetrics(SPEC, epoch, 1.0 / epoch, 1.1 / epoch, 0.5 + epoch / 10.0, 2.0, 0.1, 0.2));
            byte[] model = new byte[300 + epoch];
            new Random(epoch).nextBytes(model);
            TrainingCheckpoint.save(dir, "djl", SPEC, DATA, rows,
                    new TrainingEngine.Snapshot(model, ("optimizer " + epoch).getBytes(StandardCharsets.UTF_8)));
        }
        newest = dir.resolve("gen-000003.ckpt");
        whole = Files.readAllBytes(newest);
        files = contents();
    }

    @AfterContainer
    static void removeFolder() throws IOException {
        for (String name : contents().keySet()) {
            Files.delete(dir.resolve(name));
        }
        Files.delete(dir);
    }

    private static Map<String, byte[]> contents() throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (var list = Files.list(dir)) {
            for (Path f : list.toList()) {
                out.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        }
        return out;
    }

    /**
     * With {@code bytes} as the newest generation, resumes: returns the generation used (2 or 3). A
     * fallback must say why, naming the file and part; the folder must be unchanged by the resume.
     */
    private static int resumesFrom(byte[] bytes) throws IOException {
        Files.write(newest, bytes);
        try {
            Map<String, byte[]> before = contents();
            TrainingCheckpoint.Saved s = TrainingCheckpoint.load(dir);
            Map<String, byte[]> after = contents();
            assertEquals(before.keySet(), after.keySet(), "the resume changed the folder");
            before.forEach((name, b) -> assertArrayEquals(b, after.get(name), "the resume changed " + name));
            if (s.epochsDone() == 3) {
                assertEquals(List.of(), s.skipped());
                return 3;
            }
            assertEquals(2, s.epochsDone(), "fell back past the previous generation");
            assertEquals(1, s.skipped().size());
            String reason = s.skipped().get(0).replace(newest.toString(), "gen-000003.ckpt");
            assertTrue(NAMED.matcher(reason).matches(), "skipped without its part named: " + reason);
            assertArrayEquals(files.get("gen-000002.ckpt"), Files.readAllBytes(dir.resolve("gen-000002.ckpt")));
            return 2;
        } finally {
            Files.write(newest, whole);
        }
    }

    private static void fallsBack(byte[] bytes) throws IOException {
        assertEquals(2, resumesFrom(bytes), "damaged bytes were read as a generation");
    }

    @Property(tries = 1)
    void theWholeGenerationIsRead() throws IOException {
        assertEquals(3, resumesFrom(whole));
        assertEquals(Set.of("gen-000002.ckpt", "gen-000003.ckpt"), files.keySet());
    }

    @Property(tries = 200)
    void arbitraryBytesFallBack(@ForAll @Size(max = 800) byte[] bytes) throws IOException {
        fallsBack(bytes);
    }

    @Provide
    Arbitrary<Integer> cuts() {
        return Arbitraries.integers().between(0, whole.length - 1);
    }

    @Property(tries = 2000, generation = GenerationMode.EXHAUSTIVE)
    void everyTruncationFallsBack(@ForAll("cuts") int length) throws IOException {
        fallsBack(Arrays.copyOf(whole, length));
    }

    @Provide
    Arbitrary<Set<Integer>> flips() {
        return Arbitraries.integers().between(0, whole.length * 8 - 1).set().ofMinSize(1).ofMaxSize(8);
    }

    private static byte[] flipped(byte[] bytes, Set<Integer> bits) {
        byte[] b = bytes.clone();
        for (int bit : bits) {
            b[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        return b;
    }

    @Property(tries = 300)
    void bitFlipsFallBack(@ForAll("flips") Set<Integer> bits) throws IOException {
        fallsBack(flipped(whole, bits));
    }

    @Provide
    Arbitrary<String> textSections() {
        return Arbitraries.of("progress", "data", "metrics");
    }

    /**
     * Bit flips inside the text sections, every checksum recomputed: the parsing of progress, data and
     * metrics must then read the generation or name the section.
     */
    @Property(tries = 300)
    void bitFlipsInsideASealedSectionAreReadOrNamed(@ForAll("textSections") String section,
                                                    @ForAll @Size(min = 1, max = 6) Set<Integer> positions)
            throws IOException {
        Map<String, byte[]> sections = new LinkedHashMap<>(GenerationFile.decode(whole, "x",
                List.of("progress", "data", "metrics", "model", "optimizer")));
        byte[] b = sections.get(section).clone();
        for (int p : positions) {
            int bit = Math.floorMod(p, b.length * 8);
            b[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        sections.put(section, b);
        resumesFrom(GenerationFile.encode(sections));
    }

    /** Arbitrary contents for a text section in a well-formed file: read, or refused naming it. */
    @Property(tries = 200)
    void arbitrarySectionContentsAreReadOrNamed(@ForAll("textSections") String section,
                                                @ForAll @Size(max = 200) byte[] content) throws IOException {
        Map<String, byte[]> sections = new LinkedHashMap<>(GenerationFile.decode(whole, "x",
                List.of("progress", "data", "metrics", "model", "optimizer")));
        sections.put(section, content);
        resumesFrom(GenerationFile.encode(sections));
    }

    /** The decoder alone, on arbitrary bytes: a CheckpointException naming the source, nothing else. */
    @Property(tries = 200)
    void theDecoderRefusesArbitraryBytesByName(@ForAll @Size(max = 300) byte[] bytes) {
        try {
            GenerationFile.decode(bytes, "gen-000003.ckpt", List.of("progress"));
            throw new AssertionError("arbitrary bytes decoded");
        } catch (CheckpointException e) {
            assertTrue(NAMED.matcher(e.getMessage()).matches(), e.getMessage());
        }
    }
}
