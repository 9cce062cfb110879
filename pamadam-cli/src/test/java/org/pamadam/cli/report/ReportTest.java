package org.pamadam.cli.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pamadam.cli.train.EpochMetrics;
import org.pamadam.cli.train.RunSpec;

/**
 * metrics.csv, the plots and report.md from hand-made metrics (no training): the numbers in the
 * table and the series are checked against values worked out by hand.
 */
class ReportTest {
    @TempDir
    Path dir;

    /** pamadam and adam at lr 1e-3 with seeds 1 and 2, sgd at 0.05 with one seed; 2 epochs each. */
    private static List<EpochMetrics> rows() {
        List<EpochMetrics> rows = new ArrayList<>();
        add(rows, "pamadam", 1e-3, 1, new double[] {0.70, 0.80}, new double[] {0.9, 0.6}, 10.0);
        add(rows, "pamadam", 1e-3, 2, new double[] {0.72, 0.90}, new double[] {0.8, 0.4}, 12.0);
        add(rows, "adam", 1e-3, 1, new double[] {0.75, 0.85}, new double[] {0.7, 0.5}, 11.0);
        add(rows, "adam", 1e-3, 2, new double[] {0.77, 0.87}, new double[] {0.7, 0.5}, 11.0);
        add(rows, "sgd", 0.05, 1, new double[] {0.60, 0.65}, new double[] {1.2, 1.0}, 9.0);
        return rows;
    }

    private static void add(List<EpochMetrics> rows, String optimizer, double lr, long seed, double[] acc,
                            double[] trainLoss, double seconds) {
        RunSpec spec = new RunSpec(optimizer, lr, seed, "mlp", acc.length, 64);
        for (int e = 0; e < acc.length; e++) {
            rows.add(new EpochMetrics(spec, e + 1, trainLoss[e], trainLoss[e] + 0.1, acc[e], seconds, 0.5, 0.1));
        }
    }

    private Report.Setup setup() {
        return new Report.Setup("compare", "synthetic test data: 100 train / 10 test images", "mlp", "djl", 2, 64, 2,
                "test-kernel");
    }

    @Test
    void metricsCsvHasOneRowPerOptimizerLrSeedAndEpoch() throws IOException {
        Report.write(dir, setup(), rows());
        List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
        assertTrue(csv.get(0).startsWith("optimizer,lr,seed,epoch,train_loss,test_loss,test_acc,seconds,opt_step_ms"),
                csv.get(0));
        assertEquals(1 + 10, csv.size(), "header + 5 runs x 2 epochs");
        String[] f = csv.get(4).split(",");
        assertEquals("pamadam", f[0]);
        assertEquals(1e-3, Double.parseDouble(f[1]));
        assertEquals(2, Integer.parseInt(f[2]));
        assertEquals(2, Integer.parseInt(f[3]));
        assertEquals(0.4, Double.parseDouble(f[4]), 1e-9);
        assertEquals(0.5, Double.parseDouble(f[5]), 1e-9);
        assertEquals(0.90, Double.parseDouble(f[6]), 1e-9);
        assertEquals(12.0, Double.parseDouble(f[7]), 1e-9);
        assertEquals(0.5, Double.parseDouble(f[8]), 1e-9);
        int columns = csv.get(0).split(",").length;
        for (String row : csv) {
            assertEquals(columns, row.split(",").length, row);
        }
    }

    @Test
    void tableGivesFinalAccuracyMeanAndSampleStdPerOptimizerAndLr() throws IOException {
        String table = Report.write(dir, setup(), rows());
        // pamadam: final 0.80 and 0.90 -> mean 0.85, sample std sqrt(0.005) = 0.0707; s/epoch (10+10+12+12)/4 = 11.
        assertTrue(table.contains("| pamadam | 0.001 | 0.8500 ± 0.0707 |"), table);
        assertTrue(table.contains("| 11.0 |"), table);
        // adam: 0.85 and 0.87 -> 0.86 ± 0.0141; sgd, one seed: no spread.
        assertTrue(table.contains("| adam | 0.001 | 0.8600 ± 0.0141 |"), table);
        assertTrue(table.contains("| sgd | 0.05 | 0.6500 ± 0.0000 |"), table);
        assertEquals(2 + 3, table.strip().split("\n").length, "header, rule, one row per optimizer and lr:\n" + table);
    }

    @Test
    void seriesAreMeanMinAndMaxOverSeedsPerEpoch() {
        List<Series> acc = Series.of(rows(), EpochMetrics::testAccuracy);
        assertEquals(3, acc.size());
        Series pam = acc.get(0);
        assertTrue(pam.label().startsWith("pamadam"), pam.label());
        assertArrayEquals(new double[] {1, 2}, pam.epochs());
        assertArrayEquals(new double[] {0.71, 0.85}, pam.mean(), 1e-12);
        assertArrayEquals(new double[] {0.70, 0.80}, pam.min(), 1e-12);
        assertArrayEquals(new double[] {0.72, 0.90}, pam.max(), 1e-12);
        assertArrayEquals(new double[] {0, 0}, acc.get(2).std(), 0, "one seed: no spread");
    }

    @Test
    void plotsAreDecodablePngsWithSomethingDrawn() throws IOException {
        Report.write(dir, setup(), rows());
        for (String name : new String[] {"test_accuracy.png", "train_loss.png"}) {
            byte[] bytes = Files.readAllBytes(dir.resolve(name));
            assertEquals((byte) 0x89, bytes[0], name + " starts with the PNG signature");
            assertEquals('P', bytes[1]);
            BufferedImage image = ImageIO.read(dir.resolve(name).toFile());
            assertNotNull(image, name + " decodes");
            assertTrue(image.getWidth() >= 400 && image.getHeight() >= 300, name);
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < image.getHeight(); y += 4) {
                for (int x = 0; x < image.getWidth(); x += 4) {
                    colours.add(image.getRGB(x, y));
                }
            }
            assertTrue(colours.size() > 5, name + ": lines and text, not a blank canvas (" + colours.size() + " colours)");
        }
    }

    @Test
    void reportStatesTheSetupAndEmbedsThePlots() throws IOException {
        Report.write(dir, setup(), rows());
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("synthetic test data: 100 train / 10 test images"), md);
        assertTrue(md.contains("mlp") && md.contains("djl"), md);
        assertTrue(md.contains("batch size 64"), md);
        assertTrue(md.contains("2 seed(s)"), md);
        assertTrue(md.contains("| pamadam | 0.001 | 0.8500 ± 0.0707 |"), md);
        assertTrue(md.contains("![test accuracy](test_accuracy.png)"), md);
        assertTrue(md.contains("![train loss](train_loss.png)"), md);
    }
}
