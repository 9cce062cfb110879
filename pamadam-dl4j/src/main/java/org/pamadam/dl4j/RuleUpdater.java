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
 * The moments half of a PAMAdam-family rule as a DL4J updater: per element, the reference Adam step
 * {@code lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)} (eps inside the bias correction, unlike ND4J's
 * {@code Adam}), or heavy-ball momentum {@code lr * buf} for SGD, with {@code t = iteration + 1}.
 *
 * <p>DL4J hands an updater one flattened block that may span many tensors and never the parameter
 * values, so everything per tensor (the trust ratio of PAMAdam and LAMB, decoupled and in-step
 * weight decay) is done afterwards by {@link TensorStep}, which DL4J calls once per tensor. On its own
 * this updater is plain Adam (or SGD with momentum) as {@code torch.optim} defines it;
 * {@link Dl4jOptimizers#apply} installs the pair for a whole network.
 *
 * <p>State: {@code m} then {@code v} (Adam, {@code 2n} values) or {@code buf} (momentum, {@code n}),
 * in the layout of DL4J's own Adam and Nesterovs, so it is saved and restored with the network.
 */
public final class RuleUpdater implements IUpdater {
    private static final long serialVersionUID = 1L;

    @JsonProperty("moments")
    private final Moments moments;
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

    /** The moments and step hyperparameters of {@code rule} (its ratio and decay go to {@link TensorStep}). */
    public RuleUpdater(Rule rule) {
        this(rule.moments(), rule.lr(), null, rule.beta1(), rule.beta2(), rule.eps());
    }

    /**
     * @param learningRateSchedule when non-null, gives the learning rate per iteration and epoch
     *                             (learningRate is then unused and may be NaN, as in DL4J's updaters)
     * @throws IllegalArgumentException for an invalid hyperparameter, naming it and its value
     */
    @JsonCreator
    public RuleUpdater(@JsonProperty("moments") Moments moments,
                       @JsonProperty("learningRate") double learningRate,
                       @JsonProperty("learningRateSchedule") ISchedule learningRateSchedule,
                       @JsonProperty("beta1") double beta1,
                       @JsonProperty("beta2") double beta2,
                       @JsonProperty("epsilon") double epsilon) {
        if (moments == null) {
            throw new IllegalArgumentException("RuleUpdater: moments must be ADAM or MOMENTUM, got null");
        }
        this.moments = moments;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        stepRule(); // validates beta1, beta2 and eps with the core's messages
        setLrAndSchedule(learningRate, learningRateSchedule);
    }

    /**
     * The rule whose step this updater computes: no trust ratio and no decay (both are
     * {@link TensorStep}'s), learning rate 0 (the DL4J learning rate is applied by this updater).
     */
    Rule stepRule() {
        return new Rule("RuleUpdater", moments, Decay.NONE, TrustRatio.NONE, 0.0, beta1,
                moments == Moments.ADAM ? beta2 : 0.0, epsilon, 0.0, true);
    }

    public Moments getMoments() {
        return moments;
    }

    public double getBeta1() {
        return beta1;
    }

    public double getBeta2() {
        return beta2;
    }

    public double getEpsilon() {
        return epsilon;
    }

    /** The fixed learning rate (unused while a schedule is set). */
    public double getLearningRate() {
        return learningRate;
    }

    public ISchedule getLearningRateSchedule() {
        return learningRateSchedule;
    }

    @Override
    public long stateSize(long numParams) {
        return moments == Moments.ADAM ? 2 * numParams : numParams;
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
        return new RuleUpdater(moments, learningRate,
                learningRateSchedule == null ? null : learningRateSchedule.clone(), beta1, beta2, epsilon);
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
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
        return moments == r.moments && Double.compare(learningRate, r.learningRate) == 0
                && Objects.equals(learningRateSchedule, r.learningRateSchedule)
                && Double.compare(beta1, r.beta1) == 0 && Double.compare(beta2, r.beta2) == 0
                && Double.compare(epsilon, r.epsilon) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(moments, learningRate, learningRateSchedule, beta1, beta2, epsilon);
    }

    @Override
    public String toString() {
        return "RuleUpdater(" + moments + ", lr=" + (learningRateSchedule != null ? learningRateSchedule : learningRate)
                + ", beta1=" + beta1 + (moments == Moments.ADAM ? ", beta2=" + beta2 + ", eps=" + epsilon : "") + ")";
    }
}
