package org.pamadam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pamadam.cli.train.DjlTraining;

/**
 * {@code -Dpamadam.djl.builtin} (for measuring only) runs DJL's own optimizer in the djl engine's
 * loop: {@code none} updates nothing, so the model and its test loss stay as they were; {@code adam}
 * trains; anything else, or a recipe option, is refused with exit 2. {@code -Dpamadam.djl.threads}
 * sets the optimizer's threads, which change no bit of the training.
 */
class DjlBuiltinTest {
    static final Path data = Cli.smallData(300, 100);

    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        System.clearProperty(DjlTraining.BUILTIN);
        System.clearProperty(DjlTraining.THREADS);
    }

    @Test
    void theOptimizersThreadsChangeNoBitAndABadCountIsRefused() throws IOException {
        System.setProperty(DjlTraining.THREADS, "1");
        List<String> one = pamadam("one");
        System.setProperty(DjlTraining.THREADS, "3");
        List<String> three = pamadam("three");
        for (int col : new int[] {4, 5, 6}) {
            assertEquals(one.get(col), three.get(col), "metrics.csv column " + col + ", 1 and 3 threads");
        }
        System.setProperty(DjlTraining.THREADS, "0");
        Cli.Outcome zero = Cli.run("train", "--engine", "djl", "--epochs", "1", "--data", data.toString(),
                "--out", dir.resolve("zero").toString());
        assertEquals(2, zero.code(), zero.out() + zero.err());
        assertTrue(zero.err().contains("-Dpamadam.djl.threads=0: expected a whole number of threads >= 1"), zero.err());
    }

    /** The last metrics.csv row of a 2-epoch pamadam run, split on commas. */
    private List<String> pamadam(String name) throws IOException {
        Path out = dir.resolve(name);
        Cli.Outcome o = Cli.run("train", "--engine", "djl", "--optimizer", "pamadam", "--epochs", "2", "--data",
                data.toString(), "--out", out.toString());
        assertEquals(0, o.code(), o.out() + o.err());
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        return List.of(csv.get(csv.size() - 1).split(","));
    }

    @Test
    void noneLeavesTheModelAsItWasAndAdamTrains() throws IOException {
        System.setProperty(DjlTraining.BUILTIN, "none");
        List<String[]> none = epochs("none");
        assertEquals(none.get(0)[5], none.get(1)[5], "test loss after epochs 1 and 2, nothing updated");
        System.setProperty(DjlTraining.BUILTIN, "adam");
        List<String[]> adam = epochs("adam");
        assertNotEquals(adam.get(0)[5], adam.get(1)[5], "DJL's Adam moved the model");
        assertTrue(Double.parseDouble(adam.get(1)[4]) < Double.parseDouble(none.get(1)[4]),
                "train loss: adam " + adam.get(1)[4] + ", none " + none.get(1)[4]);
    }

    @Test
    void anUnknownBuiltinOrARecipeOptionIsRefused() {
        System.setProperty(DjlTraining.BUILTIN, "sgd");
        Cli.Outcome unknown = Cli.run("train", "--engine", "djl", "--epochs", "1", "--data", data.toString(),
                "--out", dir.resolve("unknown").toString());
        assertEquals(2, unknown.code(), unknown.out() + unknown.err());
        assertTrue(unknown.err().contains("pamadam.djl.builtin must be adam or none, got 'sgd'"), unknown.err());
        System.setProperty(DjlTraining.BUILTIN, "adam");
        Cli.Outcome recipe = Cli.run("train", "--engine", "djl", "--epochs", "1", "--warmup", "2", "--data",
                data.toString(), "--out", dir.resolve("recipe").toString());
        assertEquals(2, recipe.code(), recipe.out() + recipe.err());
        assertTrue(recipe.err().contains("takes no recipe option"), recipe.err());
    }

    /** The metrics.csv rows of a 2-epoch djl run (split on commas). */
    private List<String[]> epochs(String name) throws IOException {
        Path out = dir.resolve(name);
        Cli.Outcome o = Cli.run("train", "--engine", "djl", "--optimizer", "adam", "--epochs", "2", "--data",
                data.toString(), "--out", out.toString());
        assertEquals(0, o.code(), o.out() + o.err());
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(3, csv.size(), String.join("\n", csv));
        return List.of(csv.get(1).split(","), csv.get(2).split(","));
    }
}
