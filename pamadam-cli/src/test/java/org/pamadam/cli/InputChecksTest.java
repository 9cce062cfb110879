package org.pamadam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Options and data that used to be silently ignored or to fail deep inside an engine: an OPT=LR entry
 * for an optimizer not compared (a typo) is refused, optimizer names are case-insensitive (SGD gets
 * SGD's default lr), images other than 28x28 are refused before any training.
 */
class InputChecksTest {
    static final Path data = Cli.smallData(100, 50);

    @TempDir
    Path dir;

    @Test
    void lrForAnOptimizerNotComparedIsRefused() {
        Cli.Outcome o = Cli.run("compare", "--optimizers", "sgd", "--lr", "sdg=0.05", "--epochs", "1",
                "--data", data.toString(), "--out", dir.resolve("o").toString());
        assertEquals(Main.BAD_INPUT, o.code(), o.out() + o.err());
        assertTrue(o.err().contains("--lr: 'sdg=0.05' is for optimizer 'sdg', which is not compared; --optimizers is sgd"),
                o.err());
        assertFalse(o.out().contains("epoch"), "nothing trained: " + o.out());
    }

    @Test
    void optimizerNamesAreCaseInsensitive() {
        Cli.Outcome t = Cli.run("train", "--optimizer", "SGD", "--epochs", "1", "--batch-size", "50",
                "--data", data.toString(), "--out", dir.resolve("t").toString());
        assertEquals(Main.OK, t.code(), t.out() + t.err());
        assertTrue(t.out().contains("sgd lr=0.05 seed 1 epoch 1"), "SGD takes sgd's default lr: " + t.out());

        Cli.Outcome c = Cli.run("compare", "--optimizers", "SGD,Adam", "--lr", "Sgd=0.02", "--epochs", "1",
                "--batch-size", "50", "--data", data.toString(), "--out", dir.resolve("c").toString());
        assertEquals(Main.OK, c.code(), c.out() + c.err());
        assertTrue(c.out().contains("sgd lr=0.02 seed 1 epoch 1"), c.out());
        assertTrue(c.out().contains("adam lr=0.001 seed 1 epoch 1"), c.out());
    }

    @Test
    void imagesThatAreNot28x28AreRefusedBeforeTraining() throws IOException {
        Path d = dir.resolve("small-images");
        Files.createDirectories(d);
        for (String prefix : new String[] {"train", "t10k"}) {
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(d.resolve(prefix + "-images-idx3-ubyte")))) {
                out.writeInt(0x803);
                out.writeInt(3);
                out.writeInt(27);
                out.writeInt(27);
                out.write(new byte[3 * 27 * 27]);
            }
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(d.resolve(prefix + "-labels-idx1-ubyte")))) {
                out.writeInt(0x801);
                out.writeInt(3);
                out.write(new byte[3]);
            }
        }
        for (String engine : new String[] {"djl", "dl4j"}) {
            Cli.Outcome o = Cli.run("train", "--engine", engine, "--epochs", "1", "--data", d.toString(),
                    "--out", dir.resolve("o-" + engine).toString());
            assertEquals(Main.BAD_INPUT, o.code(), o.out() + o.err());
            assertTrue(o.err().contains("the training images are 27x27; the models take 28x28 images"), o.err());
            assertFalse(o.err().contains("\tat "), "one line, no stack trace: " + o.err());
        }
    }
}
