package org.pamadam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --engine djl --accumulate K}: K batches of size b make one optimizer step on their
 * mean gradient, which is the gradient of one batch of size K*b. The images come in the same order
 * whatever the batch size, so the run must follow the run with batches of K*b up to float rounding
 * (the sums are cut differently): the same training and test losses within 1e-3, while a run
 * without accumulation on batches of b does not.
 */
class DjlAccumulateTest {
    static final Path data = Cli.smallData(600, 200);

    @TempDir
    Path dir;

    @Test
    void accumulatingFourBatchesOfFiveFollowsBatchesOfTwenty() throws IOException {
        double[] accumulated = run("acc", "--batch-size", "5", "--accumulate", "4");
        double[] whole = run("whole", "--batch-size", "20");
        double[] small = run("small", "--batch-size", "5");
        for (int i = 0; i < 2; i++) {
            double err = Math.abs(accumulated[i] / whole[i] - 1);
            assertTrue(err < 1e-3, "loss " + i + ": accumulated " + accumulated[i] + ", batch 20 " + whole[i]);
        }
        assertTrue(Math.abs(small[1] / whole[1] - 1) > 1e-2,
                "without accumulation batches of 5 train differently: " + small[1] + " vs " + whole[1]);
    }

    /** Train loss and test loss of a 2-epoch djl run with these options. */
    private double[] run(String name, String... options) throws IOException {
        Path out = dir.resolve(name);
        String[] base = {"train", "--engine", "djl", "--optimizer", "pamadam", "--lr", "1e-2", "--epochs", "2",
                "--data", data.toString(), "--out", out.toString()};
        String[] args = new String[base.length + options.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(options, 0, args, base.length, options.length);
        Cli.Outcome o = Cli.run(args);
        assertEquals(0, o.code(), o.out() + o.err());
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(3, csv.size(), String.join("\n", csv));
        String[] f = csv.get(2).split(",");
        return new double[] {Double.parseDouble(f[4]), Double.parseDouble(f[5])};
    }
}
