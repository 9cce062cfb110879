package org.pamadam.djl;

import org.pamadam.rule.Rule;

/**
 * AdamW as torch.optim.AdamW computes it (decoupled weight decay, default 0.01), with per-parameter
 * step counts. Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.01.
 *
 * <p>Usage: {@code new DefaultTrainingConfig(loss).optOptimizer(AdamW.builder().build())}. See
 * {@link RuleOptimizer} for the behaviour shared by all rule optimizers; close it when training ends.
 */
public final class AdamW extends RuleOptimizer {

    private AdamW(Builder builder) {
        super(builder);
    }

    /** A builder with this optimizer's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link AdamW}; hyperparameters are validated by the core rule at {@link #build()}. */
    public static final class Builder extends BaseBuilder<Builder> {
        Builder() {
            super(Rule.adamW());
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
        public AdamW build() {
            return new AdamW(this);
        }
    }
}
