package org.pamadam.rule;

import java.util.Locale;

/**
 * One member of the Adam family as data: which moments, where weight decay goes, which trust ratio,
 * and the hyperparameters. The kernels interpret a rule; {@link #pamAdam()}, {@link #adam()},
 * {@link #adamW()}, {@link #lamb()} and {@link #sgd()} are named presets over it.
 *
 * <p>Per tensor {@code p} with gradient {@code g} and its own step count {@code t}:
 *
 * <pre>
 * g    += wd * p                              (decay L2_GRADIENT only)
 * m     = b1*m + (1-b1)*g ;  v = b2*v + (1-b2)*g*g
 * step  = (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
 * step += wd * p                              (decay IN_STEP only, LAMB)
 * ratio = mean|p| / mean|step|  (MEAN_ABS)  or  ||p|| / ||step||  (L2_NORM); 1 if either is 0
 * ratio = min(ratio, maxRatio)                (with a trust ratio only; default +inf: no clamp)
 * p    *= 1 - lr * wd                         (decay DECOUPLED only)
 * p    -= lr * ratio * step
 * </pre>
 *
 * For {@link Moments#MOMENTUM} the step is {@code buf = b1*buf + g}. A group with {@code adapt}
 * false uses ratio 1 (a plain Adam step), the usual choice for biases and norm layers.
 *
 * <p>Rules are immutable and validated at construction: a bad value fails here, with the
 * hyperparameter, its value and what was expected, rather than as a NaN many steps later.
 */
public record Rule(
        String name,
        Moments moments,
        Decay decay,
        TrustRatio ratio,
        double lr,
        double beta1,
        double beta2,
        double eps,
        double weightDecay,
        boolean adapt,
        double maxRatio) {

    public Rule {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("rule name must not be empty");
        }
        if (moments == null || decay == null || ratio == null) {
            throw new IllegalArgumentException(name + ": moments, decay and ratio must be set");
        }
        requireFinite(name, "lr", lr, 0.0, "a finite number >= 0");
        requireUnitInterval(name, moments == Moments.MOMENTUM ? "momentum" : "beta1", beta1);
        if (moments == Moments.ADAM) {
            requireUnitInterval(name, "beta2", beta2);
        }
        requireFinite(name, "eps", eps, 0.0, "a finite number >= 0");
        requireFinite(name, "weightDecay", weightDecay, 0.0, "a finite number >= 0");
        if (decay == Decay.NONE && weightDecay != 0.0) {
            throw new IllegalArgumentException(
                    name + ": weightDecay is " + weightDecay + " but this rule applies no decay; choose a decay mode");
        }
        if (moments == Moments.MOMENTUM && ratio != TrustRatio.NONE) {
            throw new IllegalArgumentException(name + ": a trust ratio needs Adam moments, not momentum");
        }
        if (!(maxRatio > 0.0)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s: maxRatio must be > 0 (+Infinity for no clamp), got %s", name, maxRatio));
        }
    }

    /** A rule without a ratio clamp ({@code maxRatio} = +infinity), the shape before the clamp existed. */
    public Rule(String name, Moments moments, Decay decay, TrustRatio ratio, double lr, double beta1, double beta2,
                double eps, double weightDecay, boolean adapt) {
        this(name, moments, decay, ratio, lr, beta1, beta2, eps, weightDecay, adapt, Double.POSITIVE_INFINITY);
    }

    private static void requireFinite(String rule, String what, double value, double min, String expected) {
        if (!Double.isFinite(value) || value < min) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "%s: %s must be %s, got %s", rule, what, expected, value));
        }
    }

    private static void requireUnitInterval(String rule, String what, double value) {
        if (!(value >= 0.0 && value < 1.0)) {
            throw new IllegalArgumentException(
                    String.format(Locale.ROOT, "%s: %s must be in [0, 1), got %s", rule, what, value));
        }
    }

    /** The trust ratio actually applied: {@link TrustRatio#NONE} when {@code adapt} is off. */
    public TrustRatio effectiveRatio() {
        return adapt ? ratio : TrustRatio.NONE;
    }

    /**
     * The ratio a step uses, from the two sums of {@link TrustRatio#of}: the zero-guarded ratio, then
     * clamped to {@code maxRatio}. Rules without an effective trust ratio always give 1, unclamped, so
     * a clamp below 1 never scales a plain Adam or SGD step.
     */
    public double trustRatio(double paramSum, double stepSum) {
        return clamp(effectiveRatio().of(paramSum, stepSum));
    }

    /** {@code min(ratio, maxRatio)} when this rule has an effective trust ratio, else {@code ratio}. */
    public double clamp(double ratio) {
        return effectiveRatio() == TrustRatio.NONE ? ratio : Math.min(ratio, maxRatio);
    }

    /** True when the clamp changes this (guarded, unclamped) ratio: the count telemetry reports. */
    public boolean clamps(double ratio) {
        return effectiveRatio() != TrustRatio.NONE && ratio > maxRatio;
    }

    /** PAMAdam: Adam moments, mean-abs trust ratio, optional decoupled decay. lr 1e-3, betas (0.9, 0.999), eps 1e-8. */
    public static Builder pamAdam() {
        return new Builder("pamadam", Moments.ADAM, Decay.DECOUPLED, TrustRatio.MEAN_ABS).eps(1e-8);
    }

    /** torch.optim.Adam: weight decay is L2 added to the gradient. */
    public static Builder adam() {
        return new Builder("adam", Moments.ADAM, Decay.L2_GRADIENT, TrustRatio.NONE).eps(1e-8);
    }

    /** torch.optim.AdamW: decoupled decay, default weightDecay 0.01. */
    public static Builder adamW() {
        return new Builder("adamw", Moments.ADAM, Decay.DECOUPLED, TrustRatio.NONE).eps(1e-8).weightDecay(0.01);
    }

    /** LAMB: decay inside the step, L2 trust ratio. eps 1e-6 as in the LAMB paper and optax. */
    public static Builder lamb() {
        return new Builder("lamb", Moments.ADAM, Decay.IN_STEP, TrustRatio.L2_NORM).eps(1e-6);
    }

    /** torch.optim.SGD with momentum (default 0.9, dampening 0), L2 decay. lr 1e-2. */
    public static Builder sgd() {
        return new Builder("sgd", Moments.MOMENTUM, Decay.L2_GRADIENT, TrustRatio.NONE).lr(1e-2).beta1(0.9);
    }

    /** A preset by its name: pamadam, adam, adamw, lamb or sgd (case-insensitive). */
    public static Builder named(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "pamadam": return pamAdam();
            case "adam": return adam();
            case "adamw": return adamW();
            case "lamb": return lamb();
            case "sgd": return sgd();
            default:
                throw new IllegalArgumentException(
                        "unknown optimizer '" + name + "', expected one of pamadam, adam, adamw, lamb, sgd");
        }
    }

    /** A builder preset with this rule's values, to derive a variant (e.g. a group with adapt off). */
    public Builder toBuilder() {
        return new Builder(name, moments, decay, ratio).lr(lr).betas(beta1, beta2).eps(eps)
                .weightDecay(weightDecay).adapt(adapt).maxRatio(maxRatio);
    }

    /** Builds a {@link Rule}; validation happens in {@link #build()}. */
    public static final class Builder {
        private final String name;
        private final Moments moments;
        private final Decay decay;
        private final TrustRatio ratio;
        private double lr = 1e-3;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double eps = 1e-8;
        private double weightDecay;
        private boolean adapt = true;
        private double maxRatio = Double.POSITIVE_INFINITY;

        private Builder(String name, Moments moments, Decay decay, TrustRatio ratio) {
            this.name = name;
            this.moments = moments;
            this.decay = decay;
            this.ratio = ratio;
        }

        public Builder lr(double lr) { this.lr = lr; return this; }
        public Builder beta1(double beta1) { this.beta1 = beta1; return this; }
        public Builder betas(double beta1, double beta2) { this.beta1 = beta1; this.beta2 = beta2; return this; }
        /** SGD's momentum (stored as beta1). */
        public Builder momentum(double momentum) { this.beta1 = momentum; return this; }
        public Builder eps(double eps) { this.eps = eps; return this; }
        public Builder weightDecay(double weightDecay) { this.weightDecay = weightDecay; return this; }
        /** false: ratio 1 for this group (plain step), e.g. for biases and norm layers. */
        public Builder adapt(boolean adapt) { this.adapt = adapt; return this; }
        /**
         * Upper bound on the trust ratio (default +infinity: none), applied after the zero guard:
         * timm's {@code trust_clip} is a bound of 1, jettify's LAMB clamps at 10. Must be > 0.
         */
        public Builder maxRatio(double maxRatio) { this.maxRatio = maxRatio; return this; }

        public Rule build() {
            return new Rule(name, moments, decay, ratio, lr, beta1, beta2, eps, weightDecay, adapt, maxRatio);
        }
    }
}
