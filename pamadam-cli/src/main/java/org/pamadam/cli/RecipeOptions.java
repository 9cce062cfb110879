package org.pamadam.cli;

import org.pamadam.cli.train.Recipe;
import picocli.CommandLine.Option;

/** The training-recipe flags shared by train and compare (see {@link Recipe}). */
final class RecipeOptions {
    @Option(names = "--schedule", defaultValue = "constant", paramLabel = "constant|cosine|linear|step|exp",
            description = "Learning-rate schedule over the run's optimizer steps, after --warmup: cosine or linear "
                    + "decay to 0, step (--step-size, --gamma), exp (--gamma). Default ${DEFAULT-VALUE}.")
    String schedule;

    @Option(names = "--warmup", defaultValue = "0", paramLabel = "STEPS",
            description = "Linear warmup over this many optimizer steps, from lr/(STEPS+1) to lr.")
    long warmup;

    @Option(names = "--step-size", paramLabel = "STEPS", description = "--schedule step: multiply lr by --gamma every STEPS.")
    Long stepSize;

    @Option(names = "--gamma", description = "--schedule step (default 0.1) or exp: the lr factor.")
    Double gamma;

    @Option(names = "--max-grad-norm", paramLabel = "NORM",
            description = "Clip the gradients of each step to this global L2 norm (torch clip_grad_norm_).")
    Double maxGradNorm;

    @Option(names = "--accumulate", defaultValue = "1", paramLabel = "K",
            description = "K batches per optimizer step (mean of their gradients).")
    int accumulate;

    @Option(names = "--max-ratio", description = "Upper bound on the trust ratio (pamadam, lamb).")
    Double maxRatio;

    @Option(names = "--weight-decay", description = "Weight decay, where each optimizer puts it "
            + "(decoupled: pamadam, adamw; L2 into the gradient: adam, sgd; in the step: lamb).")
    Double weightDecay;

    @Option(names = {"--no-adapt", "--no-trust-ratio"}, paramLabel = "REGEX",
            description = "Tensors whose name fully matches do not adapt: a plain step (ratio 1), e.g. "
                    + "'bias|gamma|beta' (the core's adapt(false)). --no-trust-ratio is the deprecated old name. "
                    + "Names: djl's local names (weight, bias, gamma, beta) or block paths (01Linear_weight); "
                    + "dl4j's <layer>_<W|b> or the same local names (weight, bias, and gamma and beta, which a "
                    + "dl4j batch-norm layer steps under one rule).")
    String noTrustRatio;

    /** The validated recipe. */
    Recipe recipe() {
        return new Recipe(schedule, warmup, stepSize, gamma, maxGradNorm, accumulate, maxRatio, weightDecay,
                noTrustRatio);
    }
}
