package org.pamadam.cli;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.pamadam.data.FashionMnist;
import org.pamadam.data.ImageSet;

/** Test helpers: run the command line in-process, and write small Fashion-MNIST folders. */
final class Cli {
    private Cli() {
    }

    /** Exit code and what the command printed. */
    record Outcome(int code, String out, String err) {
    }

    static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Outcome(code, out.toString(), err.toString());
    }

    /** Small data sets written so far, by size, in one folder per JVM (deleted when it exits). */
    private static final java.util.Map<String, Path> SMALL = new java.util.concurrent.ConcurrentHashMap<>();
    private static Path smallRoot;

    /**
     * The first {@code train} and {@code test} images of the bundled subset as IDX files, written once
     * per JVM and size: the test classes that train on a small slice share it read-only.
     */
    static synchronized Path smallData(int train, int test) {
        return SMALL.computeIfAbsent(train + "x" + test, key -> {
            try {
                if (smallRoot == null) {
                    smallRoot = Files.createTempDirectory("pamadam-cli-test-data");
                    Path root = smallRoot;
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(root)));
                }
                return smallFashionMnist(smallRoot.resolve(key), train, test);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static void deleteTree(Path root) {
        try (java.util.stream.Stream<Path> files = Files.walk(root)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }

    /** A folder with the first {@code train} and {@code test} images of the bundled subset as IDX files. */
    static Path smallFashionMnist(Path dir, int train, int test) throws IOException {
        FashionMnist.Data full = FashionMnist.bundled();
        Files.createDirectories(dir);
        writeIdx(dir, "train", full.train(), train);
        writeIdx(dir, "t10k", full.test(), test);
        return dir;
    }

    /** Writes the first n images of a set as IDX files, laid out as the official ones. */
    static void writeIdx(Path dir, String prefix, ImageSet set, int n) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(prefix + "-images-idx3-ubyte")))) {
            out.writeInt(0x803);
            out.writeInt(n);
            out.writeInt(28);
            out.writeInt(28);
            for (int i = 0; i < n * 784; i++) {
                out.writeByte(Math.round(set.pixels()[i] * 255));
            }
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve(prefix + "-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                out.writeByte(set.labels()[i]);
            }
        }
    }
}
