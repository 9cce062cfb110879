package org.pamadam.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.pamadam.rule.Rule;

/**
 * How {@link RuleOptimizer}'s steps run: it tells DJL's {@code update} calls apart into steps (a
 * step starts at the first update, and where a parameter comes again on the same device), and runs
 * each step on its path, as {@link RuleOptimizer}'s description says: a bound block's step, a
 * declared step, or a tensor alone on the host path (the core, through {@link HostStep}), and
 * {@link NdStep} elsewhere. It also counts optimizer steps for the tracker; a bound block's
 * accumulation window is {@link BoundWindow}'s. Not thread-safe: {@link RuleOptimizer} synchronises.
 */
final class StepDriver {
    private final Rule rule;
    private final float rescaleGrad;
    private final float clipGrad;
    private final long firstCount;
    private final boolean hostKernel;
    private final int threads;
    private final StepRules rules;
    private final StateStore store;
    private double maxGradNorm;
    private GlobalNormClip clip;
    /** The core over every host parameter of a bound block or declared step. */
    private HostStep shared;
    private Block bound;
    /** The bound block's parameters and their paths. */
    private final BoundBlock block = new BoundBlock();
    /** The bound block's accumulation window and the states it steps. */
    private final BoundWindow window;
    /** Declared by beginStep: each id's gradient, and which have had their update this step. */
    private final DeclaredSteps declared = new DeclaredSteps();
    private final List<ParamState> declaredHost = new ArrayList<>();
    /** A declared step's gradients on the NDArray path, for its global norm (reused). */
    private final List<Pair<String, NDArray>> declaredNd = new ArrayList<>();
    /** Step detection: the step in progress (1-based; 0 before any). */
    private long stepNumber;
    /** Optimizer steps taken; the 0-based index of the step in progress (the tracker's position). */
    private long taken;
    private long stepIndex;


    StepDriver(RuleOptimizerBuilder<?> builder, Rule rule, StateStore store, float rescaleGrad, float clipGrad) {
        this.rule = rule;
        this.rescaleGrad = rescaleGrad;
        this.clipGrad = clipGrad;
        this.firstCount = builder.beginNumUpdate();
        this.hostKernel = builder.hostKernel();
        this.window = new BoundWindow(builder.accumulate());
        this.threads = builder.threads();
        this.maxGradNorm = builder.maxGradNorm();
        this.clip = new GlobalNormClip(maxGradNorm);
        this.rules = new StepRules(rule, builder.learningRateTracker(), firstCount);
        this.store = store;
    }

    /** {@link RuleOptimizer#bind}; also reads the block's parameters and their paths once. */
    void bind(Block block) {
        Objects.requireNonNull(block, "block");
        if (bound != block && stepNumber > 0) {
            throw new IllegalStateException("bind(block) must come before the first update (this optimizer has"
                    + " already run " + stepNumber + " steps unbound)");
        }
        bound = block;
        this.block.read(block);
    }

    /** {@link RuleOptimizer#beginStep}: the NDArray path's global norm now, then the step opens. */
    void beginStep(List<Pair<String, NDArray>> gradients) {
        if (bound != null) {
            throw new IllegalStateException("beginStep: this optimizer is bound to a block, whose gradients it reads");
        }
        if (declared.open() && !declared.complete()) {
            throw new IllegalStateException("the step declared before got no update for " + block.names(declared.missing()));
        }
        if (clip.active()) {
            declaredNd.clear();
            for (int i = 0; i < gradients.size(); i++) {
                Pair<String, NDArray> g = gradients.get(i);
                if (!(hostKernel && HostStep.readable(store.first(g.getKey()), g.getValue()))) {
                    declaredNd.add(new Pair<>(nameOf(g.getKey()), g.getValue()));
                }
            }
            if (declaredNd.isEmpty()) {
                clip.begin(declaredNd, 1f, rescaleGrad, clipGrad);
            } else {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    clip.begin(declaredNd, 1f, rescaleGrad, clipGrad);
                }
            }
        }
        declared.begin(gradients);
        stepNumber++;
        stepIndex = taken;
    }

    /** {@link RuleOptimizer#step()}: a bound block's step without DJL's parameter store. */
    void step() {
        if (bound == null) {
            throw new IllegalStateException("step(): no block is bound; call bind(block) once after"
                    + " trainer.initialize (or let trainer.step() run each step)");
        }
        stepNumber++;
        try {
            startBoundStep();
            if (window.ends() && !window.nd().isEmpty()) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    for (ParamState s : window.all()) {
                        if (!s.host) {
                            ndStep(s, s.weight, s.weight.getGradient(), rules.forStep(s.adapt, stepIndex));
                        }
                    }
                }
            }
        } finally {
            // Every parameter took part in this step, taken or refused: the next update (a
            // Trainer.step()) starts a new one.
            for (Parameter param : block.parameters()) {
                ParamState s = param.isInitialized() ? store.get(param.getId(), param.getArray().getDevice()) : null;
                if (s != null) {
                    s.stamp = stepNumber;
                }
            }
        }
    }

    /** {@link RuleOptimizer#flush}. */
    boolean flush() {
        if (bound == null || !window.endEarly()) {
            return false;
        }
        stepIndex = taken;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (ParamState s : stepWindow()) {
                if (!s.host) {
                    ndStep(s, s.weight, s.weight.getGradient(), rules.forStep(s.adapt, stepIndex));
                }
            }
        }
        window.flushed();
        return true;
    }

    /** The last step's global gradient norm before clipping; NaN without {@code optMaxGradNorm}. */
    double lastGradNorm() {
        double host = shared == null ? Double.NaN : shared.lastGradNorm();
        return Double.isNaN(host) ? clip.lastNorm() : host;
    }

    /** One of DJL's update calls; {@code updateNumber} is DJL's global update number of the parameter. */
    void update(String parameterId, NDArray weight, NDArray grad, int updateNumber) {
        if (parameterId == null || weight == null || grad == null) {
            throw new NullPointerException(parameterId == null ? "parameterId is null" : (weight == null ? "weight"
                    : "gradient") + " of parameter '" + nameOf(parameterId) + "' is null");
        }
        // The steady state of a bound block's host parameter: no scope, no shape read from the engine
        // (its gradient is read from the weight itself), nothing allocated.
        ParamState known = bound == null && !declared.open() ? null : store.get(parameterId, weight.getDevice());
        if (known != null && known.host && known.weight == weight && bound != null) {
            boundUpdate(known);
            return;
        }
        Shape shape = weight.getShape();
        if (!shape.equals(grad.getShape())) {
            throw new IllegalArgumentException("gradient of parameter '" + nameOf(parameterId) + "' has shape "
                    + grad.getShape() + ", its weight has shape " + shape);
        }
        if (known != null && known.host && known.weight == weight) {
            known.stamp = stepNumber; // a declared step's host parameter: no engine array is made
            declaredUpdate(known, parameterId, weight, grad);
            return;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            ParamState s = state(parameterId, weight);
            if (bound != null) {
                boundUpdate(s);
                if (window.ends() && !s.host) {
                    ndStep(s, weight, grad, rules.forStep(s.adapt, stepIndex));
                }
            } else if (declared.open()) {
                s.stamp = stepNumber;
                declaredUpdate(s, parameterId, weight, grad);
            } else {
                requireStepKnown();
                // A step starts at the first update, and where a parameter (on this device) comes again.
                if (stepNumber == 0 || s.stamp == stepNumber) {
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

    /**
     * Step detection for a bound block: a step starts at the first update, and where a parameter
     * (on this device) comes again; the first update of a step runs it ({@link #startBoundStep}).
     */
    private void boundUpdate(ParamState s) {
        if (stepNumber == 0 || s.stamp == stepNumber) {
            stepNumber++;
            s.stamp = stepNumber; // before the step runs: a refused step is still this step
            startBoundStep();
        }
        s.stamp = stepNumber;
    }

    /** True when DJL's update number is used: per-tensor steps with a tracker. */
    boolean perTensor() {
        return bound == null && !declared.open();
    }

    // ---- bound block: one core step per Trainer.step ----

    /** The first update of a Trainer.step: ends a micro-batch; at a window's end steps every host tensor. */
    private void startBoundStep() {
        stepIndex = taken;
        if (!window.addMicroBatch()) {
            return; // the engine sums this micro-batch's gradients into the weights' own
        }
        if (taken > 0 && window.nd().isEmpty()) {
            stepWindow(); // host tensors only, as last time: no engine array is made
            return;
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            stepWindow();
        }
    }

    /**
     * Ends an accumulation window: measures the NDArray path's global norm, then steps every host
     * tensor at once; returns the states of the block (a list reused by the next window).
     */
    private List<ParamState> stepWindow() {
        window.gather(block, store, clip.active());
        if (clip.active() && !window.nd().isEmpty()) {
            clip.begin(window.nd(), window.size(), rescaleGrad, clipGrad);
        }
        if (!window.host().isEmpty()) {
            sharedStep().step(window.host(), true, window.size(), rules.lr(stepIndex), store.pending());
        }
        taken++;
        return window.all();
    }

    private HostStep sharedStep() {
        if (shared == null) {
            shared = new HostStep(rule, maxGradNorm, threads, firstCount, rescaleGrad, clipGrad);
        }
        return shared;
    }

    // ---- declared steps (beginStep) ----

    private void declaredUpdate(ParamState s, String id, NDArray weight, NDArray grad) {
        NDArray given = declared.arrive(id, s.name);
        if (s.host) {
            HostStep.give(s, given);
            declaredHost.add(s);
        } else {
            ndStep(s, weight, grad, rules.forStep(s.adapt, stepIndex));
        }
        if (!declared.complete()) {
            return;
        }
        declared.close();
        try {
            if (!declaredHost.isEmpty()) {
                sharedStep().step(declaredHost, false, 1f, rules.lr(stepIndex), store.pending());
            }
            taken++;
        } finally {
            declaredHost.clear();
        }
    }

    // ---- per-tensor steps (no binding) ----

    private void requireStepKnown() {
        if (clip.active()) {
            throw new IllegalStateException("optMaxGradNorm: the global norm needs every gradient of the step;"
                    + " call bind(block) once, or beginStep(gradients) before every step");
        }
        int accumulate = window.accumulate();
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
        NdStep.step(s, weight, grad, stepRule, bound != null ? window.size() : 1f, rescaleGrad, clipGrad, clip.scale());
    }

    // ---- per-parameter state ----

    /** This parameter's state on the weight's device, created at its first update. */
    private ParamState state(String parameterId, NDArray weight) {
        return store.obtain(parameterId, nameOf(parameterId), weight);
    }

    /** The parameter's path in the bound block, else its id. */
    String nameOf(String parameterId) {
        return block.nameOf(parameterId);
    }

    // ---- what the facade reads ----

    long taken() {
        return taken;
    }

    long stepNumber() {
        return stepNumber;
    }

    double maxGradNorm() {
        return maxGradNorm;
    }

    boolean hasSteps() {
        return stepNumber > 0;
    }

    /** After a checkpoint load: its global-norm bound and its count of optimizer steps. */
    void restored(double savedMaxGradNorm, long steps) {
        maxGradNorm = savedMaxGradNorm;
        clip = new GlobalNormClip(maxGradNorm);
        taken = steps;
    }

    /** The shapes of the bound block's parameters by id, or null without a bound block. */
    Map<String, Shape> boundShapes() {
        return bound == null ? null : block.shapes();
    }

    void close() {
        if (shared != null) {
            shared.close();
        }
    }
}
