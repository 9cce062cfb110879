package org.pamadam.dl4j;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.pamadam.rule.Decay;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * A PAMAdam-family {@link Rule} as a DL4J updater configuration: the whole rule (moments, trust ratio,
 * decay, clamp and hyperparameters), so that it is saved in DL4J's JSON and model files with the
 * network, and the layout of the tensor's optimizer state in DL4J's updater state.
 *
 * <p>It configures; it does not step. The step is the core's, over every tensor of the network at
 * once (global-norm clipping and all-or-nothing refusal need them all), run by the network updater
 * that {@link Dl4jOptimizers#attach} installs. DL4J's own per-block call ({@code applyUpdater}) is
 * refused with a message that says so.
 *
 * <p>State, per DL4J updater block of {@code n} values: {@code m} ({@code n}), then {@code v}
 * ({@code n}, Adam only), then a counter region of {@code n} floats in which each tensor keeps, at its
 * first elements, its own step count (bias correction's t), its clamp count and its last ratio
 * (slots past the tensor's size are not kept: a 1-element tensor keeps its step count only). Counts
 * are exact up to 2^24 steps. The state is saved, restored and averaged (Spark) with the network.
 *
 * <p>The learning rate is the fixed {@code learningRate} or, when set, {@code learningRateSchedule}
 * read at the optimizer's own count of steps taken (not DL4J's iteration count, which also counts
 * accumulated micro-batches and is set by {@code setIterationCount}).
 */
public final class RuleUpdater implements IUpdater {
    private static final long serialVersionUID = 2L;

    @JsonProperty("name")
    private final String name;
    @JsonProperty("moments")
    private final Moments moments;
    @JsonProperty("decay")
    private final Decay decay;
    @JsonProperty("ratio")
    private final TrustRatio ratio;
    @JsonProperty("learningRate")
    private double learningRate;
    @JsonProperty("learningRateSchedule")
    private ISchedule learningRateSchedule;
    @JsonProperty("beta1")
    private final double beta1;
    @JsonProperty("beta2")
    private final double beta2;
    @JsonProperty("epsilon")
    private final double epsilon;
    @JsonProperty("weightDecay")
    private final double weightDecay;
    @JsonProperty("adapt")
    private final boolean adapt;
    /** The ratio clamp; null: none (JSON has no infinity). */
    @JsonProperty("maxRatio")
    private final Double maxRatio;

    /** {@code rule}, with its fixed learning rate. */
    public RuleUpdater(Rule rule) {
        this(rule.name(), rule.moments(), rule.decay(), rule.ratio(), rule.lr(), null, rule.beta1(), rule.beta2(),
                rule.eps(), rule.weightDecay(), rule.adapt(),
                rule.maxRatio() == Double.POSITIVE_INFINITY ? null : rule.maxRatio());
    }

    /**
     * @param learningRateSchedule when non-null, the learning rate at the optimizer's step count
     *                             (learningRate is then unused and may be NaN, as in DL4J's updaters)
     * @throws IllegalArgumentException for an invalid hyperparameter, with the core's message
     */
    @JsonCreator
    public RuleUpdater(@JsonProperty("name") String name,
                       @JsonProperty("moments") Moments moments,
                       @JsonProperty("decay") Decay decay,
                       @JsonProperty("ratio") TrustRatio ratio,
                       @JsonProperty("learningRate") double learningRate,
                       @JsonProperty("learningRateSchedule") ISchedule learningRateSchedule,
                       @JsonProperty("beta1") double beta1,
                       @JsonProperty("beta2") double beta2,
                       @JsonProperty("epsilon") double epsilon,
                       @JsonProperty("weightDecay") double weightDecay,
                       @JsonProperty("adapt") boolean adapt,
                       @JsonProperty("maxRatio") Double maxRatio) {
        this.name = name;
        this.moments = moments;
        this.decay = decay;
        this.ratio = ratio;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.adapt = adapt;
        if (maxRatio != null && !(maxRatio > 0.0 && maxRatio < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("RuleUpdater: maxRatio must be a finite number > 0 (null: no clamp), got "
                    + maxRatio);
        }
        this.maxRatio = maxRatio;
        setLrAndSchedule(learningRate, learningRateSchedule);
        rule(0.0); // validates everything else with the core's messages
    }

    /** The rule at learning rate {@code lr}. */
    public Rule rule(double lr) {
        return new Rule(name, moments, decay, ratio, lr, beta1, beta2, epsilon, weightDecay, adapt,
                maxRatio == null ? Double.POSITIVE_INFINITY : maxRatio);
    }

    /** The rule at the fixed learning rate, or at the schedule's first value. */
    public Rule rule() {
        return rule(getLearningRate(0, 0));
    }

    public Moments getMoments() {
        return moments;
    }

    /** The fixed learning rate (unused while a schedule is set). */
    public double getLearningRate() {
        return learningRate;
    }

    public ISchedule getLearningRateSchedule() {
        return learningRateSchedule;
    }

    /** Floats of m and v for a block of {@code numParams}: where the counter region starts. */
    long momentSize(long numParams) {
        return moments == Moments.ADAM ? 2 * numParams : numParams;
    }

    @Override
    public long stateSize(long numParams) {
        return momentSize(numParams) + numParams;
    }

    @Override
    public GradientUpdater<RuleUpdater> instantiate(INDArray viewArray, boolean initializeViewArray) {
        RuleGradientUpdater u = new RuleGradientUpdater(this);
        u.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater<RuleUpdater> instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        RuleGradientUpdater u = new RuleGradientUpdater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    @Override
    public RuleUpdater clone() {
        return new RuleUpdater(name, moments, decay, ratio, learningRate,
                learningRateSchedule == null ? null : learningRateSchedule.clone(), beta1, beta2, epsilon,
                weightDecay, adapt, maxRatio);
    }

    /** The learning rate at {@code step} optimizer steps taken (DL4J's signature; the first argument is that count). */
    @Override
    public double getLearningRate(int step, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(step, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    /**
     * @throws IllegalArgumentException when {@code lr} is negative, infinite, or NaN without a schedule
     */
    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        if (lrSchedule == null && !(lr >= 0.0 && Double.isFinite(lr))) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "RuleUpdater: learningRate must be a finite number >= 0 (or NaN with a schedule), got %s", lr));
        }
        if (lrSchedule != null && Double.isInfinite(lr)) {
            throw new IllegalArgumentException("RuleUpdater: learningRate must not be infinite, got " + lr);
        }
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RuleUpdater)) {
            return false;
        }
        RuleUpdater r = (RuleUpdater) o;
        return Objects.equals(name, r.name) && moments == r.moments && decay == r.decay && ratio == r.ratio
                && Double.compare(learningRate, r.learningRate) == 0
                && Objects.equals(learningRateSchedule, r.learningRateSchedule)
                && Double.compare(beta1, r.beta1) == 0 && Double.compare(beta2, r.beta2) == 0
                && Double.compare(epsilon, r.epsilon) == 0 && Double.compare(weightDecay, r.weightDecay) == 0
                && adapt == r.adapt && Objects.equals(maxRatio, r.maxRatio);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, moments, decay, ratio, learningRate, learningRateSchedule, beta1, beta2, epsilon,
                weightDecay, adapt, maxRatio);
    }

    @Override
    public String toString() {
        return "RuleUpdater(" + rule(Double.isNaN(learningRate) ? 0.0 : learningRate)
                + (learningRateSchedule != null ? ", schedule " + learningRateSchedule : "") + ")";
    }
}
