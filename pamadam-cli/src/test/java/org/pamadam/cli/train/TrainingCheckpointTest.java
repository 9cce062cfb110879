package org.pamadam.cli.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pamadam.data.DataFile;
import org.pamadam.state.CheckpointException;

/**
 * Training checkpoint generations under damage: every truncation at a section boundary, random bit
 * flips, a wrong section CRC and a wrong version each make the newest generation refused with a named
 * reason and the resume fall back to the previous generation, reading the folder only; with no
 * valid generation left the refusal names every reason.
 */
class TrainingCheckpointTest {
    private static final RunSpec SPEC = new RunSpec("pamadam", 1e-3, 7, "mlp", 5, 100);
    private static final List<DataFile> DATA = List.of(new DataFile("train-images-idx3-ubyte", 100, 1),
            new DataFile("train-labels-idx1-ubyte", 20, 2), new DataFile("t10k-images-idx3-ubyte", 50, 3),
            new DataFile("t10k-labels-idx1-ubyte", 10, 4));

    @TempDir
    Path dir;
    Path newest;

    @BeforeEach
    void threeGenerations() throws IOException {
        List<EpochMetrics> rows = new ArrayList<>();
        for (int epoch = 1; epoch <= 3; epoch++) {
            rows.add(new EpochMetrics(SPEC, epoch, 1.0 / epoch, 1.1 / epoch, 0.5 + epoch / 10.0, 2.0, 0.1, 0.2));
            TrainingCheckpoint.save(dir, "djl", SPEC, DATA, rows, snapshot(epoch));
        }
        newest = dir.resolve("gen-000003.ckpt");
    }

    private static TrainingEngine.Snapshot snapshot(int epoch) {
        byte[] model = new byte[1000 + epoch];
        new Random(epoch).nextBytes(model);
        return new TrainingEngine.Snapshot(model, ("optimizer after " + epoch).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keepsTheNewestTwoGenerationsAndResumesFromTheNewest() throws IOException {
        try (var files = Files.list(dir)) {
            assertEquals(List.of("gen-000002.ckpt", "gen-000003.ckpt"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        TrainingCheckpoint.Saved s = TrainingCheckpoint.load(dir);
        assertEquals(3, s.epochsDone());
        assertEquals(newest, s.file());
        assertEquals(List.of(), s.skipped());
        assertEquals(DATA, s.data());
        assertEquals(3, s.rows().size());
        assertArrayEquals(snapshot(3).model(), s.snapshot().model());
        assertArrayEquals(snapshot(3).optimizer(), s.snapshot().optimizer());
    }

    @Test
    void aSaveNeverDeletesTheGenerationItJustWrote() throws IOException {
        // An older run's generations numbered above the new one: the old cleanup kept the two highest
        // numbers and so deleted the new gen-000001 right after writing it.
        Path other = dir.resolve("other");
        RunSpec older = new RunSpec("adam", 1e-3, 3, "mlp", 5, 100);
        List<EpochMetrics> rows = new ArrayList<>();
        for (int epoch = 1; epoch <= 5; epoch++) {
            rows.add(new EpochMetrics(older, epoch, 1, 1, 0.5, 1, 0.1, 0.1));
            if (epoch >= 4) {
                TrainingCheckpoint.save(other, "djl", older, DATA, rows, snapshot(epoch));
            }
        }
        TrainingCheckpoint.save(other, "djl", SPEC, DATA, List.of(new EpochMetrics(SPEC, 1, 1, 1, 0.5, 1, 0.1, 0.1)),
                snapshot(1));
        assertEquals(List.of("gen-000001.ckpt", "gen-000004.ckpt", "gen-000005.ckpt"), names(other));
    }

    @Test
    void theNextSaveRemovesTemporaryFilesOfAKilledSave() throws IOException {
        Files.write(dir.resolve("gen-000004.ckpt.tmp"), new byte[] {1, 2, 3});
        Files.write(dir.resolve("gen-000002.ckpt8816540521923.tmp"), new byte[] {4}); // an older pamadam's name
        Files.write(dir.resolve("notes.txt"), new byte[] {5});
        Files.write(dir.resolve("gen-000001.ckpt.tmp.keep"), new byte[] {6});
        List<EpochMetrics> rows = new ArrayList<>(TrainingCheckpoint.load(dir).rows());
        rows.add(new EpochMetrics(SPEC, 4, 0.25, 0.3, 0.9, 2.0, 0.1, 0.2));
        TrainingCheckpoint.save(dir, "djl", SPEC, DATA, rows, snapshot(4));
        assertEquals(List.of("gen-000001.ckpt.tmp.keep", "gen-000003.ckpt", "gen-000004.ckpt", "notes.txt"), names(dir));
    }

    @Test
    void aFolderWithGenerationsBelongsToItsRun() throws IOException {
        byte[] before = Files.readAllBytes(newest);
        CheckpointException e = assertThrows(CheckpointException.class, () -> TrainingCheckpoint.claim(dir, null));
        assertEquals(dir + ": holds the generations of another run (gen-000002.ckpt, gen-000003.ckpt); a run saves "
                + "only into a folder without generations: continue that run with --resume " + dir
                + ", or choose another folder", e.getMessage());
        Path elsewhere = dir.resolve("elsewhere");
        Files.createDirectories(elsewhere);
        assertThrows(CheckpointException.class, () -> TrainingCheckpoint.claim(dir, elsewhere),
                "resuming from another folder does not make this one's generations ours");
        TrainingCheckpoint.claim(dir, elsewhere.resolve("..")); // the folder it resumed from, spelt otherwise
        TrainingCheckpoint.claim(elsewhere, null); // no generations
        TrainingCheckpoint.claim(dir.resolve("not-yet"), null); // made by the first save
        Files.write(elsewhere.resolve("gen-000007.ckpt.tmp"), new byte[1]);
        TrainingCheckpoint.claim(elsewhere, null); // a temporary file is no generation
        assertArrayEquals(before, Files.readAllBytes(newest));
    }

    private static List<String> names(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    /** Offsets where one part of the layout ends, read from the bytes independently of the reader. */
    private static List<Integer> boundaries(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b);
        List<Integer> out = new ArrayList<>(List.of(0, 8, 12, 16));
        buf.position(12);
        int count = buf.getInt();
        for (int i = 0; i < count; i++) {
            int nameLength = buf.getShort();
            buf.position(buf.position() + nameLength);
            out.add(buf.position());
            long length = buf.getLong();
            out.add(buf.position());
            buf.position(buf.position() + (int) length);
            out.add(buf.position());
            buf.getInt();
            out.add(buf.position());
        }
        out.add(buf.position() + 4); // after the end marker
        out.add(b.length - 1);
        return out;
    }

    @Test
    void truncationAtEverySectionBoundaryFallsBackToThePreviousGeneration() throws IOException {
        byte[] whole = Files.readAllBytes(newest);
        List<Integer> cuts = boundaries(whole);
        assertEquals(4 + 5 * 4 + 2, cuts.size());
        for (int cut : cuts) {
            Files.write(newest, java.util.Arrays.copyOf(whole, cut));
            String reason = fallsBack();
            assertTrue(reason.contains("truncated") || reason.contains("no end marker"), cut + ": " + reason);
        }
    }

    @Test
    void randomBitFlipsFallBackToThePreviousGeneration() throws IOException {
        byte[] whole = Files.readAllBytes(newest);
        Random r = new Random(11);
        for (int i = 0; i < 300; i++) {
            byte[] b = whole.clone();
            int at = i < 40 ? i : r.nextInt(b.length); // every header byte, then anywhere
            b[at] ^= (byte) (1 << r.nextInt(8));
            Files.write(newest, b);
            String reason = fallsBack();
            assertTrue(reason.matches(".*(checksum mismatch|bad magic|version|truncated|no end marker|implausible"
                    + "|appears twice|missing section|unexpected bytes).*"), at + ": " + reason);
        }
    }

    @Test
    void wrongSectionCrcIsNamed() throws IOException {
        byte[] b = Files.readAllBytes(newest);
        List<Integer> cuts = boundaries(b);
        int modelCrc = cuts.get(4 + 3 * 4 + 2); // fourth section (model): its CRC follows its bytes
        b[modelCrc] ^= 0x40;
        Files.write(newest, withFileCrc(b));
        assertTrue(fallsBack().contains("section 'model': checksum mismatch"));
    }

    @Test
    void wrongVersionIsNamed() throws IOException {
        byte[] b = Files.readAllBytes(newest);
        ByteBuffer.wrap(b).putInt(8, 2);
        Files.write(newest, withFileCrc(b));
        assertTrue(fallsBack().contains("format version 2, this build reads version 1"));
    }

    @Test
    void noValidGenerationIsRefusedNamingEachReason() throws IOException {
        byte[] b = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(b, b.length / 2));
        Path previous = dir.resolve("gen-000002.ckpt");
        byte[] p = Files.readAllBytes(previous);
        p[0] = 'X';
        Files.write(previous, p);
        CheckpointException e = assertThrows(CheckpointException.class, () -> TrainingCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("no valid generation"), e.getMessage());
        assertTrue(e.getMessage().contains("gen-000003.ckpt: truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("gen-000002.ckpt: not a pamadam training checkpoint (bad magic)"),
                e.getMessage());
    }

    @Test
    void otherDataIsRefused() throws IOException {
        TrainingCheckpoint.Saved s = TrainingCheckpoint.load(dir);
        TrainingCheckpoint.checkData(s, DATA);
        List<DataFile> other = new ArrayList<>(DATA);
        other.set(1, new DataFile("train-labels-idx1-ubyte", 20, 99));
        CheckpointException e = assertThrows(CheckpointException.class, () -> TrainingCheckpoint.checkData(s, other));
        assertTrue(e.getMessage().contains("trained on other data: train-labels-idx1-ubyte (20 bytes, crc32c 00000002)"),
                e.getMessage());
    }

    /** Resumes (it must fall back to generation 2, reading only) and returns why generation 3 was skipped. */
    private String fallsBack() throws IOException {
        byte[] before3 = Files.readAllBytes(newest);
        byte[] before2 = Files.readAllBytes(dir.resolve("gen-000002.ckpt"));
        TrainingCheckpoint.Saved s = TrainingCheckpoint.load(dir);
        assertEquals(2, s.epochsDone());
        assertArrayEquals(snapshot(2).model(), s.snapshot().model());
        assertEquals(1, s.skipped().size(), s.skipped().toString());
        assertArrayEquals(before3, Files.readAllBytes(newest), "resume changed the damaged generation");
        assertArrayEquals(before2, Files.readAllBytes(dir.resolve("gen-000002.ckpt")));
        String reason = s.skipped().get(0);
        assertTrue(reason.startsWith(newest.toString() + ": "), reason);
        return reason;
    }

    private static byte[] withFileCrc(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        ByteBuffer.wrap(b).putInt(b.length - 4, (int) crc.getValue());
        return b;
    }
}
