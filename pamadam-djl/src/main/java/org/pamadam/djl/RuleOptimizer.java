package org.pamadam.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.pamadam.optim.OptimizerState;
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
 * <p><b>Accumulation</b> ({@link RuleOptimizerBuilder#optAccumulate}, with a bound block): k
 * {@code Trainer.step()} calls make one optimizer step on the mean of the k gradients, which the
 * engine sums in the weights' own gradients meanwhile; {@link #flush()} steps a partial window.
 *
 * <p><b>Several devices.</b> DJL's parameter server calls {@code update} once per device with the
 * same summed gradient. Each (parameter, device) pair has its own state, and a step starts only
 * where a pair comes again, so the devices' updates of one parameter belong to one step and its
 * global norm and factor are computed once (tested with a faked second device). Two CPU devices
 * cannot be had: DJL's PyTorch engine maps every CPU device id to the one CPU, and DJL's
 * {@code Device.equals} takes any two CPU devices for the same one, so on the CPU (the host path's
 * only device) there is one device and one state per parameter. On several GPUs with a bound block, the norm is measured at the step's
 * first update, before DJL has summed the later parameters' gradients across devices: with
 * {@code optMaxGradNorm} there, declare each step with {@link #beginStep} and the summed gradients.
 *
 * <p>Gradients are multiplied by {@code rescaleGrad}, then clipped to {@code [-clipGrad, clipGrad]}
 * when {@code clipGrad > 0} (as DJL's built-ins do), then multiplied by the global-norm factor of
 * {@code optMaxGradNorm}, on both paths. Bias correction uses each parameter's own step count.
 * Messages name parameters by their path in the bound block (e.g. {@code 02Linear_weight}), else by
 * the id {@code update} was given.
 *
 * <p>After warm-up a bound step allocates nothing on the Java heap inside {@code update}, and nor
 * does a declared step whose gradient arrays are the same as one of the last two steps' (the
 * caller's +g/-g in turn, say). DJL's parameter server still allocates around the calls: a copy
 * of each gradient and a new NDArray handle per parameter per step.
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
    private final StateStore store;
    private final StepDriver driver;
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
        this.store = new StateStore(rule, builder.beginNumUpdate(), builder.hostKernel(), builder.plainStep());
        this.driver = new StepDriver(builder, rule, store, rescaleGrad, clipGrad);
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
        checkOpen("bind a block");
        driver.bind(block);
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
        driver.beginStep(gradients);
    }

    /**
     * Runs the bound block's step now, as {@code trainer.step()} would on one device, without DJL's
     * parameter store: that copies every gradient and makes an NDArray per parameter before its
     * {@code update} calls, and the host path reads the weights' own gradients instead. A training
     * loop on one device may call this in place of {@code trainer.step()} (the two may be mixed);
     * with several devices, use {@code trainer.step()}, which keeps the devices' copies in step.
     *
     * @throws IllegalStateException when no block is bound
     */
    public synchronized void step() {
        checkOpen("step");
        driver.step();
    }

    /**
     * With {@code optAccumulate}: steps with the micro-batches collected so far (their mean), e.g. at
     * the end of an epoch whose batch count k does not divide. Returns false (nothing done) when the
     * window is empty.
     */
    public synchronized boolean flush() {
        checkOpen("flush");
        return driver.flush();
    }

    /** The last step's global gradient norm before clipping; NaN without {@code optMaxGradNorm}. */
    public synchronized double lastGradNorm() {
        return driver.lastGradNorm();
    }

    /** {@inheritDoc} */
    @Override
    public synchronized void update(String parameterId, NDArray weight, NDArray grad) {
        if (closed) {
            checkOpen("update parameter '" + parameterId + "'");
        }
        // Null and shape checks are the driver's (it skips reading the gradient's shape from the engine
        // where the gradient is read from the weight itself). DJL's global update number: the
        // tracker's position for per-tensor steps.
        driver.update(parameterId, weight, grad, driver.perTensor() ? updateCount(parameterId) : 0);
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
        return store.save(driver.maxGradNorm(), driver.taken());
    }

    /**
     * Loads a state taken with {@link #state()}, before this optimizer's first update. Everything is
     * checked first (rule kind, moments, finite values, and each shape against the bound block's
     * parameter); a refused load throws {@link IllegalArgumentException} and changes nothing.
     */
    public synchronized void load(OptimizerState state) {
        checkOpen("load a state");
        if (driver.hasSteps()) {
            throw new IllegalArgumentException("load the optimizer state before the first update");
        }
        store.load(state, driver.boundShapes());
        // The saved recipe replaces the live one, as the core's load does.
        driver.restored(state.maxGradNorm(), state.steps());
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
        return driver.taken();
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
                    : "parameter '" + driver.nameOf(parameterId) + "' has not been updated by this " + rule.name()
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
        driver.close();
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
