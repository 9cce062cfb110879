package org.pamadam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose gradients become NaN (SGD at lr 1000) stops with a message instead of killing the
 * whole comparison: its unfinished epochs are NaN rows, the table says "diverged", the other runs
 * and the plots are still written. A diverged {@code train} exits 1.
 */
class DivergenceTest {
    static final Path data = Cli.smallData(300, 100);

    @TempDir
    Path dir;

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"djl", "dl4j"})
    void compareKeepsGoingWhenOneRunDiverges(String engine) throws IOException {
        Path out = dir.resolve("cmp");
        Cli.Outcome o = Cli.run("compare", "--engine", engine, "--optimizers", "adam,sgd", "--lr", "adam=1e-3,sgd=1000",
                "--epochs", "2", "--batch-size", "50", "--data", data.toString(), "--out", out.toString());
        assertEquals(Main.OK, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("sgd lr=1000.0 seed 1 diverged in epoch 1"), o.out());
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(1 + 2 * 2, csv.size(), "the grid stays complete: " + csv);
        for (String row : csv.subList(1, csv.size())) {
            boolean sgd = row.startsWith("sgd,");
            assertEquals(sgd, row.split(",")[6].equals("NaN"), row); // test accuracy (DL4J has no optimizer time)
        }
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("| sgd | 1000.0 | diverged |"), report);
        assertTrue(report.matches("(?s).*\\| adam \\| 0\\.001 \\| 0\\.\\d{4} ± 0\\.0000 \\|.*"), report);
        assertNotNull(ImageIO.read(out.resolve("test_accuracy.png").toFile()));
    }

    /** Every engine: the DL4J updater refuses the NaN gradient as the core does (before: 0.10 accuracy, exit 0). */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"djl", "dl4j", "dl4j-spark"})
    void divergedTrainExitsOneAndStillWritesItsReport(String engine) throws IOException {
        Path out = dir.resolve("train");
        Cli.Outcome o = Cli.run("train", "--engine", engine, "--optimizer", "sgd", "--lr", "1e4", "--epochs", "2",
                "--batch-size", "50", "--workers", "1", "--data", data.toString(), "--out", out.toString());
        assertEquals(Main.CHECK_FAILED, o.code(), o.out() + o.err());
        assertTrue(o.out().contains("diverged in epoch 1"), o.out());
        assertTrue(o.out().contains("non-finite gradient"), o.out());
        assertTrue(o.err().isEmpty(), "no internal error: " + o.err());
        assertEquals(3, Files.readAllLines(out.resolve("metrics.csv")).size());
        for (String png : new String[] {"test_accuracy.png", "train_loss.png"}) {
            assertNotNull(ImageIO.read(out.resolve(png).toFile()), png + " (no finite point to draw)");
        }
    }
}
