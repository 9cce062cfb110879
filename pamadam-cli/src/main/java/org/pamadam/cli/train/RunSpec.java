package org.pamadam.cli.train;

import java.util.Locale;

/** One training run: which optimizer at which learning rate, seed, model, and the training recipe. */
public record RunSpec(String optimizer, double lr, long seed, String model, int epochs, int batchSize,
                      Recipe recipe) {

    public RunSpec {
        if (recipe == null) {
            recipe = Recipe.NONE;
        }
    }

    /** A run with the optimizer's defaults and a constant lr. */
    public RunSpec(String optimizer, double lr, long seed, String model, int epochs, int batchSize) {
        this(optimizer, lr, seed, model, epochs, batchSize, Recipe.NONE);
    }

    /** The learning rate used when none is given: the usual Adam-family 1e-3, 0.05 for SGD. */
    public static double defaultLr(String optimizer) {
        return optimizer.equals("sgd") ? 0.05 : 1e-3;
    }

    public String label() {
        return String.format(Locale.ROOT, "%s lr=%s", optimizer, lr);
    }
}
