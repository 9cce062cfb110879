package org.pamadam.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.pamadam.cli.report.Report;
import org.pamadam.cli.train.EpochMetrics;
import org.pamadam.cli.train.Engines;
import org.pamadam.cli.train.RunSpec;
import org.pamadam.cli.train.Study;
import org.pamadam.cli.train.TrainingEngine;
import org.pamadam.data.FashionMnist;
import org.pamadam.optim.Optimizer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by train and compare, and the run-report-print sequence they share. */
final class TrainingOptions {
    @Option(names = "--engine", defaultValue = "djl",
            description = "djl (default), dl4j, or dl4j-spark (dl4j-spark: mlp only).")
    String engine;

    @Mixin
    RecipeOptions recipeOptions;

    @Option(names = "--spark-master", defaultValue = "local[2]",
            description = "dl4j-spark: Spark master URL (default ${DEFAULT-VALUE}).")
    String sparkMaster;

    @Option(names = "--workers", defaultValue = "2", description = "dl4j-spark: data partitions / workers.")
    int workers;

    @Option(names = "--averaging-frequency", defaultValue = "5",
            description = "dl4j-spark: minibatches per worker between parameter averagings. Each worker fits at "
                    + "most this many per round; the rest of its share in a round is skipped (DL4J).")
    int averagingFrequency;

    @Option(names = "--model", defaultValue = "mlp", description = "mlp (784-256-128-10 ReLU) or cnn (conv+BatchNorm).")
    String model;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs per run (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Minibatch size (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Fashion-MNIST IDX files; else $PAMADAM_DATA, /usr/share/datasets/fashion-mnist, the bundled subset.")
    Path data;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/<date>-<verb>).")
    Path out;

    @Option(names = "--log-ratios", description = "Write every tensor's trust ratio after every step to ratios.csv.")
    boolean logRatios;

    @Option(names = "--log-tensors", description = {"Write, after every step, every tensor's trust ratio, its mean "
            + "absolute value (mean|p|, after the step) and the batch loss to tensors.csv (djl engine; other "
            + "engines write NaN for mean|p|)."})
    boolean logTensors;

    @Option(names = "--init", defaultValue = "djl", paramLabel = "djl|torch",
            description = "djl: DJL's default initialisation (default); torch: torch.nn's (kaiming_uniform_ "
                    + "a=sqrt(5), biases +-1/sqrt(fan_in)); djl engine only.")
    String init;

    void validate() {
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        if (!model.equals("mlp") && !model.equals("cnn")) {
            throw new IllegalArgumentException("--model must be mlp or cnn, got '" + model + "'");
        }
        recipe();
    }

    /** The validated recipe of the recipe flags. */
    org.pamadam.cli.train.Recipe recipe() {
        return recipeOptions.recipe();
    }

    /** Loads data, runs the specs, writes CSV, plots and report, prints the summary. */
    int run(String verb, List<RunSpec> specs, int seeds, PrintWriter out) throws IOException {
        return run(verb, specs, seeds, out, null, null);
    }

    int run(String verb, List<RunSpec> specs, int seeds, PrintWriter out, Path checkpoint,
            org.pamadam.cli.train.TrainingCheckpoint.Saved resume) throws IOException {
        validate();
        TrainingEngine eng = Engines.get(engine, sparkMaster, workers, averagingFrequency,
                org.pamadam.cli.train.Models.Init.named(init));
        for (RunSpec s : specs) {
            s.recipe().rule(s.optimizer(), s.lr()); // refuse bad values before any work
            eng.check(s);
        }
        FashionMnist.Data d = FashionMnist.load(data);
        checkImageSize(d);
        out.println("data: " + d.source());
        Path dir = this.out != null ? this.out : Study.defaultOut(verb);
        Files.createDirectories(dir);
        List<EpochMetrics> rows;
        try {
            rows = train(eng, d, specs, out, dir, checkpoint, resume);
        } catch (IOException | RuntimeException e) {
            if (this.out == null) {
                deleteIfEmpty(dir); // a run refused at the start (e.g. a model the engine lacks) leaves no folder
            }
            throw e;
        }
        String table = Report.write(dir, new Report.Setup(verb, d.source(), model, engine, epochs, batchSize, seeds,
                Optimizer.defaultKernel(), specs.get(0).recipe().describe()), rows);
        out.println();
        out.print(table);
        out.println();
        out.println("wrote " + dir.resolve("metrics.csv") + ", test_accuracy.png, train_loss.png, report.md");
        long diverged = rows.stream().filter(r -> Double.isNaN(r.testAccuracy())).count();
        if (diverged > 0) {
            out.println(diverged + " epoch(s) not trained: a run diverged (non-finite gradient); NaN in metrics.csv");
        }
        // A diverged train run did not do its job (exit 1); in compare, divergence is one of the results.
        return diverged > 0 && verb.equals("train") ? Main.CHECK_FAILED : Main.OK;
    }

    private List<EpochMetrics> train(TrainingEngine eng, FashionMnist.Data d, List<RunSpec> specs, PrintWriter out,
                                     Path dir, Path checkpoint, org.pamadam.cli.train.TrainingCheckpoint.Saved resume)
            throws IOException {
        try (PrintWriter ratios = logRatios ? new PrintWriter(Files.newBufferedWriter(dir.resolve("ratios.csv"))) : null;
             PrintWriter tensors = logTensors
                     ? new PrintWriter(Files.newBufferedWriter(dir.resolve("tensors.csv"))) : null) {
            if (ratios != null) {
                ratios.println("optimizer,lr,seed,epoch,step,tensor,ratio");
            }
            if (tensors != null) {
                tensors.println(Study.TENSORS_HEADER);
            }
            return Study.run(eng, d, specs, out, ratios, tensors, checkpoint, resume);
        }
    }

    /** The models take 28x28 images: refuse others here, with the sizes, not deep inside an engine. */
    private static void checkImageSize(FashionMnist.Data d) {
        String[] names = {"training", "test"};
        org.pamadam.data.ImageSet[] sets = {d.train(), d.test()};
        for (int i = 0; i < 2; i++) {
            if (sets[i].rows() != 28 || sets[i].cols() != 28) {
                throw new IllegalArgumentException(d.source() + ": the " + names[i] + " images are " + sets[i].rows()
                        + "x" + sets[i].cols() + "; the models take 28x28 images (Fashion-MNIST or MNIST)");
            }
        }
    }

    /** Removes the fresh dated folder, and runs/ when that leaves it empty. */
    private static void deleteIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
            Files.deleteIfExists(dir.toAbsolutePath().getParent());
        } catch (IOException e) {
            // not empty (or not ours to delete): keep it
        }
    }
}
