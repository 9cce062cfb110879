package org.pamadam.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.pamadam.optim.OptimizerState;
import org.pamadam.optim.Param;
import org.pamadam.optim.StepConstants;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.rule.TrustRatio;

/**
 * A DJL {@link Optimizer} that runs one core {@link Rule} (PAMAdam, LAMB, Adam, AdamW, SGD or any
 * other rule). {@link PamAdam}, {@link Lamb}, {@link Adam} and {@link AdamW} are this class with a
 * preset; {@link #forRule(Rule)} builds one for any rule. The maths is the core's.
 *
 * <p><b>Host path</b> (default, {@link RuleOptimizerBuilder#optHostKernel}): contiguous float32 CPU
 * tensors of DJL's PyTorch engine are updated in place by the core {@code org.pamadam.optim.Optimizer},
 * reading and writing the tensors' own memory, with m and v off-heap. How a step is run depends on
 * what the optimizer knows of it:
 * <ul>
 *   <li>{@link #bind(Block)} (what a training loop should do, once after {@code trainer.initialize}):
 *       at the first {@code update} of each {@code Trainer.step()} the core steps every parameter of
 *       the block at once, reading each weight's own gradient; the remaining {@code update} calls of
 *       that step do nothing more. The core then gives global-norm clipping, threads, and
 *       all-or-nothing refusal: a non-finite gradient anywhere leaves every weight and moment as it
 *       was.</li>
 *   <li>{@link #beginStep(List)} before the {@code update} calls of a step (callers outside a
 *       Trainer): the core steps every declared parameter at once at the last of those calls.</li>
 *   <li>Neither: each {@code update} steps its tensor alone (the core's single-tensor step), so a
 *       non-finite gradient is refused for that parameter only, after earlier parameters of the
 *       same {@code Trainer.step()} were updated; global-norm clipping and accumulation then refuse
 *       to run.</li>
 * </ul>
 * After a step (taken or refused) the weights' gradients hold exact zeros, as DJL's PyTorch
 * optimizers leave them, so the next backward pass starts fresh.
 *
 * <p><b>NDArray path</b>: other engines, devices and types run the rule as engine operations on the
 * tensor's device ({@code NdStep}), with no host synchronisation: a non-finite gradient skips that
 * tensor's update on the device and is counted ({@link #skippedUpdates}); the others are updated.
 *
 * <p>Gradients are multiplied by {@code rescaleGrad}, then clipped to {@code [-clipGrad, clipGrad]}
 * when {@code clipGrad > 0} (as DJL's built-ins do), then multiplied by the global-norm factor of
 * {@code optMaxGradNorm}, on both paths. Bias correction uses each parameter's own step count.
 * Messages name parameters by their path in the bound block (e.g. {@code 02Linear_weight}), else by
 * the id {@code update} was given.
 *
 * <p>Close the optimizer when training ends (after the trainer) to free its state:
 * <pre>{@code
 * try (PamAdam optimizer = PamAdam.builder().build();
 *      Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss).optOptimizer(optimizer))) {
 *     trainer.initialize(inputShape);
 *     optimizer.bind(model.getBlock());
 *     ...
 * }
 * }</pre>
 */
public class RuleOptimizer extends Optimizer implements AutoCloseable {

    private final Rule rule;
    private final Pattern plainStep;
    private final long firstCount;
    private final boolean hostKernel;
    private final int accumulate;
    private final int threads;
    private final StepRules rules;
    private final StateStore store;
    private double maxGradNorm;
    private GlobalNormClip clip;
    /** The core over every host parameter of a bound block or declared step. */
    private HostStep shared;
    private Block bound;
    /** Parameter id to its path in the bound block. */
    private final Map<String, String> pathOf = new LinkedHashMap<>();
    /** Declared by beginStep: id to gradient, and the weights received so far this step. */
    private Map<String, NDArray> declared;
    private final Map<String, NDArray> arrived = new LinkedHashMap<>();
    /** Step detection: the step in progress (1-based; 0 before any). */
    private long stepNumber;
    /** Micro-batches in the accumulation window so far; the window's size when it ends. */
    private int microBatches;
    private int windowSize = 1;
    /** Whether the step in progress ends an accumulation window (then it updates). */
    private boolean windowEnds = true;
    /** Optimizer steps taken; the 0-based index of the step in progress (the tracker's position). */
    private long taken;
    private long stepIndex;
    private boolean closed;

    /**
     * Creates the optimizer from a builder; the builder's {@link Rule} is built (and so validated)
     * here.
     *
     * @throws IllegalArgumentException for an invalid hyperparameter, naming it, its value and what
     *     was expected
     */
    protected RuleOptimizer(RuleOptimizerBuilder<?> builder) {
        super(builder);
        this.rule = builder.buildRule();
        this.plainStep = builder.plainStep();
        this.firstCount = builder.beginNumUpdate();
        this.hostKernel = builder.hostKernel();
        this.accumulate = builder.accumulate();
        this.threads = builder.threads();
        this.maxGradNorm = builder.maxGradNorm();
        this.clip = new GlobalNormClip(maxGradNorm);
        this.rules = new StepRules(rule, builder.learningRateTracker(), firstCount);
        this.store = new StateStore(rule, firstCount);
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
     * Binds the model's block: from now on each {@code Trainer.step()} is one step of the core over
     * every parameter of the block (see the class description), parameters are named by their path,
     * and global-norm clipping and accumulation can run. Call once, after {@code trainer.initialize},
     * before the first update.
     *
     * @throws IllegalStateException after updates without a binding
     */
    public synchronized void bind(Block block) {
        Objects.requireNonNull(block, "block");
        checkOpen("bind a block");
        if (bound != block && stepNumber > 0) {
            throw new IllegalStateException("bind(block) must come before the first update (this optimizer has"
                    + " already run " + stepNumber + " steps unbound)");
        }
        bound = block;
        pathOf.clear();
        for (Pair<String, Parameter> p : block.getParameters()) {
            pathOf.put(p.getValue().getId(), p.getKey());
        }
    }

    /**
     * Declares the gradients (parameter id, gradient) of the step about to run, for a caller that is
     * not a bound {@code Trainer}: the host path then steps them all at once at the last of the
     * step's {@code update} calls (all or nothing, clipped by the global norm), and the NDArray
     * path clips with their global norm. The arrays stay the caller's: they are read, never
     * written. A non-finite global norm on the NDArray path is refused here, before any update.
     *
     * @throws IllegalStateException when the previous declared step did not receive all its updates
     */
    public synchronized void beginStep(List<Pair<String, NDArray>> gradients) {
        checkOpen("begin a step");
        if (bound != null) {
            throw new IllegalStateException("beginStep: this optimizer is bound to a block, whose gradients it reads");
        }
        if (declared != null && !arrived.keySet().containsAll(declared.keySet())) {
            List<String> missing = new ArrayList<>(declared.keySet());
            missing.removeAll(arrived.keySet());
            throw new IllegalStateException("the step declared before got no update for " + names(missing));
        }
        Map<String, NDArray> step = new LinkedHashMap<>();
        List<Pair<String, NDArray>> nd = new ArrayList<>();
        for (Pair<String, NDArray> g : gradients) {
            step.put(g.getKey(), g.getValue());
            if (!(hostKernel && TensorMemory.viewable(g.getValue()))) {
                nd.add(new Pair<>(nameOf(g.getKey()), g.getValue()));
            }
        }
        if (clip.active()) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                clip.begin(nd, 1f, rescaleGrad, clipGrad);
            }
        }
        declared = step;
        arrived.clear();
        stepNumber++;
        stepIndex = taken;
    }

    /**
     * With {@code optAccumulate}: steps with the micro-batches collected so far (their mean), e.g. at
     * the end of an epoch whose batch count k does not divide. Returns false (nothing done) when the
     * window is empty.
     */
    public synchronized boolean flush() {
        checkOpen("flush");
        if (bound == null || microBatches == 0) {
            return false;
        }
        windowSize = microBatches;
        microBatches = 0;
        stepIndex = taken;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (ParamState s : stepWindow()) {
                if (!s.host) {
                    ndStep(s, s.weight, s.weight.getGradient(), rules.forStep(s.adapt, stepIndex));
                }
            }
        }
        windowEnds = true;
        return true;
    }

    /** The last step's global gradient norm before clipping; NaN without {@code optMaxGradNorm}. */
    public synchronized double lastGradNorm() {
        double host = shared == null ? Double.NaN : shared.lastGradNorm();
        return Double.isNaN(host) ? clip.lastNorm() : host;
    }

    /** {@inheritDoc} */
    @Override
    public synchronized void update(String parameterId, NDArray weight, NDArray grad) {
        checkOpen("update parameter '" + parameterId + "'");
        Objects.requireNonNull(parameterId, "parameterId");
        Objects.requireNonNull(weight, () -> "weight of parameter '" + parameterId + "' is null");
        Objects.requireNonNull(grad, () -> "gradient of parameter '" + parameterId + "' is null");
        Shape shape = weight.getShape();
        if (!shape.equals(grad.getShape())) {
            throw new IllegalArgumentException("gradient of parameter '" + nameOf(parameterId) + "' has shape "
                    + grad.getShape() + ", its weight has shape " + shape);
        }
        // DJL's global update number: the tracker's position for per-tensor steps.
        int updateNumber = updateCount(parameterId);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            ParamState s = state(parameterId, weight);
            // A step starts at the first update, and where a parameter (on this device) comes again.
            boolean first = stepNumber == 0 || s.stamp == stepNumber;
            if (bound != null) {
                if (first) {
                    stepNumber++;
                    s.stamp = stepNumber; // before the step runs: a refused step is still this step
                    startBoundStep();
                }
                s.stamp = stepNumber;
                if (windowEnds && !s.host) {
                    ndStep(s, weight, grad, rules.forStep(s.adapt, stepIndex));
                }
            } else if (declared != null) {
                s.stamp = stepNumber;
                declaredUpdate(s, parameterId, weight, grad);
            } else {
                requireStepKnown();
                if (first) {
                    stepNumber++;
                    stepIndex = taken++;
                }
                s.stamp = stepNumber;
                Rule stepRule = rules.forUpdate(s.adapt, parameterId, s.name, updateNumber);
                if (s.host) {
                    tensorStep(s, weight, grad, stepRule.lr());
                } else {
                    ndStep(s, weight, grad, stepRule);
                }
            }
        }
    }

    // ---- bound block: one core step per Trainer.step ----

    /** The first update of a Trainer.step: ends a micro-batch; at a window's end steps every host tensor. */
    private void startBoundStep() {
        stepIndex = taken;
        microBatches++;
        windowEnds = microBatches == accumulate;
        if (!windowEnds) {
            return; // the engine sums this micro-batch's gradients into the weights' own
        }
        windowSize = microBatches;
        microBatches = 0;
        stepWindow();
    }

    /**
     * Ends an accumulation window of {@link #windowSize} micro-batches: measures the NDArray path's
     * global norm, then steps every host tensor at once; returns the states of the block.
     */
    private List<ParamState> stepWindow() {
        List<ParamState> all = new ArrayList<>();
        List<ParamState> host = new ArrayList<>();
        List<Pair<String, NDArray>> ndGrads = new ArrayList<>();
        for (Pair<String, Parameter> p : bound.getParameters()) {
            Parameter param = p.getValue();
            NDArray w = param.isInitialized() ? param.getArray() : null;
            if (w == null || !param.requiresGradient() || !w.hasGradient()) {
                continue;
            }
            ParamState s = state(param.getId(), w);
            all.add(s);
            if (s.host) {
                HostStep.bindOwnGradient(s, w);
                host.add(s);
            } else {
                s.weight = w;
                ndGrads.add(new Pair<>(s.name, w.getGradient()));
            }
        }
        if (clip.active() && !host.isEmpty() && !ndGrads.isEmpty()) {
            throw new IllegalStateException("optMaxGradNorm: the block has parameters on both paths (host: "
                    + host.get(0).name + ", NDArray ops: " + ndGrads.get(0).getKey() + "); one global norm needs"
                    + " one path: use optHostKernel(false)");
        }
        if (clip.active() && !ndGrads.isEmpty()) {
            clip.begin(ndGrads, windowSize, rescaleGrad, clipGrad);
        }
        if (!host.isEmpty()) {
            sharedStep().step(host, true, windowSize, rules.lr(stepIndex), store.pending());
        }
        taken++;
        return all;
    }

    private HostStep sharedStep() {
        if (shared == null) {
            shared = new HostStep(rule, maxGradNorm, threads, firstCount, rescaleGrad, clipGrad);
        }
        return shared;
    }

    // ---- declared steps (beginStep) ----

    private void declaredUpdate(ParamState s, String id, NDArray weight, NDArray grad) {
        if (!declared.containsKey(id)) {
            throw new IllegalArgumentException("parameter '" + s.name + "' was not declared by beginStep for this step");
        }
        arrived.put(id, weight);
        if (!s.host) {
            ndStep(s, weight, grad, rules.forStep(s.adapt, stepIndex));
        }
        if (!arrived.keySet().containsAll(declared.keySet())) {
            return;
        }
        List<ParamState> host = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : declared.entrySet()) {
            ParamState h = store.get(e.getKey(), arrived.get(e.getKey()).getDevice());
            if (h.host) {
                HostStep.give(h, e.getValue());
                host.add(h);
            }
        }
        declared = null;
        arrived.clear();
        if (!host.isEmpty()) {
            sharedStep().step(host, false, 1f, rules.lr(stepIndex), store.pending());
        }
        taken++;
    }

    // ---- per-tensor steps (no binding) ----

    private void requireStepKnown() {
        if (clip.active()) {
            throw new IllegalStateException("optMaxGradNorm: the global norm needs every gradient of the step;"
                    + " call bind(block) once, or beginStep(gradients) before every step");
        }
        if (accumulate > 1) {
            throw new IllegalStateException("optAccumulate(" + accumulate + "): accumulation needs the step's"
                    + " boundaries; call bind(block) once after trainer.initialize");
        }
    }

    /** The host path for one tensor alone: its own core optimizer, refusal for this tensor only. */
    private void tensorStep(ParamState s, NDArray weight, NDArray grad, double lr) {
        if (s.solo == null) {
            s.solo = new HostStep(rule, Double.POSITIVE_INFINITY, 1, firstCount, rescaleGrad, clipGrad);
        }
        HostStep.give(s, grad.getDataType() == DataType.FLOAT32 ? grad : grad.toType(DataType.FLOAT32, false));
        s.solo.step(List.of(s), false, 1f, lr, store.pending());
    }

    // ---- the NDArray path ----

    private void ndStep(ParamState s, NDArray weight, NDArray grad, Rule stepRule) {
        NDArray g = grad;
        float divisor = bound != null ? windowSize : 1f;
        if (divisor != 1f) {
            g = g.div(divisor);
        }
        if (rescaleGrad != 1f) {
            g = g.mul(rescaleGrad);
        }
        if (clipGrad > 0f) {
            g = g.clip(-clipGrad, clipGrad);
        }
        float factor = clip.scale();
        if (factor != 1f) {
            g = g.mul(factor); // last, as the core reads g * factor
        }
        NdStep.apply(StepConstants.of(stepRule, s.steps + 1), weight, g, s, stepRule.maxRatio());
        s.steps++;
        HostStep.zeroOwnGradient(weight);
    }

    // ---- per-parameter state ----

    /** This parameter's state on the weight's device, created at its first update. */
    private ParamState state(String parameterId, NDArray weight) {
        ParamState s = store.get(parameterId, weight.getDevice());
        if (s != null) {
            if (!s.shape.equals(weight.getShape())) {
                throw new IllegalArgumentException("parameter '" + s.name + "' has shape " + weight.getShape()
                        + " but had shape " + s.shape + " when this optimizer first updated it");
            }
            if (s.host && s.weight != weight) {
                rebind(s, weight);
            }
            s.weight = weight;
            return s;
        }
        String name = nameOf(parameterId);
        boolean adapt = rule.adapt() && !plainStepFor(parameterId, name, weight.getName());
        boolean host = hostKernel && TensorMemory.viewable(weight);
        s = new ParamState(parameterId, name, weight.getDevice(), weight.getShape(), adapt, host, firstCount);
        if (host) {
            s.weight = weight;
            s.param = Param.ofBuffer(name, s.dims(), TensorMemory.view(weight), 0);
        } else {
            store.createNdState(s, weight);
        }
        store.add(s);
        return s;
    }

    /** A new array for a host parameter (the framework reallocated it): view its memory, keep the state. */
    private void rebind(ParamState s, NDArray weight) {
        if (!TensorMemory.viewable(weight)) {
            throw new IllegalArgumentException("parameter '" + s.name + "' was a viewable float32 CPU tensor and"
                    + " now is not (" + weight.getDevice() + ", " + weight.getDataType() + "): its state cannot follow it");
        }
        s.param.rebind(TensorMemory.view(weight), 0);
        s.weight = weight;
        if (s.ownGrad != null) {
            s.ownGrad.close();
            s.ownGrad = null;
            s.ownGradView = null;
        }
    }

    private boolean plainStepFor(String parameterId, String path, String name) {
        return plainStep != null && (plainStep.matcher(parameterId).matches() || plainStep.matcher(path).matches()
                || (name != null && plainStep.matcher(name).matches()));
    }

    /** The parameter's path in the bound block, else its id. */
    private String nameOf(String parameterId) {
        String path = pathOf.get(parameterId);
        return path == null ? parameterId : path;
    }

    private String names(List<String> ids) {
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            out.add("'" + nameOf(id) + "'");
        }
        return String.join(", ", out);
    }

    private void checkOpen(String what) {
        if (closed) {
            throw new IllegalStateException(rule.name() + " optimizer is closed; cannot " + what);
        }
    }

    // ---- checkpoints ----

    /**
     * A copy of the optimizer state for a checkpoint, in the core's format so that
     * {@link org.pamadam.state.Checkpoint#encode} can write it: one group with this optimizer's rule;
     * per parameter id its own step count, last ratio, clamp count and moments; the global-norm
     * bound and the optimizer steps taken. Reads moments back from the device.
     */
    public synchronized OptimizerState state() {
        return store.save(maxGradNorm, taken);
    }

    /**
     * Loads a state taken with {@link #state()}, before this optimizer's first update. Everything is
     * checked first (rule kind, moments, finite values, and each shape against the bound block's
     * parameter); a refused load throws {@link IllegalArgumentException} and changes nothing.
     */
    public synchronized void load(OptimizerState state) {
        checkOpen("load a state");
        if (stepNumber > 0) {
            throw new IllegalArgumentException("load the optimizer state before the first update");
        }
        store.load(state, bound == null ? null : shapesById());
        // The saved recipe replaces the live one, as the core's load does.
        maxGradNorm = state.maxGradNorm();
        clip = new GlobalNormClip(maxGradNorm);
        taken = state.steps();
    }

    private Map<String, Shape> shapesById() {
        Map<String, Shape> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : bound.getParameters()) {
            if (p.getValue().isInitialized()) {
                out.put(p.getValue().getId(), p.getValue().getArray().getShape());
            }
        }
        return out;
    }

    // ---- telemetry (reads back from the device: not for the hot path) ----

    /** The trust ratio each parameter used in its last step, by parameter id in first-update order. */
    public synchronized Map<String, Double> lastRatios() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (ParamState s : store.firstPerId()) {
            out.put(s.id, store.ratio(s));
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
            ParamState s = store.first(p.getValue().getId());
            if (s != null) {
                out.put(p.getKey(), store.ratio(s));
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** The trust ratio this parameter used in its last step (1 when the rule has none), NaN before any. */
    public synchronized double lastRatio(String parameterId) {
        return store.ratio(known(parameterId));
    }

    /** This parameter's own step count (the optimizer steps it took part in): bias correction's t. */
    public synchronized long stepCount(String parameterId) {
        return known(parameterId).stepCount();
    }

    /** Optimizer steps taken (refused ones not counted; with accumulation, windows, not micro-batches). */
    public synchronized long stepCount() {
        return taken;
    }

    /** Steps of this parameter in which the rule's {@code maxRatio} lowered its trust ratio. */
    public synchronized long clampCount(String parameterId) {
        return store.clamps(known(parameterId));
    }

    /** Updates of this parameter skipped on the NDArray path for a non-finite gradient (0 on the host path). */
    public synchronized long skippedUpdates(String parameterId) {
        return store.skips(known(parameterId));
    }

    /** Whether this parameter takes the rule's trust ratio (false: plain step, ratio 1). */
    public synchronized boolean adapts(String parameterId) {
        return known(parameterId).adapt && rule.effectiveRatio() != TrustRatio.NONE;
    }

    /** Whether this parameter is stepped by the core on the tensor's own memory (rather than NDArray ops). */
    public synchronized boolean usesHostKernel(String parameterId) {
        return known(parameterId).host;
    }

    /** The core kernel the host path runs, e.g. "vector-256". */
    public String hostKernelName() {
        return new org.pamadam.optim.TensorStep().kernelName();
    }

    /** NDArrays of optimizer state now held on the NDArray path; 0 after {@link #close()}. */
    public synchronized int stateArrayCount() {
        return store.arrayCount();
    }

    private ParamState known(String parameterId) {
        ParamState s = store.first(parameterId);
        if (s == null) {
            throw new IllegalArgumentException(closed
                    ? rule.name() + " optimizer is closed; its state is gone"
                    : "parameter '" + nameOf(parameterId) + "' has not been updated by this " + rule.name()
                            + " optimizer (updated: " + store.size() + " parameters)");
        }
        return s;
    }

    /** Frees the optimizer state (moments, ratios, off-heap memory). Idempotent; no update afterwards. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (shared != null) {
            shared.close();
        }
        store.close(); // closes the per-tensor cores too
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
     * The builder every rule optimizer's builder extends (kept under this name for source and binary
     * compatibility; the setters are {@link RuleOptimizerBuilder}'s).
     *
     * @param <T> the concrete builder
     */
    public abstract static class BaseBuilder<T extends BaseBuilder<T>> extends RuleOptimizerBuilder<T> {
        /** A builder starting from a preset (e.g. {@code Rule.pamAdam()}), which it then owns. */
        protected BaseBuilder(Rule.Builder preset) {
            super(preset);
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
