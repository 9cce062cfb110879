package org.pamadam.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.pamadam.cli.train.RunSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code pamadam compare}: every optimizer x lr x seed, one run at a time. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Train with several optimizers (every optimizer x lr x seed) and compare them:",
            "metrics.csv, test_accuracy.png, train_loss.png and report.md in --out."})
final class CompareCommand implements Callable<Integer> {
    @Mixin
    TrainingOptions options;

    @Option(names = "--optimizers", split = ",", defaultValue = "pamadam,adam,adamw,lamb,sgd",
            description = "Comma-separated (default ${DEFAULT-VALUE}).")
    List<String> optimizers;

    @Option(names = "--lr", split = ",", paramLabel = "LR|OPT=LR",
            description = {"Learning rates: a plain value applies to every optimizer without its own entry;",
                "OPT=LR applies to that optimizer only, e.g. 1e-3,3e-3,sgd=0.02,sgd=0.05",
                "(default: 1e-3; 0.05 for sgd)."})
    List<String> lrs;

    @Option(names = "--seeds", defaultValue = "1", description = "Seeds per combination (default ${DEFAULT-VALUE}).")
    int seeds;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be >= 1, got " + seeds);
        }
        // Names are case-insensitive: SGD is sgd (and gets sgd's default lr and its own --lr entries).
        List<String> names = optimizers.stream().map(o -> o.trim().toLowerCase(Locale.ROOT)).toList();
        for (String opt : names) {
            org.pamadam.rule.Rule.named(opt); // an unknown name is refused here, naming the known ones
        }
        checkLrEntries(names);
        List<RunSpec> runs = new ArrayList<>();
        org.pamadam.cli.train.Recipe recipe = options.recipe();
        for (String opt : names) {
            List<Double> rates = ratesFor(opt);
            for (double lr : rates) {
                for (int s = 1; s <= seeds; s++) {
                    runs.add(new RunSpec(opt, lr, s, options.model, options.epochs, options.batchSize, recipe));
                }
            }
        }
        return options.run("compare", runs, seeds, spec.commandLine().getOut());
    }

    /** Refuses an OPT=LR entry whose OPT is not one of the optimizers compared (a typo would be ignored). */
    private void checkLrEntries(List<String> names) {
        for (String entry : lrs == null ? List.<String>of() : lrs) {
            int eq = entry.indexOf('=');
            if (eq >= 0) {
                String opt = entry.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                if (!names.contains(opt)) {
                    throw new IllegalArgumentException("--lr: '" + entry.trim() + "' is for optimizer '" + opt
                            + "', which is not compared; --optimizers is " + String.join(",", names));
                }
            }
        }
    }

    /** The learning rates for one optimizer: its own OPT=LR entries, else the plain ones, else the default. */
    private List<Double> ratesFor(String optimizer) {
        List<Double> own = new ArrayList<>();
        List<Double> plain = new ArrayList<>();
        for (String entry : lrs == null ? List.<String>of() : lrs) {
            int eq = entry.indexOf('=');
            try {
                if (eq < 0) {
                    plain.add(Double.parseDouble(entry.trim()));
                } else if (entry.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals(optimizer)) {
                    own.add(Double.parseDouble(entry.substring(eq + 1).trim()));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--lr: '" + entry + "' is not a number or OPT=number");
            }
        }
        return !own.isEmpty() ? own : !plain.isEmpty() ? plain : List.of(RunSpec.defaultLr(optimizer));
    }
}
