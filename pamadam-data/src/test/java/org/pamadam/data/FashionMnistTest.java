package org.pamadam.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir
    Path dir;

    private static byte[] idx(int type, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt((type << 8) | dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    private static void write(Path file, byte[] bytes, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(bytes);
        }
    }

    /** A tiny data set: n images of 2x3 pixels whose first pixel encodes the label. */
    private void tinySet(Path target, int n, boolean gzip) throws IOException {
        Files.createDirectories(target);
        for (String prefix : new String[] {"train", "t10k"}) {
            byte[] pixels = new byte[n * 6];
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                labels[i] = (byte) (i % 10);
                pixels[i * 6] = (byte) (25 * (i % 10) + 5);
                pixels[i * 6 + 5] = (byte) 255;
            }
            String suffix = gzip ? ".gz" : "";
            write(target.resolve(prefix + "-images-idx3-ubyte" + suffix), idx(8, new int[] {n, 2, 3}, pixels), gzip);
            write(target.resolve(prefix + "-labels-idx1-ubyte" + suffix), idx(8, new int[] {n}, labels), gzip);
        }
    }

    @Test
    void readsPlainAndGzipFilesAlike() throws IOException {
        for (boolean gzip : new boolean[] {false, true}) {
            Path d = dir.resolve(gzip ? "gz" : "plain");
            tinySet(d, 20, gzip);
            FashionMnist.Data data = FashionMnist.fromDirectory(d, "test");
            assertEquals(20, data.train().count());
            assertEquals(6, data.train().features());
            assertEquals(7, data.train().labels()[17]);
            assertEquals((25 * 7 + 5) / 255f, data.train().pixels()[17 * 6], 1e-7f);
            assertEquals(1f, data.train().pixels()[17 * 6 + 5]);
        }
    }

    @Test
    void bundledSubsetIsClassBalanced() throws IOException {
        FashionMnist.Data data = FashionMnist.bundled();
        assertEquals(10_000, data.train().count());
        assertEquals(2_000, data.test().count());
        assertEquals(784, data.train().features());
        int[] counts = new int[10];
        for (int y : data.train().labels()) {
            counts[y]++;
        }
        for (int c : counts) {
            assertEquals(1000, c);
        }
        assertTrue(data.source().contains("bundled"));
    }

    @Test
    void locationOrderIsExplicitThenEnvironment() throws IOException {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        tinySet(a, 10, true);
        tinySet(b, 30, false);
        assertEquals(10, FashionMnist.load(a, Map.of(FashionMnist.ENV, b.toString())).train().count());
        FashionMnist.Data fromEnv = FashionMnist.load(null, Map.of(FashionMnist.ENV, b.toString()));
        assertEquals(30, fromEnv.train().count());
        assertTrue(fromEnv.source().contains("PAMADAM_DATA"));
    }

    @Test
    void malformedFilesAreNamed() throws IOException {
        Path d = dir.resolve("bad");
        tinySet(d, 10, false);
        Path images = d.resolve("train-images-idx3-ubyte");
        byte[] full = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(full, full.length - 7));
        DataException e = assertThrows(DataException.class, () -> FashionMnist.fromDirectory(d, "x"));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte") && e.getMessage().contains("truncated"),
                e.getMessage());

        Files.writeString(images, "not an idx file");
        e = assertThrows(DataException.class, () -> FashionMnist.fromDirectory(d, "x"));
        assertTrue(e.getMessage().contains("not an IDX file"), e.getMessage());

        Files.delete(d.resolve("t10k-labels-idx1-ubyte"));
        tinySet(dir.resolve("ok"), 10, false);
        Files.delete(dir.resolve("ok").resolve("t10k-labels-idx1-ubyte"));
        e = assertThrows(DataException.class, () -> FashionMnist.fromDirectory(dir.resolve("ok"), "x"));
        assertTrue(e.getMessage().contains("missing t10k-labels-idx1-ubyte"), e.getMessage());

        e = assertThrows(DataException.class, () -> FashionMnist.fromDirectory(dir.resolve("nope"), "x"));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void labelCountMismatchIsRefused() throws IOException {
        Path d = dir.resolve("mismatch");
        tinySet(d, 10, false);
        write(d.resolve("train-labels-idx1-ubyte"), idx(8, new int[] {9}, new byte[9]), false);
        DataException e = assertThrows(DataException.class, () -> FashionMnist.fromDirectory(d, "x"));
        assertTrue(e.getMessage().contains("10 images but 9 labels"), e.getMessage());
    }
}
