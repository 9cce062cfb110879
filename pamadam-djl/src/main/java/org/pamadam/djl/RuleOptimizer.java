package org.pamadam.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.pamadam.optim.OptimizerState;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;

/**
 * A DJL {@link Optimizer} that runs one core {@link Rule} (PAMAdam, LAMB, Adam, AdamW, or any other
 * rule) with NDArray operations on the parameters' own device. {@link PamAdam}, {@link Lamb},
 * {@link Adam} and {@link AdamW} are this class with a preset; {@link #forRule(Rule)} builds one for
 * any rule.
 *
 * <p>Hyperparameters are validated by the core {@link Rule} when the builder builds, and every step
 * uses the core's {@link org.pamadam.optim.StepConstants}, so results agree with {@code org.pamadam.optim.Optimizer}.
 * Differences from DJL's built-in optimizers, each deliberate:
 *
 * <ul>
 *   <li>Bias correction uses each parameter's own step count (DJL's {@code updateCount} returns the
 *       global maximum, which is wrong for a parameter updated less often). Learning-rate trackers
 *       still receive DJL's global update number, so a schedule follows training progress.
 *   <li>Temporaries of a step live in an {@link NDScope} and are closed before {@code update}
 *       returns; optimizer state lives in the optimizer's own manager, freed by {@link #close()}.
 *   <li>After updating, the weight's gradient is zeroed (as DJL's PyTorch built-ins do), so
 *       gradients do not accumulate across batches on engines that accumulate.
 * </ul>
 *
 * <p>Two ways to run a step, chosen per parameter at its first update, with the same results (both
 * are tested against the core and the PyTorch traces):
 * <ul>
 *   <li>NDArray operations ({@code NdStep}): the rule as engine ops on the parameter's device, CPU or
 *       GPU; nothing is read back to the host, the trust ratio stays on the device and its zero guard
 *       is a {@code where}.
 *   <li>The core's fused kernel ({@code HostStep}), for float32 CPU tensors of DJL's PyTorch engine
 *       (on by default, {@link BaseBuilder#optHostKernel}): p and g are copied out of the tensor's
 *       memory in bulk, the kernel runs on heap moments, p is copied back (docs/benchmarks.md has
 *       its cost against the core's own step).
 * </ul>
 *
 * <p>Gradients are first multiplied by {@code rescaleGrad} and then, when {@code clipGrad > 0},
 * clipped to {@code [-clipGrad, clipGrad]}, as DJL's built-ins do. On the host path a NaN or infinite
 * gradient is refused with {@link org.pamadam.optim.NonFiniteGradientException} naming the parameter,
 * and that weight and its moments are left untouched (the kernel's first pass only reads). The
 * NDArray path reads nothing back to the host during a step, so there a non-finite gradient
 * propagates into the weights, as with DJL's built-ins. Call {@code update} outside a gradient collector (as {@code Trainer.step()} does).
 *
 * <p>Close the optimizer when training ends (after the trainer) to free its state:
 * <pre>{@code
 * try (PamAdam optimizer = PamAdam.builder().build();
 *      Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(optimizer))) {
 *     ...
 * }
 * }</pre>
 */
public class RuleOptimizer extends Optimizer implements AutoCloseable {

    private final Rule rule;
    private final ParameterTracker learningRateTracker;
    private final Pattern plainStep;
    private final long firstCount;
    private final boolean hostKernel;
    private final HostStep hostStep = new HostStep();
    private final GlobalNormClip clip;
    /** parameter id to its state per device (DJL updates one mirror per device). */
    private final Map<String, Map<Device, Slot>> slots = new LinkedHashMap<>();
    /** State loaded from a checkpoint, applied to each parameter when its slot is created. */
    private final Map<String, OptimizerState.Tensor> pending = new LinkedHashMap<>();
    private Rule adaptRule;
    private Rule plainRule;
    private NDManager stateManager;
    private boolean closed;

    /**
     * One parameter's state on one device: NDArray moments on the device, or heap moments for the
     * CPU fast path ({@link HostStep}).
     */
    private static final class Slot {
        final Shape shape;
        final boolean adapt;
        final boolean host;
        NDArray m;
        NDArray v;
        /** The last trust ratio (0-d, on the device), or null for ratio 1. */
        NDArray ratio;
        float[] hostM;
        float[] hostV;
        double hostRatio = Double.NaN;
        long steps;

        Slot(Shape shape, boolean adapt, boolean host, long steps) {
            this.shape = shape;
            this.adapt = adapt;
            this.host = host;
            this.steps = steps;
        }
    }

    /**
     * Creates the optimizer from a builder; the builder's {@link Rule} is built (and so validated)
     * here.
     *
     * @throws IllegalArgumentException for an invalid hyperparameter, naming it, its value and what
     *     was expected
     */
    protected RuleOptimizer(BaseBuilder<?> builder) {
        super(builder);
        this.rule = builder.buildRule();
        this.learningRateTracker = builder.learningRateTracker;
        this.plainStep = builder.plainStep;
        this.firstCount = builder.beginNumUpdate;
        this.hostKernel = builder.hostKernel;
        this.clip = new GlobalNormClip(builder.maxGradNorm);
        this.adaptRule = rule;
        this.plainRule = rule.adapt() ? rule.toBuilder().adapt(false).build() : rule;
    }

    /** A builder for {@code rule}'s kind and hyperparameters (learning rate included). */
    public static Builder forRule(Rule rule) {
        Objects.requireNonNull(rule, "rule");
        return new Builder(rule.toBuilder());
    }

    /** A builder for a preset by name: pamadam, adam, adamw, lamb or sgd. */
    public static Builder named(String name) {
        return new Builder(Rule.named(name));
    }

    /**
     * The validated rule: the builder's hyperparameters; its learning rate is the fixed one, or the
     * tracker's value at the first update when a tracker is set.
     */
    public Rule rule() {
        return rule;
    }

    /**
     * With {@code optMaxGradNorm}: lets the optimizer read every gradient of {@code block} at the
     * first update of each step, to compute the step's global norm (DJL's Trainer has no start-of-step
     * hook). Call once, after the trainer is initialised.
     */
    public synchronized void bind(ai.djl.nn.Block block) {
        clip.bind(Objects.requireNonNull(block, "block"));
    }

    /**
     * With {@code optMaxGradNorm} and no bound block: the gradients of the step about to run (name,
     * gradient), before its first update. The norm is refused, before any update, if non-finite.
     */
    public synchronized void beginStep(java.util.List<ai.djl.util.Pair<String, NDArray>> gradients) {
        clip.begin(gradients);
    }

    /** The last step's global gradient norm before clipping; NaN without {@code optMaxGradNorm}. */
    public synchronized double lastGradNorm() {
        return clip.lastNorm();
    }

    /** {@inheritDoc} */
    @Override
    public synchronized void update(String parameterId, NDArray weight, NDArray grad) {
        if (closed) {
            throw new IllegalStateException(rule.name() + " optimizer is closed; cannot update parameter '"
                    + parameterId + "'");
        }
        Objects.requireNonNull(parameterId, "parameterId");
        Objects.requireNonNull(weight, () -> "weight of parameter '" + parameterId + "' is null");
        Objects.requireNonNull(grad, () -> "gradient of parameter '" + parameterId + "' is null");
        Shape shape = weight.getShape();
        if (!shape.equals(grad.getShape())) {
            throw new IllegalArgumentException("gradient of parameter '" + parameterId + "' has shape "
                    + grad.getShape() + ", its weight has shape " + shape);
        }
        // DJL's global update number: only for the learning-rate tracker (a schedule's position).
        int globalCount = updateCount(parameterId);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Slot slot = slot(parameterId, weight, shape);
            long t = slot.steps + 1;
            Rule stepRule = stepRule(parameterId, slot.adapt, globalCount);
            float clipScale = clip.scaleFor(parameterId);
            if (slot.host) {
                // The clip factor is read into g by the core; the gradient is not modified.
                slot.hostRatio = hostStep.apply(parameterId, stepRule, t, weight, grad, rescaleGrad, clipGrad,
                        clipScale, slot.hostM, slot.hostV);
            } else {
                deviceStep(slot, org.pamadam.optim.StepConstants.of(stepRule, t), weight, grad, clipScale,
                        stepRule.maxRatio());
            }
            zeroGradient(weight);
            slot.steps = t;
        }
    }

    /** The NDArray path: the rule as engine ops on the parameter's device ({@link NdStep}). */
    private void deviceStep(Slot slot, org.pamadam.optim.StepConstants constants, NDArray weight, NDArray grad,
                            float clipScale, double maxRatio) {
        NDArray g = grad;
        if (clipScale != 1f) {
            g = g.mul(clipScale); // before rescale and element clipping, as the host path's kernel read
        }
        if (rescaleGrad != 1f) {
            g = g.mul(rescaleGrad);
        }
        if (clipGrad > 0f) {
            g = g.clip(-clipGrad, clipGrad);
        }
        NDArray ratio = NdStep.apply(constants, weight, g, slot.m, slot.v, maxRatio);
        if (slot.ratio != null) {
            slot.ratio.close();
            slot.ratio = null;
        }
        if (ratio != null) {
            NDScope.unregister(ratio);
            ratio.attach(stateManager);
            slot.ratio = ratio;
        }
    }

    private Slot slot(String parameterId, NDArray weight, Shape shape) {
        Map<Device, Slot> perDevice = slots.get(parameterId);
        Device device = weight.getDevice();
        Slot slot = perDevice == null ? null : perDevice.get(device);
        if (slot != null) {
            if (!slot.shape.equals(shape)) {
                throw new IllegalArgumentException("parameter '" + parameterId + "' has shape " + shape
                        + " but had shape " + slot.shape + " when this optimizer first updated it");
            }
            return slot;
        }
        boolean adapt = rule.adapt() && !plainStepFor(parameterId, weight.getName());
        boolean host = hostKernel && HostStep.eligible(weight);
        slot = new Slot(shape, adapt, host, firstCount);
        if (host) {
            int n = Math.toIntExact(weight.size());
            slot.hostM = new float[n];
            slot.hostV = rule.moments() == Moments.ADAM ? new float[n] : null;
        } else {
            if (stateManager == null) {
                stateManager = weight.getManager().getEngine().newBaseManager();
                stateManager.setName(rule.name() + " optimizer state");
            }
            // Created inside the caller's scope: unregister so the scope does not close the state.
            slot.m = weight.zerosLike();
            NDScope.unregister(slot.m);
            slot.m.attach(stateManager);
            if (rule.moments() == Moments.ADAM) {
                slot.v = weight.zerosLike();
                NDScope.unregister(slot.v);
                slot.v.attach(stateManager);
            }
        }
        OptimizerState.Tensor saved = pending.remove(parameterId);
        if (saved != null) {
            restore(slot, parameterId, saved);
        }
        // Registered only once fully created, so telemetry never sees a half-made slot.
        slots.computeIfAbsent(parameterId, k -> new LinkedHashMap<>()).put(device, slot);
        return slot;
    }

    private boolean plainStepFor(String parameterId, String name) {
        return plainStep != null && (plainStep.matcher(parameterId).matches()
                || (name != null && plainStep.matcher(name).matches()));
    }

    /** This step's rule: the parameter's flavour (adapt or plain) at the tracker's learning rate. */
    private Rule stepRule(String parameterId, boolean adapt, int globalCount) {
        Rule base = adapt ? adaptRule : plainRule;
        if (learningRateTracker == null) {
            return base;
        }
        float value = learningRateTracker.getNewValue(parameterId, globalCount);
        double lr = decimal(value);
        if (lr == base.lr()) {
            return base;
        }
        Rule r;
        try {
            r = base.toBuilder().lr(lr).build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("learning-rate tracker gave " + value + " for parameter '"
                    + parameterId + "' at update " + globalCount + ": " + e.getMessage(), e);
        }
        if (adapt) {
            adaptRule = r;
        } else {
            plainRule = r;
        }
        return r;
    }

    /**
     * Zeroes the weight's accumulated gradient. Engines that accumulate (PyTorch) would otherwise add
     * the next batch's gradient to this one. {@code x -= x} in place keeps it engine-neutral; the
     * temporary handle is closed by the enclosing scope.
     */
    private static void zeroGradient(NDArray weight) {
        if (weight.hasGradient()) {
            NDArray accumulated = weight.getGradient();
            accumulated.subi(accumulated);
        }
    }

    // ---- checkpoints ----

    /**
     * A copy of the optimizer state for a checkpoint (one group with this optimizer's rule; per
     * parameter id its own step count, last ratio and moments), in the core's format so that
     * {@link org.pamadam.state.Checkpoint#encode} can write it. Reads moments back from the device.
     */
    public synchronized OptimizerState state() {
        List<OptimizerState.Tensor> tensors = new ArrayList<>();
        for (Map.Entry<String, Map<Device, Slot>> e : slots.entrySet()) {
            Slot slot = e.getValue().values().iterator().next();
            long[] dims = slot.shape.getShape();
            int[] shape = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shape[i] = Math.toIntExact(dims[i]);
            }
            float[] m = slot.host ? slot.hostM.clone() : slot.m.toFloatArray();
            float[] v = slot.host ? (slot.hostV == null ? null : slot.hostV.clone())
                    : (slot.v == null ? null : slot.v.toFloatArray());
            tensors.add(new OptimizerState.Tensor(e.getKey(), shape, slot.steps, ratioOf(slot), m, v));
        }
        for (OptimizerState.Tensor t : pending.values()) {
            tensors.add(t); // loaded but not yet used: keep it
        }
        return new OptimizerState(List.of(new OptimizerState.Group(rule, tensors)), 0);
    }

    /**
     * Loads a state taken with {@link #state()} before any update of this optimizer. Each parameter's
     * moments and step count are applied when it is first updated (its shape is checked then).
     *
     * @throws IllegalArgumentException when the state is of another rule kind or this optimizer has
     *     already updated parameters
     */
    public synchronized void load(OptimizerState state) {
        if (closed) {
            throw new IllegalStateException(rule.name() + " optimizer is closed");
        }
        if (!slots.isEmpty()) {
            throw new IllegalArgumentException("load the optimizer state before the first update");
        }
        if (state.groups().size() != 1) {
            throw new IllegalArgumentException("expected one param group, the state has " + state.groups().size());
        }
        OptimizerState.Group group = state.groups().get(0);
        Rule saved = group.rule();
        if (saved.moments() != rule.moments() || saved.ratio() != rule.ratio() || saved.decay() != rule.decay()) {
            throw new IllegalArgumentException("the state is for " + saved.name() + ", this optimizer is " + rule.name());
        }
        Map<String, OptimizerState.Tensor> byId = new LinkedHashMap<>();
        for (OptimizerState.Tensor t : group.tensors()) {
            if ((rule.moments() == Moments.ADAM) != (t.v() != null)) {
                throw new IllegalArgumentException("parameter '" + t.name() + "': second moment missing or unexpected");
            }
            byId.put(t.name(), t);
        }
        pending.clear();
        pending.putAll(byId);
    }

    private void restore(Slot slot, String parameterId, OptimizerState.Tensor saved) {
        long[] dims = slot.shape.getShape();
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = Math.toIntExact(dims[i]);
        }
        if (!java.util.Arrays.equals(shape, saved.shape())) {
            throw new IllegalArgumentException("parameter '" + parameterId + "': checkpoint shape "
                    + java.util.Arrays.toString(saved.shape()) + ", weight shape " + slot.shape);
        }
        if (slot.host) {
            System.arraycopy(saved.m(), 0, slot.hostM, 0, slot.hostM.length);
            if (slot.hostV != null) {
                System.arraycopy(saved.v(), 0, slot.hostV, 0, slot.hostV.length);
            }
            slot.hostRatio = saved.lastRatio();
        } else {
            slot.m.set(saved.m());
            if (slot.v != null) {
                slot.v.set(saved.v());
            }
        }
        slot.steps = saved.step();
    }

    // ---- telemetry (reads back from the device: not for the hot path) ----

    /**
     * The trust ratio each parameter used in its last update, by parameter id in first-update order:
     * 1 for a rule without a ratio (or a plain-step parameter). Reading it synchronises with the
     * device.
     */
    public synchronized Map<String, Double> lastRatios() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, Map<Device, Slot>> e : slots.entrySet()) {
            out.put(e.getKey(), ratioOf(e.getValue().values().iterator().next()));
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * {@link #lastRatios()} keyed by the block's parameter paths (as {@code block.getParameters()}
     * names them, e.g. {@code "01Linear_weight"}), for the parameters this optimizer has updated.
     */
    public synchronized Map<String, Double> lastRatios(Block block) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            Map<Device, Slot> perDevice = slots.get(p.getValue().getId());
            if (perDevice != null) {
                out.put(p.getKey(), ratioOf(perDevice.values().iterator().next()));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * The trust ratio this parameter used in its last update (1 when the rule has none).
     *
     * @throws IllegalArgumentException when this optimizer has not updated the parameter
     */
    public synchronized double lastRatio(String parameterId) {
        return ratioOf(first(parameterId));
    }

    /**
     * This parameter's own step count (the updates it took part in, on its first device), which the
     * bias correction uses.
     *
     * @throws IllegalArgumentException when this optimizer has not updated the parameter
     */
    public synchronized long stepCount(String parameterId) {
        return first(parameterId).steps;
    }

    /** Whether this parameter takes the rule's trust ratio (false: plain step, ratio 1). */
    public synchronized boolean adapts(String parameterId) {
        return first(parameterId).adapt && rule.effectiveRatio() != org.pamadam.rule.TrustRatio.NONE;
    }

    /**
     * Whether this parameter is updated by the core's fused kernel on the tensor's memory (PyTorch
     * CPU float32, see {@link BaseBuilder#optHostKernel}) rather than by NDArray operations.
     */
    public synchronized boolean usesHostKernel(String parameterId) {
        return first(parameterId).host;
    }

    /** The core kernel the CPU fast path uses, e.g. "vector-256". */
    public String hostKernelName() {
        return hostStep.kernelName();
    }

    /** NDArrays of optimizer state now held (moments and last ratios); 0 after {@link #close()}. */
    public synchronized int stateArrayCount() {
        return stateManager == null ? 0 : stateManager.getManagedArrays().size();
    }

    private Slot first(String parameterId) {
        Map<Device, Slot> perDevice = slots.get(parameterId);
        if (perDevice == null) {
            throw new IllegalArgumentException(closed
                    ? rule.name() + " optimizer is closed; its state is gone"
                    : "parameter '" + parameterId + "' has not been updated by this " + rule.name()
                            + " optimizer (updated: " + slots.size() + " parameters)");
        }
        return perDevice.values().iterator().next();
    }

    private double ratioOf(Slot slot) {
        if (slot.host) {
            return slot.steps > firstCount ? slot.hostRatio : Double.NaN;
        }
        if (slot.ratio == null) {
            return slot.steps > firstCount ? 1.0 : Double.NaN;
        }
        return slot.ratio.toArray()[0].doubleValue();
    }

    /** Frees the optimizer state (moments, ratios). Idempotent; the optimizer cannot update afterwards. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        slots.clear();
        if (stateManager != null) {
            stateManager.close();
            stateManager = null;
        }
    }

    /** Whether {@link #close()} has been called. */
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + rule;
    }

    /**
     * The shortest decimal reading of a float ({@code 0.9f} is 0.9, not 0.8999999761581421), so a
     * DJL-style float hyperparameter means what the user wrote, as the same number in PyTorch does.
     */
    static double decimal(float value) {
        return Float.isFinite(value) ? Double.parseDouble(Float.toString(value)) : value;
    }

    /**
     * The DJL-style builder shared by every rule optimizer. Setters only record; {@code build()}
     * builds the core {@link Rule}, which validates.
     *
     * @param <T> the concrete builder
     */
    public abstract static class BaseBuilder<T extends BaseBuilder<T>> extends OptimizerBuilder<T> {
        private final Rule.Builder ruleBuilder;
        private ParameterTracker learningRateTracker;
        private Pattern plainStep;
        private Double beta2;
        private float rescale = 1f;
        private float clip = -1f;
        private int beginNumUpdate;
        private boolean hostKernel = true;
        private double maxGradNorm = Double.POSITIVE_INFINITY;

        /** A builder starting from a preset (e.g. {@code Rule.pamAdam()}), which it then owns. */
        protected BaseBuilder(Rule.Builder preset) {
            this.ruleBuilder = Objects.requireNonNull(preset, "preset");
        }

        /** A fixed learning rate (default: the preset's, 1e-3 for the Adam family). */
        public T optLearningRate(float learningRate) {
            ruleBuilder.lr(decimal(learningRate));
            learningRateTracker = null;
            return self();
        }

        /**
         * A learning-rate schedule, asked for each update with DJL's global update number (the
         * number of training steps so far), e.g. {@code Tracker.warmUp()} or {@code Tracker.cosine()}.
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
         * each gradient times {@code min(1, maxGradNorm / (norm + 1e-6))}). Needs {@link #bind} or
         * {@link #beginStep} (see there). Default: off.
         */
        public T optMaxGradNorm(float maxGradNorm) {
            if (!(maxGradNorm > 0f) || !Float.isFinite(maxGradNorm)) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "optMaxGradNorm: must be a finite number > 0, got %s", maxGradNorm));
            }
            this.maxGradNorm = decimal(maxGradNorm);
            return self();
        }

        /** false: every parameter takes a plain step (ratio 1), i.e. the rule without its trust ratio. */
        public T optAdapt(boolean adapt) {
            ruleBuilder.adapt(adapt);
            return self();
        }

        /**
         * Parameters whose name (the block's local name: {@code weight}, {@code bias}, {@code gamma},
         * {@code beta}, ...) or id fully matches {@code regex} take a plain step (ratio 1), the usual
         * choice for biases and norm layers, e.g. {@code optPlainStep("bias|gamma|beta")}. Decided at
         * a parameter's first update.
         *
         * @throws IllegalArgumentException for an invalid regular expression
         */
        public T optPlainStep(String regex) {
            Objects.requireNonNull(regex, "regex");
            try {
                this.plainStep = Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("optPlainStep: '" + regex + "' is not a valid regular expression: "
                        + e.getDescription(), e);
            }
            return self();
        }

        /**
         * true (default): where a parameter is a float32 CPU tensor of DJL's PyTorch engine, update it
         * with the core's fused kernel (p and g copied from the tensor's memory, moments on the Java heap).
         * false: NDArray operations everywhere.
         * Other engines, devices and types always use NDArray operations. Decided at a parameter's
         * first update.
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
    }

    /** Builds a {@link RuleOptimizer} for any rule (see {@link #forRule} and {@link #named}). */
    public static final class Builder extends BaseBuilder<Builder> {
        Builder(Rule.Builder preset) {
            super(preset);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Builds the optimizer.
         *
         * @throws IllegalArgumentException for an invalid hyperparameter
         */
        public RuleOptimizer build() {
            return new RuleOptimizer(this);
        }
    }
}
