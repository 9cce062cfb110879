package org.pamadam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --checkpoint} keeps generations: a run whose newest generation is torn resumes from the
 * previous one and ends with exactly the metrics of an uninterrupted run; a resume on other data is
 * refused (exit 2) naming the differing file.
 */
class CheckpointGenerationsTest {
    @TempDir
    static Path shared;
    static Path data;
    static List<String> straight;

    @TempDir
    Path dir;

    static final String[] COMMON = {"--optimizer", "adam", "--batch-size", "100", "--seed", "5"};

    @BeforeAll
    static void uninterrupted() throws IOException {
        data = Cli.smallFashionMnist(shared.resolve("fmnist"), 300, 100);
        Path out = shared.resolve("straight");
        Cli.Outcome o = Cli.run(args("train", "--epochs", "3", "--out", out.toString()));
        assertEquals(0, o.code(), o.err());
        straight = metrics(out);
    }

    static String[] args(String... extra) {
        List<String> a = new ArrayList<>(List.of(extra));
        a.addAll(List.of(COMMON));
        a.addAll(List.of("--data", data.toString()));
        return a.toArray(String[]::new);
    }

    /** metrics.csv without the timing columns. */
    static List<String> metrics(Path out) throws IOException {
        List<String> rows = new ArrayList<>();
        for (String row : Files.readAllLines(out.resolve("metrics.csv"))) {
            String[] f = row.split(",");
            rows.add(String.join(",", List.of(f).subList(0, 7)));
        }
        return rows;
    }

    @Test
    void tornNewestGenerationResumesFromThePreviousOne() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        assertEquals(0, Cli.run(args("train", "--epochs", "2", "--checkpoint", ckpt.toString(), "--out",
                dir.resolve("part").toString())).code());
        Path newest = ckpt.resolve("gen-000002.ckpt");
        byte[] b = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(b, b.length - 100)); // a torn write of the model section's end

        Path out = dir.resolve("resumed");
        Cli.Outcome o = Cli.run(args("train", "--epochs", "3", "--resume", ckpt.toString(), "--out", out.toString()));
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("resume: skipped " + newest + ": "), o.out());
        assertTrue(o.out().contains("resume: from " + ckpt.resolve("gen-000001.ckpt") + " (after epoch 1)"), o.out());
        assertEquals(straight, metrics(out));
        assertTrue(Files.exists(ckpt.resolve("gen-000003.ckpt")));
    }

    @Test
    void aFreshRunIntoAnotherRunsFolderIsRefusedAndResumeContinuesIt() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        assertEquals(0, Cli.run(args("train", "--epochs", "2", "--checkpoint", ckpt.toString(), "--out",
                dir.resolve("old").toString())).code());
        java.util.Map<String, byte[]> before = contents(ckpt);
        assertEquals(java.util.Set.of("gen-000001.ckpt", "gen-000002.ckpt"), before.keySet());

        Path out = dir.resolve("fresh");
        Cli.Outcome o = Cli.run(args("train", "--epochs", "1", "--lr", "3e-3", "--checkpoint", ckpt.toString(),
                "--out", out.toString()));
        assertEquals(Main.BAD_INPUT, o.code(), o.out() + o.err());
        assertTrue(o.err().contains(ckpt + ": holds the generations of another run (gen-000001.ckpt, gen-000002.ckpt)"),
                o.err());
        assertTrue(o.err().contains("continue that run with --resume " + ckpt), o.err());
        assertTrue(!Files.exists(out.resolve("metrics.csv")), "refused before any training");
        assertEquals(before.keySet(), contents(ckpt).keySet());
        before.forEach((name, bytes) -> org.junit.jupiter.api.Assertions.assertArrayEquals(bytes,
                contents(ckpt).get(name), name));

        // --checkpoint elsewhere while resuming this folder: the other folder must be free too.
        Cli.Outcome c = Cli.run(args("train", "--epochs", "3", "--resume", ckpt.toString(), "--checkpoint",
                ckpt.toString(), "--out", dir.resolve("resumed").toString()));
        assertEquals(0, c.code(), c.out() + c.err());
        assertEquals(straight, metrics(dir.resolve("resumed")));
    }

    /** Every file of a folder by name. */
    static java.util.Map<String, byte[]> contents(Path folder) {
        java.util.Map<String, byte[]> out = new java.util.TreeMap<>();
        try (var files = Files.list(folder)) {
            for (Path f : files.toList()) {
                out.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    @Test
    void resumeOnOtherDataIsRefused() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        assertEquals(0, Cli.run(args("train", "--epochs", "1", "--checkpoint", ckpt.toString(), "--out",
                dir.resolve("part").toString())).code());
        Path other = Cli.smallFashionMnist(dir.resolve("other"), 200, 100);
        Cli.Outcome o = Cli.run("train", "--epochs", "2", "--optimizer", "adam", "--batch-size", "100", "--seed", "5",
                "--data", other.toString(), "--resume", ckpt.toString(), "--out", dir.resolve("o").toString());
        assertEquals(Main.BAD_INPUT, o.code(), o.out() + o.err());
        assertTrue(o.err().contains("trained on other data: train-images-idx3-ubyte (235216 bytes"), o.err());
        assertTrue(o.err().contains("this run reads train-images-idx3-ubyte (156816 bytes"), o.err());
    }
}
