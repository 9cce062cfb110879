package org.pamadam.optim;

import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * The float constants of one tensor's step under a rule at step count {@code t}, rounded exactly as
 * the core's kernels round them: for a framework that must run the step as its own tensor operations
 * (a GPU, another dtype) and wants the core's rounding of every constant. Unused terms are neutral
 * (0 for additions, 1 for factors).
 *
 * @param moments        the rule's moments
 * @param ratio          the trust ratio in effect ({@link TrustRatio#NONE} when the rule does not adapt)
 * @param beta1          b1 (SGD's momentum)
 * @param oneMinusBeta1  1 - b1, rounded from double
 * @param beta2          b2
 * @param oneMinusBeta2  1 - b2, rounded from double
 * @param biasCorrection1 1 - b1^t in double, then rounded (1 for momentum)
 * @param biasCorrection2 1 - b2^t in double, then rounded (1 for momentum)
 * @param eps            eps
 * @param gradDecay      wd for L2 decay added to the gradient, else 0
 * @param stepDecay      wd for decay inside the step (LAMB), else 0
 * @param decayFactor    1 - lr*wd for decoupled decay, else 1
 * @param lr             the learning rate
 */
public record StepConstants(Moments moments, TrustRatio ratio, float beta1, float oneMinusBeta1, float beta2,
                            float oneMinusBeta2, float biasCorrection1, float biasCorrection2, float eps,
                            float gradDecay, float stepDecay, float decayFactor, float lr) {

    /** The constants of {@code rule}'s step number {@code t} (1-based). */
    public static StepConstants of(Rule rule, long t) {
        Coefficients c = new Coefficients().prepare(rule, t);
        return new StepConstants(c.moments, c.ratio, c.beta1, c.oneMinusBeta1, c.beta2, c.oneMinusBeta2,
                c.biasCorrection1, c.biasCorrection2, c.eps, c.gradDecay, c.stepDecay, c.decayFactor, c.scale);
    }
}
