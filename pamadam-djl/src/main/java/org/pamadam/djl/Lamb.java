package org.pamadam.djl;

import org.pamadam.rule.Rule;

/**
 * LAMB: Adam with weight decay inside the step and the trust ratio ||p|| / ||step||. Defaults: lr
 * 1e-3, betas (0.9, 0.999), eps 1e-6, no weight decay.
 *
 * <p>Usage: {@code new DefaultTrainingConfig(loss).optOptimizer(Lamb.builder().build())}. See
 * {@link RuleOptimizer} for the behaviour shared by all rule optimizers; close it when training ends.
 */
public final class Lamb extends RuleOptimizer {

    private Lamb(Builder builder) {
        super(builder);
    }

    /** A builder with this optimizer's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link Lamb}; hyperparameters are validated by the core rule at {@link #build()}. */
    public static final class Builder extends BaseBuilder<Builder> {
        Builder() {
            super(Rule.lamb());
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
        public Lamb build() {
            return new Lamb(this);
        }
    }
}
