package org.pamadam.djl;

import org.pamadam.rule.Rule;

/**
 * PAMAdam: Adam whose per-tensor step is rescaled so that mean|update| = lr * mean|p| (trust ratio
 * mean|p| / mean|step|), with optional decoupled weight decay. Defaults: lr 1e-3, betas (0.9,
 * 0.999), eps 1e-8, no weight decay.
 *
 * <p>Usage: {@code new DefaultTrainingConfig(loss).optOptimizer(PamAdam.builder().build())}. See
 * {@link RuleOptimizer} for the behaviour shared by all rule optimizers; close it when training ends.
 */
public final class PamAdam extends RuleOptimizer {

    private PamAdam(Builder builder) {
        super(builder);
    }

    /** A builder with this optimizer's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link PamAdam}; hyperparameters are validated by the core rule at {@link #build()}. */
    public static final class Builder extends BaseBuilder<Builder> {
        Builder() {
            super(Rule.pamAdam());
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
        public PamAdam build() {
            return new PamAdam(this);
        }
    }
}
