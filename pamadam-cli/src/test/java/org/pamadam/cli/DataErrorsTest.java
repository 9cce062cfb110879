package org.pamadam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed data for train and compare: exit 2 with one line naming the bad file, before any
 * training starts, and no output folder left behind for a run that never started.
 */
class DataErrorsTest {
    @TempDir
    Path dir;

    private static byte[] images(int n) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x803);
        out.writeInt(n);
        out.writeInt(28);
        out.writeInt(28);
        out.write(new byte[n * 784]);
        return bytes.toByteArray();
    }

    private static byte[] labels(int n) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x801);
        out.writeInt(n);
        out.write(new byte[n]);
        return bytes.toByteArray();
    }

    /** A data folder with four valid files (4 images each), then {@code file} replaced by {@code content}. */
    private Path dataWith(String file, byte[] content) throws IOException {
        Path d = dir.resolve("data-" + file);
        Files.createDirectories(d);
        Files.write(d.resolve("train-images-idx3-ubyte"), images(4));
        Files.write(d.resolve("train-labels-idx1-ubyte"), labels(4));
        Files.write(d.resolve("t10k-images-idx3-ubyte"), images(4));
        Files.write(d.resolve("t10k-labels-idx1-ubyte"), labels(4));
        Files.write(d.resolve(file), content);
        return d;
    }

    private void assertRefused(Cli.Outcome o, String... fragments) {
        assertEquals(Main.BAD_INPUT, o.code(), o.out() + o.err());
        for (String f : fragments) {
            assertTrue(o.err().contains(f), "expected '" + f + "' in: " + o.err());
        }
        assertFalse(o.err().contains("\tat "), "one line, no stack trace: " + o.err());
        assertFalse(o.out().contains("epoch"), "nothing trained: " + o.out());
    }

    @Test
    void badMagicNamesTheFile() throws IOException {
        byte[] bad = labels(4);
        bad[0] = 0x50; // the first two bytes of an IDX file are zero
        Path data = dataWith("train-labels-idx1-ubyte", bad);
        Path out = dir.resolve("out");
        assertRefused(Cli.run("train", "--epochs", "1", "--data", data.toString(), "--out", out.toString()),
                "train-labels-idx1-ubyte", "not an IDX file");
        assertFalse(Files.exists(out.resolve("metrics.csv")));
    }

    @Test
    void truncatedFileNamesTheFile() throws IOException {
        byte[] full = images(4);
        Path data = dataWith("t10k-images-idx3-ubyte", Arrays.copyOf(full, full.length - 100));
        assertRefused(Cli.run("compare", "--optimizers", "adam", "--epochs", "1", "--data", data.toString(),
                "--out", dir.resolve("out").toString()), "t10k-images-idx3-ubyte", "truncated");
    }

    @Test
    void imageAndLabelCountsMustAgree() throws IOException {
        Path data = dataWith("t10k-labels-idx1-ubyte", labels(3));
        assertRefused(Cli.run("train", "--data", data.toString(), "--out", dir.resolve("out").toString()),
                "4 images but 3 labels");
    }

    @Test
    void dataFolderMustExist() {
        Path missing = dir.resolve("no-such-folder");
        assertRefused(Cli.run("train", "--data", missing.toString(), "--out", dir.resolve("out").toString()),
                missing.toString(), "not a directory");
    }

    @Test
    void aRunRefusedAtTheStartLeavesNoDefaultFolder() throws IOException {
        // A run refused at the start (the Spark engine has no cnn) leaves runs/ as it was.
        Path runs = Path.of("runs");
        boolean had = Files.isDirectory(runs);
        long before = had ? countEntries(runs) : 0;
        Path data = dataWith("train-images-idx3-ubyte", images(4));
        Cli.Outcome o = Cli.run("train", "--engine", "dl4j-spark", "--model", "cnn", "--epochs", "1", "--data",
                data.toString());
        assertEquals(Main.BAD_INPUT, o.code(), o.out() + o.err());
        assertTrue(o.err().contains("--model cnn is not offered by the dl4j-spark engine"), o.err());
        assertEquals(had, Files.isDirectory(runs), "runs/ left as it was");
        if (had) {
            assertEquals(before, countEntries(runs));
        }
    }

    private static long countEntries(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.count();
        }
    }
}
