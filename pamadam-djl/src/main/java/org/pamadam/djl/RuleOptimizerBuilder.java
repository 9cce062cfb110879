package org.pamadam.djl;

import ai.djl.training.optimizer.Optimizer.OptimizerBuilder;
import ai.djl.training.tracker.ParameterTracker;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.pamadam.optim.Accumulation;
import org.pamadam.rule.Rule;

/**
 * The DJL-style builder shared by every {@link RuleOptimizer}: {@code opt...} setters that only
 * record, and a build step that turns them into the core {@link Rule} (which validates the
 * hyperparameters) and checks the DJL-side settings. No maths lives here.
 *
 * @param <T> the concrete builder
 */
public abstract class RuleOptimizerBuilder<T extends RuleOptimizerBuilder<T>> extends OptimizerBuilder<T> {
    private final Rule.Builder ruleBuilder;
    private ParameterTracker learningRateTracker;
    private Pattern plainStep;
    private Double beta2;
    private float rescale = 1f;
    private float clip = -1f;
    private int beginNumUpdate;
    private boolean hostKernel = true;
    private double maxGradNorm = Double.POSITIVE_INFINITY;
    private int accumulate = 1;
    private int threads = Math.min(4, Runtime.getRuntime().availableProcessors());

    /** A builder starting from a preset (e.g. {@code Rule.pamAdam()}), which it then owns. */
    protected RuleOptimizerBuilder(Rule.Builder preset) {
        this.ruleBuilder = Objects.requireNonNull(preset, "preset");
    }

    /** A fixed learning rate (default: the preset's, 1e-3 for the Adam family). */
    public T optLearningRate(float learningRate) {
        ruleBuilder.lr(decimal(learningRate));
        learningRateTracker = null;
        return self();
    }

    /**
     * A learning-rate schedule, asked once per optimizer step with the number of optimizer steps
     * taken so far plus one (so DJL's update number where there is no accumulation), e.g.
     * {@code Tracker.warmUp()} or {@code Tracker.cosine()}.
     */
    public T optLearningRateTracker(ParameterTracker learningRateTracker) {
        this.learningRateTracker = Objects.requireNonNull(learningRateTracker, "learningRateTracker");
        return self();
    }

    /** The decay rate of the first moment (momentum for SGD); default 0.9. */
    public T optBeta1(float beta1) {
        ruleBuilder.beta1(decimal(beta1));
        return self();
    }

    /** The decay rate of the second moment; default 0.999. */
    public T optBeta2(float beta2) {
        this.beta2 = decimal(beta2);
        return self();
    }

    /** The denominator's epsilon (default 1e-8; 1e-6 for LAMB). */
    public T optEpsilon(float epsilon) {
        ruleBuilder.eps(decimal(epsilon));
        return self();
    }

    /**
     * The weight decay, applied where the rule puts it: decoupled for PAMAdam and AdamW, added to
     * the gradient for Adam, inside the step for LAMB.
     */
    @Override
    public T optWeightDecays(float weightDecays) {
        ruleBuilder.weightDecay(decimal(weightDecays));
        return super.optWeightDecays(weightDecays);
    }

    /**
     * An upper bound on the trust ratio (default: none), e.g. 10 as jettify's LAMB or 1 as timm's
     * {@code trust_clip}; the ratio telemetry reports the clamped value.
     */
    public T optMaxRatio(float maxRatio) {
        ruleBuilder.maxRatio(decimal(maxRatio));
        return self();
    }

    /**
     * Global gradient-norm clipping over every parameter of the step (torch.nn.utils.clip_grad_norm_:
     * each gradient times {@code min(1, maxGradNorm / (norm + 1e-6))}). Needs
     * {@link RuleOptimizer#bind} or {@link RuleOptimizer#beginStep}. Default: off.
     */
    public T optMaxGradNorm(float maxGradNorm) {
        if (!(maxGradNorm > 0f) || !Float.isFinite(maxGradNorm)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "optMaxGradNorm: must be a finite number > 0, got %s", maxGradNorm));
        }
        this.maxGradNorm = decimal(maxGradNorm);
        return self();
    }

    /**
     * Gradient accumulation: {@code k} calls of {@code Trainer.step()} make one optimizer step, with
     * the mean of the k micro-batch gradients (as when each micro-batch loss is divided by k). The
     * engine's own gradient accumulation sums them (PyTorch adds each backward into the weight's
     * gradient; the optimizer zeroes it only after the k-th). Step counts, bias correction and the
     * learning-rate tracker count optimizer steps. Needs {@link RuleOptimizer#bind}. Default 1.
     */
    public T optAccumulate(int k) {
        try {
            this.accumulate = Accumulation.checkK(k);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("optAccumulate: " + e.getMessage(), e);
        }
        return self();
    }

    /**
     * Threads for the core step on the host path (default min(4, available processors)); the
     * results do not depend on it.
     */
    public T optThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("optThreads: must be >= 1, got " + threads);
        }
        this.threads = threads;
        return self();
    }

    /**
     * false: no parameter adapts: every one takes a plain step (ratio 1), i.e. the rule without its
     * trust ratio (the core's {@code Rule.Builder.adapt(false)}).
     */
    public T optAdapt(boolean adapt) {
        ruleBuilder.adapt(adapt);
        return self();
    }

    /**
     * Parameters whose name (the block's local name: {@code weight}, {@code bias}, {@code gamma},
     * {@code beta}, ...), block path or id fully matches {@code regex} do not adapt: they take a
     * plain step (ratio 1), the usual choice for biases and norm layers, e.g.
     * {@code optNoAdapt("bias|gamma|beta")} (the core's {@code override(regex, r -> r.adapt(false))},
     * the CLI's {@code --no-adapt}).
     *
     * @throws IllegalArgumentException for an invalid regular expression
     */
    public T optNoAdapt(String regex) {
        Objects.requireNonNull(regex, "regex");
        try {
            this.plainStep = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("optNoAdapt: '" + regex + "' is not a valid regular expression: "
                    + e.getDescription(), e);
        }
        return self();
    }

    /**
     * The old name of {@link #optNoAdapt(String)}.
     *
     * @deprecated use {@link #optNoAdapt(String)}: one name, "adapt", for a parameter that takes no
     *     trust ratio, across the core, DJL and the CLI
     */
    @Deprecated
    public T optPlainStep(String regex) {
        return optNoAdapt(regex);
    }

    /**
     * true (default): where a parameter is a contiguous float32 CPU tensor of DJL's PyTorch engine,
     * the core step reads and writes the tensor's own memory (moments off-heap). false: NDArray
     * operations everywhere. Other engines, devices and types always use NDArray operations.
     */
    public T optHostKernel(boolean hostKernel) {
        this.hostKernel = hostKernel;
        return self();
    }

    @Override
    public T setRescaleGrad(float rescaleGrad) {
        this.rescale = rescaleGrad;
        return super.setRescaleGrad(rescaleGrad);
    }

    @Override
    public T optClipGrad(float clipGrad) {
        this.clip = clipGrad;
        return super.optClipGrad(clipGrad);
    }

    /** The step count every parameter starts from (default 0), e.g. when resuming. */
    @Override
    public T optBeginNumUpdate(int beginNumUpdate) {
        this.beginNumUpdate = beginNumUpdate;
        return super.optBeginNumUpdate(beginNumUpdate);
    }

    ParameterTracker learningRateTracker() {
        return learningRateTracker;
    }

    Pattern plainStep() {
        return plainStep;
    }

    int beginNumUpdate() {
        return beginNumUpdate;
    }

    boolean hostKernel() {
        return hostKernel;
    }

    double maxGradNorm() {
        return maxGradNorm;
    }

    int accumulate() {
        return accumulate;
    }

    int threads() {
        return threads;
    }

    /** Builds and so validates the rule, and checks the DJL-side settings. */
    Rule buildRule() {
        if (!Float.isFinite(rescale) || rescale <= 0f) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "setRescaleGrad: the gradient scale must be a finite number > 0, got %s", rescale));
        }
        if (Float.isNaN(clip) || clip == 0f) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "optClipGrad: must be > 0 to clip or negative to turn clipping off, got %s", clip));
        }
        if (beginNumUpdate < 0) {
            throw new IllegalArgumentException("optBeginNumUpdate: must be >= 0, got " + beginNumUpdate);
        }
        Rule built = ruleBuilder.build();
        if (beta2 != null) {
            built = built.toBuilder().betas(built.beta1(), beta2).build();
        }
        if (learningRateTracker != null) {
            float first = learningRateTracker.getNewValue("", beginNumUpdate + 1);
            try {
                built = built.toBuilder().lr(decimal(first)).build();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("learning-rate tracker: its first value " + first
                        + " is invalid: " + e.getMessage(), e);
            }
        }
        return built;
    }

    /**
     * The shortest decimal reading of a float ({@code 0.9f} is 0.9, not 0.8999999761581421), so a
     * DJL-style float hyperparameter means what the user wrote, as the same number in PyTorch does.
     */
    static double decimal(float value) {
        return Float.isFinite(value) ? Double.parseDouble(Float.toString(value)) : value;
    }
}
