package org.pamadam.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The recipe flags of train and compare: validation, the CNN on dl4j, and resume continuing a recipe. */
class RecipeCommandTest {
    static final Path data = Cli.smallData(600, 200);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = ';', value = {
        "--schedule; warm; --schedule must be one of constant, cosine, linear, step, exp, got 'warm'",
        "--warmup; -1; --warmup must be >= 0",
        "--max-grad-norm; 0; --max-grad-norm must be a finite number > 0, got 0.0",
        "--accumulate; 0; --accumulate must be >= 1",
        "--max-ratio; -2; --max-ratio must be a finite number > 0, got -2.0",
        "--weight-decay; -1; --weight-decay must be a finite number >= 0, got -1.0",
        "--no-adapt; (bias; --no-adapt: '(bias' is not a valid regular expression",
        "--no-trust-ratio; (bias; --no-adapt: '(bias' is not a valid regular expression",
        "--gamma; 0.5; --gamma is for --schedule step or exp, not constant",
        "--step-size; 10; --step-size is for --schedule step, not constant"})
    void badRecipeValuesExitTwoNamingTheFlag(String flag, String value, String message) {
        Cli.Outcome o = Cli.run("train", "--engine", "dl4j", flag, value, "--data", data.toString(),
                "--out", dir.resolve("x").toString());
        assertEquals(Main.BAD_INPUT, o.code(), o.out() + o.err());
        assertTrue(o.err().contains(message), o.err());
        assertTrue(!Files.exists(dir.resolve("x").resolve("metrics.csv")), "nothing trained");
    }

    @Test
    void missingScheduleSettingsAndEngineGapsAreNamed() {
        Cli.Outcome exp = Cli.run("compare", "--schedule", "exp", "--data", data.toString());
        assertEquals(Main.BAD_INPUT, exp.code());
        assertTrue(exp.err().contains("--schedule exp needs --gamma"), exp.err());
        Cli.Outcome step = Cli.run("train", "--schedule", "step", "--data", data.toString());
        assertTrue(step.err().contains("--schedule step needs --step-size"), step.err());
        Cli.Outcome accumulate = Cli.run("train", "--engine", "dl4j-spark", "--accumulate", "2", "--data",
                data.toString());
        assertEquals(Main.BAD_INPUT, accumulate.code());
        assertTrue(accumulate.err().contains("--accumulate is not offered by the dl4j-spark engine: a worker's window"),
                accumulate.err());
        Cli.Outcome warmup = Cli.run("train", "--engine", "dl4j", "--schedule", "cosine", "--warmup", "100",
                "--epochs", "1", "--batch-size", "100", "--data", data.toString(), "--out", dir.resolve("w").toString());
        assertEquals(Main.BAD_INPUT, warmup.code());
        assertTrue(warmup.err().contains("--warmup 100 leaves no step of the run's 6 optimizer steps"), warmup.err());
    }

    @Test
    void theDl4jEngineTrainsTheCnnWithTheIssuesRecipe() throws IOException {
        Path out = dir.resolve("cnn");
        Cli.Outcome o = Cli.run("compare", "--model", "cnn", "--engine", "dl4j", "--optimizers", "pamadam",
                "--lr", "1e-2", "--schedule", "cosine", "--warmup", "3", "--max-grad-norm", "1", "--max-ratio", "10",
                "--epochs", "1", "--batch-size", "20", "--data", data.toString(), "--out", out.toString());
        assertEquals(0, o.code(), o.out() + o.err());
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(2, csv.size());
        double acc = Double.parseDouble(csv.get(1).split(",")[6]);
        assertTrue(acc > 0.3, "the cnn learned something: " + acc);
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("- Recipe: cosine, warmup 3, max-grad-norm 1.0, max-ratio 10.0"), report);
    }

    @Test
    void aResumedRunContinuesTheSavedRecipe() throws IOException {
        // A step schedule: cosine and linear decay span the --epochs of the run at hand, so the first
        // half of "--epochs 2" is not the run "--epochs 1" for them.
        String[] recipe = {"--engine", "dl4j", "--optimizer", "lamb", "--lr", "3e-3", "--schedule", "step",
            "--step-size", "5", "--gamma", "0.5", "--warmup", "4", "--max-grad-norm", "0.5", "--weight-decay", "0.01", "--no-trust-ratio", ".*_b",
            "--batch-size", "100", "--data", data.toString()};
        Path straight = dir.resolve("straight");
        Cli.Outcome a = Cli.run(concat(new String[] {"train", "--epochs", "2", "--out", straight.toString()}, recipe));
        assertEquals(0, a.code(), a.out() + a.err());
        Path ckpt = dir.resolve("ckpt");
        Cli.Outcome b = Cli.run(concat(new String[] {"train", "--epochs", "1", "--checkpoint", ckpt.toString(),
            "--out", dir.resolve("first").toString()}, recipe));
        assertEquals(0, b.code(), b.out() + b.err());
        // The generation file's progress section is Properties text: the recipe is in it.
        Path generation;
        try (var files = Files.list(ckpt)) {
            generation = files.filter(f -> f.getFileName().toString().endsWith(".ckpt")).sorted()
                    .reduce((x, y) -> y).orElseThrow();
        }
        String progress = new String(Files.readAllBytes(generation), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(progress.contains("recipe.schedule=step") && progress.contains("recipe.maxGradNorm=0.5"),
                progress);
        // Resumed without the recipe flags: the checkpoint's recipe carries on.
        Cli.Outcome c = Cli.run("train", "--engine", "dl4j", "--optimizer", "lamb", "--lr", "3e-3", "--batch-size",
                "100", "--data", data.toString(), "--epochs", "2", "--resume", ckpt.toString(), "--out",
                dir.resolve("resumed").toString());
        assertEquals(0, c.code(), c.out() + c.err());
        List<String> want = Files.readAllLines(straight.resolve("metrics.csv"));
        List<String> got = Files.readAllLines(dir.resolve("resumed").resolve("metrics.csv"));
        assertEquals(losses(want, 2), losses(got, 2), "epoch 2 continues the same schedule and clipping");
        // Another recipe on resume is refused, naming the difference.
        Cli.Outcome d = Cli.run("train", "--engine", "dl4j", "--optimizer", "lamb", "--lr", "3e-3", "--batch-size",
                "100", "--data", data.toString(), "--epochs", "2", "--resume", ckpt.toString(), "--max-ratio", "2");
        assertEquals(Main.BAD_INPUT, d.code());
        assertTrue(d.err().contains("recipe "), d.err());
        // The resumed run carried the clipping on (that the dl4j engine clips is shown below).
        assertTrue(Files.readString(dir.resolve("resumed").resolve("report.md")).contains("max-grad-norm 0.5"));
    }

    @Test
    void onDl4jBatchNormGammaAndBetaShareOneRule() {
        Cli.Outcome o = Cli.run("train", "--model", "cnn", "--engine", "dl4j", "--no-adapt", "beta",
                "--epochs", "1", "--batch-size", "100", "--data", data.toString());
        assertEquals(Main.BAD_INPUT, o.code());
        assertTrue(o.err().contains("--no-adapt matches beta but not gamma of batch-norm layer 1"), o.err());
    }

    @Test
    void theDl4jEngineAccumulatesMinibatches() throws IOException {
        String[] common = {"train", "--engine", "dl4j", "--optimizer", "pamadam", "--lr", "3e-3", "--epochs", "1",
            "--batch-size", "50", "--max-grad-norm", "1", "--data", data.toString()};
        Path two = dir.resolve("accumulate2");
        Cli.Outcome a = Cli.run(concat(common, new String[] {"--accumulate", "2", "--out", two.toString()}));
        assertEquals(0, a.code(), a.out() + a.err());
        assertTrue(Files.readString(two.resolve("report.md")).contains("accumulate 2"));
        Path one = dir.resolve("accumulate1");
        Cli.Outcome b = Cli.run(concat(common, new String[] {"--out", one.toString()}));
        assertEquals(0, b.code(), b.out() + b.err());
        // Half the optimizer steps on the mean of two minibatches: another training.
        assertNotEquals(losses(Files.readAllLines(one.resolve("metrics.csv")), 1),
                losses(Files.readAllLines(two.resolve("metrics.csv")), 1));
    }

    @Test
    void theDjlEngineTakesTheScheduleDecayAndPlainTensors() throws IOException {
        Path out = dir.resolve("djl");
        Cli.Outcome o = Cli.run("train", "--schedule", "step", "--step-size", "3", "--gamma", "0.5", "--warmup", "2",
                "--weight-decay", "0.05", "--no-trust-ratio", "bias|gamma|beta", "--epochs", "1", "--batch-size", "100",
                "--data", data.toString(), "--out", out.toString());
        assertEquals(0, o.code(), o.out() + o.err());
        assertTrue(Files.readString(out.resolve("report.md")).contains("step step-size 3 gamma 0.5, warmup 2"));
    }

    @Test
    void theDjlEngineClampsTheRatioAndClipsTheGlobalNorm() throws IOException {
        String[] common = {"train", "--optimizer", "pamadam", "--lr", "3e-3", "--epochs", "1", "--batch-size", "100",
            "--data", data.toString(), "--log-ratios"};
        Path clamped = dir.resolve("clamped");
        Cli.Outcome o = Cli.run(concat(common, new String[] {"--max-ratio", "0.05", "--out", clamped.toString()}));
        assertEquals(0, o.code(), o.out() + o.err());
        List<String> ratios = Files.readAllLines(clamped.resolve("ratios.csv"));
        double max = ratios.stream().skip(1).mapToDouble(l -> Double.parseDouble(l.split(",")[6])).max().orElseThrow();
        assertEquals(0.05, max, 1e-9, "every logged ratio is at most the clamp, and the clamp bites");
        Path free = dir.resolve("free");
        Cli.Outcome f = Cli.run(concat(common, new String[] {"--out", free.toString()}));
        assertEquals(0, f.code(), f.out() + f.err());
        double freeMax = Files.readAllLines(free.resolve("ratios.csv")).stream().skip(1)
                .mapToDouble(l -> Double.parseDouble(l.split(",")[6])).max().orElseThrow();
        assertTrue(freeMax > 0.05, "without the clamp the ratio goes above it: " + freeMax);
    }

    /**
     * Global-norm clipping in each engine, against expectations that do not come from the clipping code:
     * clipped, every gradient has norm at most c, so SGD's momentum buffer (0.9) stays below 10 c and a
     * step moves no parameter by more than 10 lr c. With c = 1e-9 the 6 steps of the epoch move none by
     * more than 3e-9, so the epoch's metrics (6 decimals) are those of lr 0, the untouched
     * initialisation; the same run unclipped trains (its metrics differ); and with c = 1e9 the clip never
     * bites, so the run is exactly the unclipped one.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"djl", "dl4j"})
    void clippingBoundsEveryStepByLrTimesTheNorm(String engine) throws IOException {
        String frozen = sgdEpoch(engine, "0", null);
        String unclipped = sgdEpoch(engine, "0.05", null);
        assertEquals(frozen, sgdEpoch(engine, "0.05", "1e-9"), "a clip at 1e-9 leaves the model at its initialisation");
        assertNotEquals(frozen, unclipped, "without the clip the epoch trains");
        assertEquals(unclipped, sgdEpoch(engine, "0.05", "1e9"), "a clip that never bites changes nothing");
    }

    /** Train loss, test loss and test accuracy after one SGD epoch with this lr and bound. */
    private String sgdEpoch(String engine, String lr, String maxGradNorm) throws IOException {
        Path out = dir.resolve(engine + "-" + lr + "-" + maxGradNorm);
        List<String> args = new java.util.ArrayList<>(List.of("train", "--engine", engine, "--optimizer", "sgd",
                "--lr", lr, "--epochs", "1", "--batch-size", "100", "--data", data.toString(), "--out",
                out.toString()));
        if (maxGradNorm != null) {
            args.addAll(List.of("--max-grad-norm", maxGradNorm));
        }
        Cli.Outcome o = Cli.run(args.toArray(new String[0]));
        assertEquals(0, o.code(), o.out() + o.err());
        String[] f = Files.readAllLines(out.resolve("metrics.csv")).get(1).split(",");
        return f[4] + "," + f[5] + "," + f[6];
    }

    /** Train and test loss of epoch {@code epoch} (1-based) of a metrics.csv. */
    private static String losses(List<String> csv, int epoch) {
        String[] f = csv.get(epoch).split(",");
        return f[4] + "," + f[5];
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
