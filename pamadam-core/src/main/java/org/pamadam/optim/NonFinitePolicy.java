package org.pamadam.optim;

/** What {@link Optimizer#step()} does when a gradient holds NaN or an infinity. */
public enum NonFinitePolicy {
    /**
     * Default: throw {@link NonFiniteGradientException} naming the first offending tensor, with no
     * change to any parameter, moment or step count.
     */
    REFUSE,
    /**
     * Skip the whole step (no state changes), count it in {@link Optimizer#skippedSteps()} and return
     * false: what dynamic loss scaling in mixed precision expects after an overflow.
     */
    SKIP_STEP
}
