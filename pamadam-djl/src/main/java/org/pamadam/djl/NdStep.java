package org.pamadam.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import org.pamadam.optim.StepConstants;
import org.pamadam.rule.Moments;
import org.pamadam.rule.TrustRatio;

/**
 * The one NDArray expression of a {@link org.pamadam.rule.Rule}'s per-tensor step, shared by every
 * optimizer in this module. All maths runs as engine ops on the tensors' device; nothing is read back
 * to the host, so a step never forces a device synchronisation. The constants come from the core's
 * {@link StepConstants} and the operations are ordered as in the core kernels, so float rounding
 * matches them operation for operation.
 *
 * <p>Temporaries are created with the operands' manager; callers run this inside an
 * {@link ai.djl.ndarray.NDScope} that closes them (see {@link RuleOptimizer#update}).
 */
final class NdStep {
    private NdStep() {
    }

    /**
     * One step on one tensor, in place on {@code p}, {@code m} and {@code v} (v is null for momentum
     * rules). {@code c} holds the constants of this tensor's own step count and its learning rate.
     *
     * @return the trust ratio used as a 0-d array on the tensor's device, or null when the rule has no
     *     ratio (ratio 1)
     */
    static NDArray apply(StepConstants c, NDArray p, NDArray g, NDArray m, NDArray v, double maxRatio) {
        NDArray grad = c.gradDecay() != 0f ? g.add(p.mul(c.gradDecay())) : g;
        NDArray step;
        if (c.moments() == Moments.MOMENTUM) {
            // buf = momentum*buf + g; the step is the buffer itself (copied below before scaling).
            m.muli(c.beta1()).addi(grad);
            step = m;
        } else {
            m.muli(c.beta1()).addi(grad.mul(c.oneMinusBeta1()));
            // (1-b2)*g*g evaluated left to right, as the core does.
            v.muli(c.beta2()).addi(grad.mul(c.oneMinusBeta2()).muli(grad));
            NDArray denominator = v.div(c.biasCorrection2()).sqrt().addi(c.eps());
            step = m.div(c.biasCorrection1()).divi(denominator);
            if (c.stepDecay() != 0f) {
                step.addi(p.mul(c.stepDecay()));
            }
        }
        NDArray ratio = ratio(c.ratio(), p, step);
        if (ratio != null && maxRatio != Double.POSITIVE_INFINITY) {
            ratio = ratio.minimum((float) maxRatio); // the rule's clamp, after the zero guard
        }
        // The ratio is measured on p before the decoupled decay, then p = p*decay - (lr*ratio)*step.
        if (c.decayFactor() != 1f) {
            p.muli(c.decayFactor());
        }
        // One multiplication of the step by lr*ratio, as the core's scale (m itself must not change).
        NDArray scale = ratio == null ? null : ratio.mul(c.lr());
        NDArray scaled;
        if (step == m) {
            scaled = scale == null ? m.mul(c.lr()) : m.mul(scale);
        } else {
            scaled = scale == null ? step.muli(c.lr()) : step.muli(scale);
        }
        p.subi(scaled);
        return ratio;
    }

    /**
     * The trust ratio as a 0-d array: sum|p| / sum|step| (the element counts cancel) or
     * sqrt(sum p^2) / sqrt(sum step^2), and 1 where either sum is 0 (the zero guard of
     * {@link TrustRatio#of}), chosen on the device with {@code where}.
     */
    private static NDArray ratio(TrustRatio kind, NDArray p, NDArray step) {
        NDArray paramSum;
        NDArray stepSum;
        switch (kind) {
            case MEAN_ABS:
                paramSum = p.abs().sum();
                stepSum = step.abs().sum();
                break;
            case L2_NORM:
                paramSum = p.square().sum();
                stepSum = step.square().sum();
                break;
            default:
                return null;
        }
        NDArray guard = paramSum.eq(0f).logicalOr(stepSum.eq(0f));
        NDArray quotient = kind == TrustRatio.MEAN_ABS
                ? paramSum.div(stepSum)
                : paramSum.sqrt().divi(stepSum.sqrt());
        return NDArrays.where(guard, paramSum.onesLike(), quotient);
    }
}
