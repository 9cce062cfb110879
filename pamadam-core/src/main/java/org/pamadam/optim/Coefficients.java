package org.pamadam.optim;

import org.pamadam.rule.Decay;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * The float constants one tensor's step needs, derived once per tensor and step from its {@link Rule}
 * and step count so the element loops do no double maths. Mutable and reused (no allocation per step).
 *
 * <p>Hyperparameters are rounded to float the way PyTorch does when it applies a Python scalar to a
 * float32 tensor; bias corrections are computed in double ({@code 1 - beta^t}) and then rounded.
 * Unused terms are neutral values (0 for additions, 1 for factors) so one loop serves every rule.
 */
final class Coefficients {
    Moments moments = Moments.ADAM;
    TrustRatio ratio = TrustRatio.NONE;
    float beta1;
    float oneMinusBeta1;
    float beta2;
    float oneMinusBeta2;
    float biasCorrection1 = 1f;
    float biasCorrection2 = 1f;
    float eps;
    /** wd for {@link Decay#L2_GRADIENT}, else 0: added to the gradient. */
    float gradDecay;
    /** wd for {@link Decay#IN_STEP}, else 0: added to the step. */
    float stepDecay;
    /** {@code 1 - lr*wd} for {@link Decay#DECOUPLED}, else 1: multiplies p in pass two. */
    float decayFactor = 1f;
    /** {@code lr * ratio}: set after pass one, used in pass two. */
    float scale;
    /**
     * Multiplies every gradient element as the kernels read it (before weight decay enters), so global
     * norm clipping never writes g: 1 unless the optimizer clips this step ({@code g * 1f == g}, so an
     * unclipped step is unchanged bit for bit).
     */
    float gradScale = 1f;

    /** Sets everything but {@link #scale} for a step with count {@code t} (1-based) under {@code rule}. */
    Coefficients prepare(Rule rule, long t) {
        moments = rule.moments();
        ratio = rule.effectiveRatio();
        beta1 = (float) rule.beta1();
        oneMinusBeta1 = (float) (1.0 - rule.beta1());
        beta2 = (float) rule.beta2();
        oneMinusBeta2 = (float) (1.0 - rule.beta2());
        if (moments == Moments.ADAM) {
            biasCorrection1 = (float) (1.0 - Math.pow(rule.beta1(), t));
            biasCorrection2 = (float) (1.0 - Math.pow(rule.beta2(), t));
        } else {
            biasCorrection1 = 1f;
            biasCorrection2 = 1f;
        }
        eps = (float) rule.eps();
        double wd = rule.weightDecay();
        gradDecay = rule.decay() == Decay.L2_GRADIENT ? (float) wd : 0f;
        stepDecay = rule.decay() == Decay.IN_STEP ? (float) wd : 0f;
        decayFactor = rule.decay() == Decay.DECOUPLED ? (float) (1.0 - rule.lr() * wd) : 1f;
        scale = (float) rule.lr();
        gradScale = 1f;
        return this;
    }
}
