package org.pamadam.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.pamadam.cli.train.RunSpec;
import org.pamadam.cli.train.TrainingCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code pamadam train}: one optimizer, one seed. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model on Fashion-MNIST with one optimizer; write metrics.csv, plots and report.md.")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    TrainingOptions options;

    @Option(names = "--optimizer", defaultValue = "pamadam", description = "pamadam, adam, adamw, lamb or sgd.")
    String optimizer;

    @Option(names = "--lr", description = "Learning rate (default 1e-3; 0.05 for sgd).")
    Double lr;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for initialisation and data order.")
    long seed;

    @Option(names = "--checkpoint", paramLabel = "DIR",
            description = "Save a checkpoint generation here after every epoch (one file, written atomically; "
                    + "the previous generation is kept until the new one is complete). A folder that holds "
                    + "another run's generations is refused, unless --resume continues that run.")
    Path checkpoint;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue from the newest valid generation in a checkpoint folder (same settings and "
                    + "data; --epochs is the total).")
    Path resume;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String name = optimizer.trim().toLowerCase(java.util.Locale.ROOT); // SGD is sgd, with sgd's default lr
        double rate = lr != null ? lr : RunSpec.defaultLr(name);
        RunSpec run = new RunSpec(name, rate, seed, options.model, options.epochs, options.batchSize,
                options.recipe());
        TrainingCheckpoint.Saved saved = null;
        if (resume != null) {
            saved = TrainingCheckpoint.load(resume);
            if (run.recipe().equals(org.pamadam.cli.train.Recipe.NONE)) {
                // No recipe flags on resume: continue with the recipe the run was saved with.
                run = new RunSpec(run.optimizer(), run.lr(), run.seed(), run.model(), run.epochs(), run.batchSize(),
                        saved.spec().recipe());
            }
            TrainingCheckpoint.checkMatches(saved, options.engine, run);
            for (String why : saved.skipped()) {
                spec.commandLine().getOut().println("resume: skipped " + why);
            }
            spec.commandLine().getOut().println("resume: from " + saved.file() + " (after epoch " + saved.epochsDone()
                    + ")");
        }
        Path saveTo = checkpoint != null ? checkpoint : resume;
        if (saveTo != null) {
            TrainingCheckpoint.claim(saveTo, resume); // before any work: a run owns its checkpoint folder
        }
        return options.run("train", List.of(run), 1, spec.commandLine().getOut(), saveTo, saved);
    }
}
