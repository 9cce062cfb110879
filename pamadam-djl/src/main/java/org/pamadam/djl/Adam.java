package org.pamadam.djl;

import org.pamadam.rule.Rule;

/**
 * Adam as torch.optim.Adam computes it (epsilon added after the bias-corrected square root; weight
 * decay added to the gradient), with per-parameter step counts. Not DJL's built-in {@link
 * ai.djl.training.optimizer.Adam}, which adds epsilon before the bias correction and counts steps
 * globally. Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8.
 *
 * <p>Usage: {@code new DefaultTrainingConfig(loss).optOptimizer(Adam.builder().build())}. See
 * {@link RuleOptimizer} for the behaviour shared by all rule optimizers; close it when training ends.
 */
public final class Adam extends RuleOptimizer {

    private Adam(Builder builder) {
        super(builder);
    }

    /** A builder with this optimizer's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link Adam}; hyperparameters are validated by the core rule at {@link #build()}. */
    public static final class Builder extends BaseBuilder<Builder> {
        Builder() {
            super(Rule.adam());
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Builds the optimizer.
         *
         * @throws IllegalArgumentException for an invalid hyperparameter, naming it and its value
         */
        public Adam build() {
            return new Adam(this);
        }
    }
}
