package org.pamadam.dl4j;

import java.nio.FloatBuffer;
import java.util.Locale;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.pamadam.rule.Decay;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * The per-tensor half of a PAMAdam-family rule: a post-updater {@link Regularization}, which DL4J calls
 * once per parameter tensor (W and b of a layer separately) with that tensor's values and the update
 * its updater produced. Given the update {@code u = lr * step} of {@link RuleUpdater}, it computes
 * <pre>
 * w     = u + lr*wd*p                      (decay IN_STEP, LAMB: = lr * (step + wd*p))
 * ratio = lr * mean|p| / mean|w|           (MEAN_ABS)  or  lr * ||p|| / ||w||  (L2_NORM)
 *       = mean|p| / mean|step|, the rule's ratio; 1 when either side is 0 or the ratio is NONE
 * p'    = p * (1 - lr*wd) - ratio * w      (the factor only for decay DECOUPLED)
 * </pre>
 * and leaves {@code p - p'} as the update that DL4J subtracts. Sums are accumulated in double over
 * float32 chunks of the tensor. With a learning rate of 0 the step is lost in {@code u}, so the ratio
 * falls back to 1; the update is 0 either way.
 *
 * <p>Learning rate schedules work: DL4J passes the updater's current learning rate. Works after any
 * updater whose update is {@code lr * step}; {@link Dl4jOptimizers#apply} pairs it with
 * {@link RuleUpdater}.
 *
 * <p>The ratio is then clamped to the rule's {@code maxRatio} (JSON {@code maxRatio}, null: none).
 *
 * <p>{@link #lastRatio()} reports the (clamped) ratio of the most recent tensor this instance stepped,
 * {@link #clampCount()} how often the clamp lowered a ratio. Both are telemetry only: not part of the
 * configuration, its JSON or its equality (so a restored network starts counting from 0).
 */
public final class TensorStep implements Regularization {
    private static final long serialVersionUID = 1L;

    @JsonProperty("ratio")
    private final TrustRatio ratio;
    @JsonProperty("decay")
    private final Decay decay;
    @JsonProperty("weightDecay")
    private final double weightDecay;

    /** Upper bound on the ratio; null: none (JSON has no infinity). */
    @JsonProperty("maxRatio")
    private final Double maxRatio;

    @JsonIgnore
    private transient volatile double lastRatio = Double.NaN;
    @JsonIgnore
    private transient volatile long clampCount;

    /** The effective ratio, the decoupled or in-step decay and the ratio clamp of {@code rule}. */
    public TensorStep(Rule rule) {
        this(rule.effectiveRatio(), rule.decay(), rule.weightDecay(),
                rule.maxRatio() == Double.POSITIVE_INFINITY ? null : rule.maxRatio());
    }

    /** Without a ratio clamp. */
    public TensorStep(TrustRatio ratio, Decay decay, double weightDecay) {
        this(ratio, decay, weightDecay, null);
    }

    /**
     * @param decay NONE, DECOUPLED or IN_STEP (L2_GRADIENT belongs before the updater: see
     *              {@link Dl4jOptimizers#regularization(Rule)})
     * @throws IllegalArgumentException for an invalid combination, naming it
     */
    @JsonCreator
    public TensorStep(@JsonProperty("ratio") TrustRatio ratio, @JsonProperty("decay") Decay decay,
                      @JsonProperty("weightDecay") double weightDecay, @JsonProperty("maxRatio") Double maxRatio) {
        if (maxRatio != null && !(maxRatio > 0.0 && maxRatio < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("TensorStep: maxRatio must be a finite number > 0 (null: no clamp), got "
                    + maxRatio);
        }
        this.maxRatio = maxRatio;
        if (ratio == null || decay == null) {
            throw new IllegalArgumentException("TensorStep: ratio and decay must be set, got ratio=" + ratio
                    + ", decay=" + decay);
        }
        if (!(weightDecay >= 0.0 && Double.isFinite(weightDecay))) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "TensorStep: weightDecay must be a finite number >= 0, got %s", weightDecay));
        }
        if (decay == Decay.L2_GRADIENT) {
            throw new IllegalArgumentException("TensorStep: L2_GRADIENT decay is added to the gradient before the "
                    + "updater, not by TensorStep; use Dl4jOptimizers.regularization(rule)");
        }
        if (decay == Decay.NONE && weightDecay != 0.0) {
            throw new IllegalArgumentException("TensorStep: weightDecay is " + weightDecay
                    + " but decay is NONE; choose DECOUPLED or IN_STEP");
        }
        this.ratio = ratio;
        this.decay = decay;
        this.weightDecay = weightDecay;
    }

    public TrustRatio getRatio() {
        return ratio;
    }

    public Decay getDecay() {
        return decay;
    }

    public double getWeightDecay() {
        return weightDecay;
    }

    /** The ratio clamp, null for none. */
    public Double getMaxRatio() {
        return maxRatio;
    }

    /** Steps (of any tensor this instance serves) in which the clamp lowered the ratio. */
    public long clampCount() {
        return clampCount;
    }

    /** The ratio used for the most recent tensor stepped by this instance (NaN before the first). */
    public double lastRatio() {
        return lastRatio;
    }

    /** True when this step changes anything: a trust ratio or a decay term. */
    @JsonIgnore
    public boolean isActive() {
        return ratio != TrustRatio.NONE || (decay != Decay.NONE && weightDecay != 0.0);
    }

    @Override
    public ApplyStep applyStep() {
        return ApplyStep.POST_UPDATER;
    }

    @Override
    public void apply(INDArray param, INDArray update, double lr, int iteration, int epoch) {
        lastRatio = step(param, update, lr);
    }

    /** Turns {@code update} (= lr * step) into this tensor's final update, in place; returns the ratio. */
    double step(INDArray param, INDArray update, double lr) {
        float wdStep = decay == Decay.IN_STEP ? (float) (lr * weightDecay) : 0f;
        float decayFactor = decay == Decay.DECOUPLED ? (float) (1.0 - lr * weightDecay) : 1f;
        if (ratio == TrustRatio.NONE && wdStep == 0f && decayFactor == 1f) {
            return 1.0;
        }
        INDArray[] arrays = {param, update};
        INDArray[] work = FloatBlocks.contiguous("TensorStep", arrays);
        FloatBuffer pb = FloatBlocks.buffer(work[0]);
        FloatBuffer ub = FloatBlocks.buffer(work[1]);
        int p0 = pb.position();
        int u0 = ub.position();
        int n = (int) param.length();
        float[][] s = FloatBlocks.scratch();
        float[] p = s[0];
        float[] u = s[1];

        double r = 1.0;
        if (ratio != TrustRatio.NONE) {
            boolean meanAbs = ratio == TrustRatio.MEAN_ABS;
            double sumP = 0;
            double sumW = 0;
            for (int off = 0; off < n; off += FloatBlocks.CHUNK) {
                int len = Math.min(FloatBlocks.CHUNK, n - off);
                pb.get(p0 + off, p, 0, len);
                ub.get(u0 + off, u, 0, len);
                sumP += meanAbs ? sumAbs(p, len) : sumSquares(p, len);
                if (wdStep != 0f) {
                    for (int i = 0; i < len; i++) {
                        u[i] += wdStep * p[i];
                    }
                }
                sumW += meanAbs ? sumAbs(u, len) : sumSquares(u, len);
            }
            // sumW sums lr*step, so lr * of(sumP, sumW) is the rule's ratio; the guard's 1 is not scaled.
            r = sumP == 0.0 || sumW == 0.0 ? 1.0 : lr * ratio.of(sumP, sumW);
            if (maxRatio != null && r > maxRatio) {
                r = maxRatio;
                clampCount++;
            }
        }
        float rf = (float) r;
        for (int off = 0; off < n; off += FloatBlocks.CHUNK) {
            int len = Math.min(FloatBlocks.CHUNK, n - off);
            pb.get(p0 + off, p, 0, len);
            ub.get(u0 + off, u, 0, len);
            if (decayFactor == 1f) {
                for (int i = 0; i < len; i++) {
                    u[i] = rf * (u[i] + wdStep * p[i]);
                }
            } else {
                // DL4J subtracts the update: p - (p - x) gives back x exactly whenever x is within a
                // factor of two of p (Sterbenz), so p' comes out as the core computes it.
                for (int i = 0; i < len; i++) {
                    float pi = p[i];
                    u[i] = pi - (pi * decayFactor - rf * (u[i] + wdStep * pi));
                }
            }
            ub.put(u0 + off, u, 0, len);
        }
        FloatBlocks.writeBack(arrays, work, 1);
        return r;
    }

    /** Sum of |x| in double, four independent accumulators (a fixed order: deterministic). */
    private static double sumAbs(float[] x, int len) {
        double a0 = 0;
        double a1 = 0;
        double a2 = 0;
        double a3 = 0;
        int i = 0;
        for (; i + 3 < len; i += 4) {
            a0 += Math.abs(x[i]);
            a1 += Math.abs(x[i + 1]);
            a2 += Math.abs(x[i + 2]);
            a3 += Math.abs(x[i + 3]);
        }
        for (; i < len; i++) {
            a0 += Math.abs(x[i]);
        }
        return (a0 + a1) + (a2 + a3);
    }

    /** Sum of x^2 in double, as {@link #sumAbs}. */
    private static double sumSquares(float[] x, int len) {
        double a0 = 0;
        double a1 = 0;
        double a2 = 0;
        double a3 = 0;
        int i = 0;
        for (; i + 3 < len; i += 4) {
            a0 += (double) x[i] * x[i];
            a1 += (double) x[i + 1] * x[i + 1];
            a2 += (double) x[i + 2] * x[i + 2];
            a3 += (double) x[i + 3] * x[i + 3];
        }
        for (; i < len; i++) {
            a0 += (double) x[i] * x[i];
        }
        return (a0 + a1) + (a2 + a3);
    }

    /** Java deserialisation skips the field initialiser of the transient telemetry. */
    private Object readResolve() {
        return clone();
    }

    @Override
    public double score(INDArray param, int iteration, int epoch) {
        // Decoupled and in-step decay and the trust ratio add no term to the loss.
        return 0.0;
    }

    @Override
    public TensorStep clone() {
        return new TensorStep(ratio, decay, weightDecay, maxRatio);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TensorStep)) {
            return false;
        }
        TensorStep t = (TensorStep) o;
        return ratio == t.ratio && decay == t.decay && Double.compare(weightDecay, t.weightDecay) == 0
                && Objects.equals(maxRatio, t.maxRatio);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ratio, decay, weightDecay, maxRatio);
    }

    @Override
    public String toString() {
        return "TensorStep(ratio=" + ratio + ", decay=" + decay + ", weightDecay=" + weightDecay
                + (maxRatio == null ? "" : ", maxRatio=" + maxRatio) + ")";
    }
}
