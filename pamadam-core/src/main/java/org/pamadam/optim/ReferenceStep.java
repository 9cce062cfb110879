package org.pamadam.optim;

import org.pamadam.rule.Decay;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;

/**
 * The per-tensor reference path (torch.optim's "single tensor" implementation): the rule written out
 * literally, one tensor at a time, with a temporary step array and sequential double sums. Slow and
 * obviously right; the fused kernels are tested against it.
 */
public final class ReferenceStep {
    private ReferenceStep() {
    }

    /**
     * One step of {@code rule} on one tensor with step count {@code t} (1-based); updates p, m and v in
     * place and returns the trust ratio used (after {@code maxRatio}). {@code v} is unused for
     * momentum rules.
     */
    public static double step(Rule rule, long t, float[] p, float[] g, float[] m, float[] v) {
        return rule.clamp(unclampedStep(rule, t, p, g, m, v, 1f));
    }

    /**
     * The same step with the gradient read as {@code g * gradScale} (global-norm clipping; g is not
     * written). Returns the guarded ratio before {@code maxRatio}, so the caller can count the clamp;
     * the update itself uses {@code rule.clamp} of it.
     */
    static double unclampedStep(Rule rule, long t, float[] p, float[] g, float[] m, float[] v, float gradScale) {
        int n = p.length;
        float wd = (float) rule.weightDecay();
        float[] grad = g;
        if (rule.decay() == Decay.L2_GRADIENT || gradScale != 1f) {
            grad = new float[n];
            float l2 = rule.decay() == Decay.L2_GRADIENT ? wd : 0f;
            for (int i = 0; i < n; i++) {
                grad[i] = g[i] * gradScale + l2 * p[i];
            }
        }
        float b1 = (float) rule.beta1();
        float[] step = new float[n];
        if (rule.moments() == Moments.MOMENTUM) {
            for (int i = 0; i < n; i++) {
                m[i] = b1 * m[i] + grad[i];
                step[i] = m[i];
            }
        } else {
            float b2 = (float) rule.beta2();
            float c1 = (float) (1.0 - rule.beta1());
            float c2 = (float) (1.0 - rule.beta2());
            float bc1 = (float) (1.0 - Math.pow(rule.beta1(), t));
            float bc2 = (float) (1.0 - Math.pow(rule.beta2(), t));
            float eps = (float) rule.eps();
            for (int i = 0; i < n; i++) {
                m[i] = b1 * m[i] + c1 * grad[i];
                v[i] = b2 * v[i] + c2 * grad[i] * grad[i];
                step[i] = (m[i] / bc1) / ((float) Math.sqrt(v[i] / bc2) + eps);
            }
        }
        if (rule.decay() == Decay.IN_STEP) {
            for (int i = 0; i < n; i++) {
                step[i] += wd * p[i];
            }
        }
        double sumP = 0;
        double sumS = 0;
        switch (rule.effectiveRatio()) {
            case MEAN_ABS:
                for (int i = 0; i < n; i++) {
                    sumP += Math.abs(p[i]);
                    sumS += Math.abs(step[i]);
                }
                break;
            case L2_NORM:
                for (int i = 0; i < n; i++) {
                    sumP += (double) p[i] * p[i];
                    sumS += (double) step[i] * step[i];
                }
                break;
            default:
                break;
        }
        double ratio = rule.effectiveRatio().of(sumP, sumS);
        float scale = (float) (rule.lr() * rule.clamp(ratio));
        float decay = rule.decay() == Decay.DECOUPLED ? (float) (1.0 - rule.lr() * rule.weightDecay()) : 1f;
        for (int i = 0; i < n; i++) {
            p[i] = p[i] * decay - scale * step[i];
        }
        return ratio;
    }

    /** The first active tensor with a non-finite gradient or value, or -1. */
    static int firstNonFinite(Param[] params, boolean[] active) {
        for (int i = 0; i < params.length; i++) {
            if (active[i]) {
                float[] g = params[i].grad();
                float[] p = params[i].data();
                for (int k = 0; k < g.length; k++) {
                    if (!Float.isFinite(g[k]) || !Float.isFinite(p[k])) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }

    /**
     * Steps every active tensor with its rule, clipping by the global norm (summed sequentially in
     * double) when {@code maxGradNorm} is finite, and commits each to the telemetry. Returns the norm,
     * NaN when not clipping.
     */
    static double stepAll(Param[] params, boolean[] active, Rule[] rules, Telemetry telemetry, MomentStore moments,
                          double maxGradNorm) {
        double norm = Double.NaN;
        float gradScale = 1f;
        if (maxGradNorm != Double.POSITIVE_INFINITY) {
            double total = 0;
            for (int i = 0; i < params.length; i++) {
                if (active[i]) {
                    for (float x : params[i].grad()) {
                        total += (double) x * x;
                    }
                }
            }
            norm = Math.sqrt(total);
            gradScale = (float) FusedStep.clipScale(maxGradNorm, norm);
        }
        for (int i = 0; i < params.length; i++) {
            if (active[i]) {
                double ratio = unclampedStep(rules[i], telemetry.steps[i] + 1, params[i].data(), params[i].grad(),
                        moments.mHeap(i), moments.vHeap(i), gradScale);
                telemetry.commit(i, rules[i], ratio);
            }
        }
        return norm;
    }
}
