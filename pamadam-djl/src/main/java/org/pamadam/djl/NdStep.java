package org.pamadam.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import org.pamadam.optim.StepConstants;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * The NDArray path: one tensor's step as engine operations on its device (a GPU, another dtype),
 * for tensors the host path cannot view. Nothing is read back to the host, so a step never forces
 * a device synchronisation: the trust ratio's zero guard and the refusal of a non-finite gradient
 * are {@code where}s on the device. The constants are the core's ({@link StepConstants}) and the
 * operations are ordered as in the core kernels, so float rounding matches them operation for
 * operation in float32.
 *
 * <p>A non-finite gradient skips the tensor: its weight, moments and last ratio keep their values,
 * and its skip counter (a 0-d array) goes up. The ratio's sums run in float32, or in the tensor's
 * type when that is wider. Temporaries are created with the operands' manager; callers run this
 * inside an {@link ai.djl.ndarray.NDScope} that closes them.
 */
final class NdStep {
    /** Every element: the index of an in-place copy. */
    private static final NDIndex ALL = new NDIndex("...");

    private NdStep() {
    }

    /**
     * One step of {@code s} on its device: the gradient read as {@code factor * clip(rescale * g /
     * divisor)} (the divisor: micro-batches of an accumulation window; clip: {@code [-clipGrad,
     * clipGrad]} when {@code clipGrad > 0}; the factor: the global norm's, last, as the core reads
     * it), then {@link #apply}, then the weight's own gradient zeroed.
     */
    static void step(ParamState s, NDArray weight, NDArray grad, Rule stepRule, float divisor, float rescale,
                     float clipGrad, float factor) {
        NDArray g = prepared(grad, divisor, rescale, clipGrad);
        if (factor != 1f) {
            g = g.mul(factor);
        }
        apply(StepConstants.of(stepRule, s.steps + 1), weight, g, s, stepRule.maxRatio());
        s.steps++;
        HostStep.zeroOwnGradient(weight);
    }

    /**
     * A gradient as the NDArray path reads it before the global-norm factor: {@code clip(rescale * g /
     * divisor)}, the clip skipped when {@code clip <= 0}; {@code g} itself when nothing applies. The
     * step and the global norm ({@link GlobalNormClip}) both read it so.
     */
    static NDArray prepared(NDArray g, float divisor, float rescale, float clip) {
        NDArray read = g;
        if (divisor != 1f) {
            read = read.div(divisor);
        }
        if (rescale != 1f) {
            read = read.mul(rescale);
        }
        if (clip > 0f) {
            read = read.clip(-clip, clip);
        }
        return read;
    }

    /**
     * One step on one tensor: {@code p}, {@code s.m} and {@code s.v} in place, {@code s.ratio},
     * {@code s.clamps} and {@code s.skips} updated. {@code g} is the gradient as the step reads it
     * (rescaled, clipped and times the global-norm factor already).
     */
    static void apply(StepConstants c, NDArray p, NDArray g, ParamState s, double maxRatio) {
        NDArray finite = g.isNaN().logicalOr(g.isInfinite()).any().logicalNot();
        NDArray grad = c.gradDecay() != 0f ? g.add(p.mul(c.gradDecay())) : g;
        NDArray m;
        NDArray v = null;
        NDArray step;
        if (c.moments() == Moments.MOMENTUM) {
            // buf = momentum*buf + g; the step is the buffer itself.
            m = s.m.mul(c.beta1()).addi(grad);
            step = m;
        } else {
            m = s.m.mul(c.beta1()).addi(grad.mul(c.oneMinusBeta1()));
            // (1-b2)*g*g evaluated left to right, as the core does.
            v = s.v.mul(c.beta2()).addi(grad.mul(c.oneMinusBeta2()).muli(grad));
            NDArray denominator = v.div(c.biasCorrection2()).sqrt().addi(c.eps());
            step = m.div(c.biasCorrection1()).divi(denominator);
            if (c.stepDecay() != 0f) {
                step.addi(p.mul(c.stepDecay()));
            }
        }
        NDArray raw = ratio(c.ratio(), p, step);
        NDArray ratio = raw;
        if (raw != null && maxRatio != Double.POSITIVE_INFINITY) {
            ratio = raw.minimum((float) maxRatio); // the rule's clamp, after the zero guard
            s.clamps.addi(raw.gt((float) maxRatio).logicalAnd(finite).toType(DataType.FLOAT32, false));
        }
        // The ratio is measured on p before the decoupled decay, then p = p*decay - (lr*ratio)*step.
        NDArray updated = c.decayFactor() != 1f ? p.mul(c.decayFactor()) : p;
        NDArray scale = ratio == null ? null : ratio.mul(c.lr());
        NDArray scaled = scale == null ? step.mul(c.lr()) : step.mul(scale);
        updated = updated.sub(scaled);
        NDArray keep = finite.broadcast(p.getShape()); // DJL's where does not broadcast the condition
        p.set(ALL, NDArrays.where(keep, updated, p));
        s.m.set(ALL, NDArrays.where(keep, m, s.m));
        if (v != null) {
            s.v.set(ALL, NDArrays.where(keep, v, s.v));
        }
        if (ratio != null) {
            s.ratio.set(ALL, NDArrays.where(finite, ratio.toType(s.ratio.getDataType(), false), s.ratio));
        }
        s.skips.addi(finite.logicalNot().toType(DataType.FLOAT32, false));
    }

    /**
     * The trust ratio as a 0-d array: sum|p| / sum|step| (the element counts cancel) or
     * sqrt(sum p^2) / sqrt(sum step^2), and 1 where either sum is 0 (the zero guard of
     * {@link TrustRatio#of}), chosen on the device with {@code where}; null for no ratio.
     */
    private static NDArray ratio(TrustRatio kind, NDArray p, NDArray step) {
        NDArray paramSum;
        NDArray stepSum;
        switch (kind) {
            case MEAN_ABS:
                paramSum = wide(p).abs().sum();
                stepSum = wide(step).abs().sum();
                break;
            case L2_NORM:
                paramSum = wide(p).square().sum();
                stepSum = wide(step).square().sum();
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

    /** The tensor in float32, or as it is when already float32 or wider: where its sums are taken. */
    static NDArray wide(NDArray x) {
        DataType t = x.getDataType();
        return t == DataType.FLOAT32 || t == DataType.FLOAT64 ? x : x.toType(DataType.FLOAT32, false);
    }

    /** Exact zeros over the array, in place (also where it held NaN, which {@code x - x} would keep). */
    static void zero(NDArray x) {
        x.set(ALL, 0f);
    }
}
