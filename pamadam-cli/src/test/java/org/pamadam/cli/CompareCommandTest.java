package org.pamadam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train and compare end to end on a small slice of the bundled Fashion-MNIST subset. */
class CompareCommandTest {
    static final Path data = Cli.smallData(1500, 400);

    @TempDir
    Path dir;

    @Test
    void compareWritesCsvPlotsAndReport() throws IOException {
        Path out = dir.resolve("cmp");
        Cli.Outcome o = Cli.run("compare", "--optimizers", "pamadam,adam", "--lr", "1e-3", "--seeds", "2",
                "--epochs", "2", "--batch-size", "50", "--data", data.toString(), "--out", out.toString(),
                "--log-ratios");
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("data: --data"), o.out());
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertTrue(csv.get(0).startsWith("optimizer,lr,seed,epoch,train_loss,test_loss,test_acc,seconds,opt_step_ms"));
        assertEquals(1 + 2 * 2 * 2, csv.size(), "optimizers x seeds x epochs rows");
        for (String row : csv.subList(1, csv.size())) {
            double acc = Double.parseDouble(row.split(",")[6]);
            assertTrue(acc > 0.3 && acc <= 1.0, "trained above chance: " + row);
        }
        for (String png : new String[] {"test_accuracy.png", "train_loss.png"}) {
            BufferedImage image = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(image, png);
            assertTrue(image.getWidth() >= 600, png);
        }
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("| pamadam | 0.001 |") && report.contains("| adam | 0.001 |"), report);
        assertTrue(report.contains("![test accuracy](test_accuracy.png)"));
        List<String> ratios = Files.readAllLines(out.resolve("ratios.csv"));
        assertTrue(ratios.stream().anyMatch(l -> l.startsWith("pamadam,") && l.contains("weight")), ratios.toString());
    }

    @Test
    void sameSeedGivesTheSameRun() throws IOException {
        String[] metrics = new String[2];
        for (int i = 0; i < 2; i++) {
            Path out = dir.resolve("same" + i);
            Cli.Outcome o = Cli.run("train", "--optimizer", "pamadam", "--epochs", "1", "--batch-size", "100", "--seed", "7",
                    "--data", data.toString(), "--out", out.toString());
            assertEquals(0, o.code(), o.err());
            String row = Files.readAllLines(out.resolve("metrics.csv")).get(1);
            String[] f = row.split(",");
            metrics[i] = String.join(",", f[4], f[5], f[6]); // losses and accuracy, not the timings
        }
        assertEquals(metrics[0], metrics[1]);
    }

    @Test
    void badInputExitsTwoWithAClearMessage() throws IOException {
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken);
        for (String f : new String[] {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"}) {
            Files.copy(data.resolve(f), broken.resolve(f));
        }
        Cli.Outcome o = Cli.run("train", "--data", broken.toString(), "--out", dir.resolve("x").toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("missing t10k-labels-idx1-ubyte"), o.err());

        o = Cli.run("compare", "--optimizers", "pamadam,adagrad", "--data", data.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("unknown optimizer 'adagrad'"), o.err());

        o = Cli.run("train", "--lr", "-1", "--data", data.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("lr must be"), o.err());

        o = Cli.run("train", "--engine", "tensorflow", "--data", data.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("unknown training engine 'tensorflow'"), o.err());
    }

    private static List<String> lossesAndAccuracy(Path metrics) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (String row : Files.readAllLines(metrics).subList(1, Files.readAllLines(metrics).size())) {
            String[] f = row.split(",");
            out.add(String.join(",", f[0], f[1], f[2], f[3], f[4], f[5], f[6]));
        }
        return out;
    }

    @Test
    void resumedRunEqualsUninterruptedRun() throws IOException {
        String[] common = {"--optimizer", "pamadam", "--batch-size", "100", "--seed", "3", "--data", data.toString()};
        Path straight = dir.resolve("straight");
        assertEquals(0, Cli.run(concat(new String[] {"train", "--epochs", "3", "--out", straight.toString()}, common)).code());

        Path ckpt = dir.resolve("ckpt");
        Cli.Outcome first = Cli.run(concat(new String[] {"train", "--epochs", "1", "--checkpoint", ckpt.toString(), "--out",
            dir.resolve("part1").toString()}, common));
        assertEquals(0, first.code(), first.err());
        Path resumed = dir.resolve("resumed");
        Cli.Outcome second = Cli.run(concat(new String[] {"train", "--epochs", "3", "--resume", ckpt.toString(), "--out",
            resumed.toString()}, common));
        assertEquals(0, second.code(), second.err());
        assertTrue(second.out().contains("resumed after epoch 1"), second.out());
        assertTrue(second.out().contains("resume: from " + ckpt.resolve("gen-000001.ckpt")), second.out());
        assertEquals(lossesAndAccuracy(straight.resolve("metrics.csv")), lossesAndAccuracy(resumed.resolve("metrics.csv")));
    }

    @Test
    void corruptOrMismatchedCheckpointIsRefused() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        String[] common = {"--batch-size", "100", "--data", data.toString(), "--out", dir.resolve("o").toString()};
        assertEquals(0, Cli.run(concat(new String[] {"train", "--epochs", "1", "--checkpoint", ckpt.toString()}, common)).code());

        Cli.Outcome other = Cli.run(concat(new String[] {"train", "--optimizer", "adam", "--epochs", "2", "--resume",
            ckpt.toString()}, common));
        assertEquals(2, other.code());
        assertTrue(other.err().contains("optimizer pamadam vs adam"), other.err());

        Path gen = ckpt.resolve("gen-000001.ckpt");
        byte[] state = Files.readAllBytes(gen);
        state[state.length / 2] ^= 1;
        Files.write(gen, state);
        Cli.Outcome corrupt = Cli.run(concat(new String[] {"train", "--epochs", "2", "--resume", ckpt.toString()}, common));
        assertEquals(2, corrupt.code());
        assertTrue(corrupt.err().contains("no valid generation"), corrupt.err());
        assertTrue(corrupt.err().contains("checksum mismatch"), corrupt.err());

        Cli.Outcome missing = Cli.run(concat(new String[] {"train", "--epochs", "2", "--resume", dir.resolve("none").toString()},
                common));
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("not a training checkpoint"), missing.err());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"dl4j", "dl4j-spark"})
    void deeplearning4jEnginesTrainThroughTheSameVerb(String engine) throws IOException {
        Path out = dir.resolve(engine);
        Cli.Outcome o = Cli.run("train", "--engine", engine, "--epochs", "2", "--batch-size", "50", "--lr", "3e-3",
                "--data", data.toString(), "--out", out.toString());
        assertEquals(0, o.code(), o.out() + o.err());
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(3, csv.size());
        double acc = Double.parseDouble(csv.get(2).split(",")[6]);
        assertTrue(acc > 0.5, engine + " reached " + acc);
        if (engine.equals("dl4j-spark")) {
            assertEquals(2, Cli.run("train", "--engine", engine, "--model", "cnn", "--data", data.toString()).code());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
