package org.pamadam.optim;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.pamadam.rule.Rule;
import org.pamadam.schedule.Schedule;

/**
 * An optimizer over named {@link Param}s in groups, each group with its own {@link Rule}
 * (torch.optim's param groups). {@link #step()} updates every tensor that has a gradient. This class
 * is the façade; the step itself is one internal sequence that every caller runs, the DJL and DL4J
 * adapters included.
 *
 * <p>The fused path (default) runs in two passes over a fixed decomposition of all tensors into
 * chunks of at most {@link #CHUNK} elements; small tensors share a task. Pass one measures (read
 * only), pass two writes. Each chunk's sums land in their own slot and are added in chunk order, and
 * inside a chunk every kernel sums in one canonical order (see the kernels' documentation in
 * {@code Kernel}), so the result is bit-identical for any thread count and any kernel: scalar, or
 * 128-, 256- or 512-bit vectors. The reference path ({@code fused(false)}) runs {@link ReferenceStep}
 * tensor by tensor.
 *
 * <p>Parameters live on the heap ({@code float[]}) or off-heap (a region of a direct buffer, such as a
 * framework tensor's own memory): see {@link Param}. Each tensor's moments live on the same kind of
 * memory as the tensor; {@link #close()} frees the off-heap ones.
 *
 * <p>Global-norm clipping ({@link Builder#maxGradNorm}) adds one read-only pass before pass one:
 * each chunk's sum of g^2 lands in its slot, the slots are added in chunk order, and both passes then
 * read every gradient as {@code g * scale} with {@code scale = min(1, maxGradNorm / (norm + 1e-6))},
 * as torch.nn.utils.clip_grad_norm_. The gradients themselves are not written.
 *
 * <p>A step is all or nothing: a non-finite gradient anywhere refuses the whole step before anything
 * is written (or skips it, under {@link NonFinitePolicy#SKIP_STEP}).
 *
 * <p>Learning-rate schedules read the optimizer's count of steps taken, the same for every tensor,
 * as torch's param-group lr; bias correction reads each tensor's own step count.
 *
 * <p>Not thread-safe: one thread calls {@code step()} at a time.
 *
 * <p>Lifecycle: {@link Builder#build()} starts {@code threads - 1} daemon worker threads (none for one
 * thread); the caller of {@code step()} works too. {@link #close()} stops the workers and frees
 * off-heap moments; the optimizer refuses to step afterwards. An optimizer that is never closed is
 * not kept alive by its workers, and a {@link Cleaner} stops them once it has become unreachable:
 * use try-with-resources all the same.
 *
 * <p>Each {@link Param} is updated once per step, so two params over the same memory (tied weights)
 * are refused when building; give a tied tensor one {@code Param} and the sum of its gradients, as
 * autograd does for a shared torch {@code Parameter}.
 */
public final class Optimizer implements AutoCloseable {
    /** Elements per chunk: 4 arrays of 32K floats (512 KB) stay in a core's L2 between the passes. */
    public static final int CHUNK = 1 << 15;

    private static final Cleaner CLEANER = Cleaner.create();

    private final Param[] params;
    private final int[] groupOf;
    private final Rule[] rules;
    /** Per tensor, reused each step: its group's rule at the step's schedule position. */
    private final Rule[] stepRules;
    private final GroupSchedules schedules;
    private final MomentStore moments;
    private final Telemetry telemetry;
    private final StateIO stateIO;
    private final FusedStep fusedStep;
    private final boolean fused;
    private final NonFinitePolicy policy;
    private final WorkerPool pool;
    /** Closes {@link #pool}; registered with {@link #CLEANER} so a forgotten optimizer's threads stop. */
    private final Cleaner.Cleanable cleanup;
    /** Global gradient-norm bound; +infinity: no clipping (and no norm pass). */
    private double maxGradNorm;
    private boolean closed;

    private Optimizer(Plan plan) {
        params = plan.params;
        groupOf = plan.groupOf;
        rules = plan.rules;
        stepRules = new Rule[params.length];
        schedules = new GroupSchedules(plan.schedules);
        moments = new MomentStore(params, plan.hasV, plan.externalM, plan.externalV);
        telemetry = new Telemetry(params.length);
        stateIO = new StateIO(params, groupOf, rules, moments, telemetry);
        fused = plan.fused;
        policy = plan.policy;
        maxGradNorm = plan.maxGradNorm;
        pool = new WorkerPool(plan.threads);
        // The action holds the pool only: a reference to this optimizer would keep it reachable forever.
        cleanup = CLEANER.register(this, pool::close);
        fusedStep = new FusedStep(params, moments, plan.kernel, pool);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * One optimizer step over every parameter whose gradient is set. Returns true when the step was
     * taken, false when it was skipped under {@link NonFinitePolicy#SKIP_STEP}. A step in which no
     * tensor has a gradient does nothing and is not counted.
     *
     * @throws NonFiniteGradientException under {@link NonFinitePolicy#REFUSE}; nothing was changed
     * @throws IllegalStateException after {@link #close()}
     */
    public boolean step() {
        return run(-1, false);
    }

    /**
     * {@link #step()}, then every gradient it stepped set to +0 in place: torch's {@code step()} then
     * {@code zero_grad()}, for frameworks whose backward adds into the gradient. Each chunk's gradient
     * is zeroed right after pass two has read it, while it is still in cache, instead of in a second
     * trip through memory. A skipped or refused step leaves every gradient as it was, for the caller
     * to inspect or zero. A direct gradient must be writable: a read-only one is refused before
     * anything is written.
     *
     * @throws NonFiniteGradientException under {@link NonFinitePolicy#REFUSE}; nothing was changed
     * @throws IllegalStateException after {@link #close()}, or for a read-only gradient buffer
     */
    public boolean stepAndZeroGrad() {
        for (Param p : params) {
            ByteBuffer g = p.gradBuffer();
            if (g != null && g.isReadOnly()) {
                throw new IllegalStateException("parameter '" + p.name() + "': its gradient buffer is read-only, so"
                        + " stepAndZeroGrad cannot zero it; use step() and zero it yourself");
            }
        }
        return run(-1, true);
    }

    /**
     * One step of this tensor alone, for callers that see one tensor at a time (a framework's
     * per-parameter update): the same sequence on the same canonical chunks as {@link #step()}, with
     * the tensor's group rule, its own step count for bias correction and its own step count as the
     * schedule position. Global-norm clipping, if set, then measures this tensor's gradient alone, and
     * a refusal covers this tensor only. The optimizer's count of steps taken does not move.
     */
    public boolean stepTensor(Param tensor) {
        for (int i = 0; i < params.length; i++) {
            if (params[i] == tensor) {
                return run(i, false);
            }
        }
        throw new IllegalArgumentException("parameter '" + (tensor == null ? null : tensor.name())
                + "' is not one of this optimizer's");
    }

    /** A step over every tensor with a gradient ({@code only} -1) or over tensor {@code only}. */
    private boolean run(int only, boolean zeroGrads) {
        if (closed) {
            throw new IllegalStateException("optimizer is closed");
        }
        boolean any = false;
        for (int i = 0; i < params.length; i++) {
            if (params[i].hasGrad() && (only < 0 || only == i)) {
                long position = only < 0 ? telemetry.stepsTaken : telemetry.steps[i];
                stepRules[i] = schedules.at(groupOf[i], rules[groupOf[i]], position);
                fusedStep.activate(i, stepRules[i], telemetry.steps[i] + 1);
                any = true;
            } else {
                fusedStep.deactivate(i);
            }
        }
        if (!any) {
            return true;
        }
        if (!fused) {
            return referenceStep(only, zeroGrads);
        }
        int bad = fusedStep.run(stepRules, maxGradNorm, zeroGrads);
        if (bad >= 0) {
            return nonFinite(bad);
        }
        telemetry.lastGradNorm = fusedStep.lastNorm();
        for (int i = 0; i < params.length; i++) {
            if (fusedStep.active(i)) {
                telemetry.commit(i, stepRules[i], fusedStep.ratio(i));
            }
        }
        if (only < 0) {
            telemetry.stepsTaken++;
        }
        return true;
    }

    /** torch.nn.utils.clip_grad_norm_'s factor: {@code min(1, maxNorm / (norm + 1e-6))}. */
    public static double clipScale(double maxNorm, double norm) {
        return FusedStep.clipScale(maxNorm, norm);
    }

    /** The reference path: {@link ReferenceStep} tensor by tensor, after the same all-or-nothing check. */
    private boolean referenceStep(int only, boolean zeroGrads) {
        boolean[] active = fusedStep.activeFlags();
        int bad = ReferenceStep.firstNonFinite(params, active);
        if (bad >= 0) {
            return nonFinite(bad);
        }
        telemetry.lastGradNorm = ReferenceStep.stepAll(params, active, stepRules, telemetry, moments, maxGradNorm);
        for (int i = 0; i < params.length && zeroGrads; i++) {
            if (active[i]) {
                params[i].zeroGrad(0, params[i].size());
            }
        }
        if (only < 0) {
            telemetry.stepsTaken++;
        }
        return true;
    }

    private boolean nonFinite(int i) {
        if (policy == NonFinitePolicy.SKIP_STEP) {
            telemetry.skippedSteps++;
            return false;
        }
        Param p = params[i];
        String detail = FusedStep.nonFiniteDetail(p);
        throw new NonFiniteGradientException(p.name(), detail);
    }

    // ---- groups and hyperparameters ----

    public int groupCount() {
        return rules.length;
    }

    public Rule rule(int group) {
        return rules[group];
    }

    /**
     * Replaces a group's hyperparameters (e.g. a learning-rate schedule). The moments kind must stay the
     * same, since the state layout depends on it.
     */
    public void setRule(int group, Rule rule) {
        if (rule.moments() != rules[group].moments()) {
            throw new IllegalArgumentException("group " + group + ": cannot change moments from "
                    + rules[group].moments() + " to " + rule.moments());
        }
        rules[group] = rule;
    }

    /** The group's learning-rate schedule, null for none (its rule's lr at every step). */
    public Schedule schedule(int group) {
        return schedules.get(group);
    }

    /**
     * Sets (null: removes) a group's schedule. It is configuration, like the group's tensors: a
     * checkpoint holds the optimizer's step count, which is its position, so an optimizer built with
     * the same schedule continues a loaded state exactly.
     */
    public void setSchedule(int group, Schedule schedule) {
        schedules.set(group, schedule);
    }

    /** The lr the group's next step runs with: its schedule at the optimizer's step count, else its rule's lr. */
    public double lr(int group) {
        return schedules.lr(group, rules[group], telemetry.stepsTaken);
    }

    /** Sets the learning rate of every group (the base lr, where a group has a schedule). */
    public void setLearningRate(double lr) {
        for (int g = 0; g < rules.length; g++) {
            rules[g] = rules[g].toBuilder().lr(lr).build();
        }
    }

    /** The parameters of one group, in order. */
    public List<Param> params(int group) {
        java.util.ArrayList<Param> out = new java.util.ArrayList<>();
        for (int i = 0; i < params.length; i++) {
            if (groupOf[i] == group) {
                out.add(params[i]);
            }
        }
        return out;
    }

    /** All parameters in optimizer order (group by group). */
    public List<Param> params() {
        return List.of(params);
    }

    public int groupOf(int paramIndex) {
        return groupOf[paramIndex];
    }

    public int indexOf(String name) {
        for (int i = 0; i < params.length; i++) {
            if (params[i].name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no parameter named '" + name + "'");
    }

    // ---- telemetry ----

    /** Optimizer steps taken (refused, skipped and empty steps not counted): the schedules' position. */
    public long stepCount() {
        return telemetry.stepsTaken;
    }

    /** This tensor's own step count (steps it took part in): bias correction's t. */
    public long stepCount(String name) {
        return telemetry.steps[indexOf(name)];
    }

    /** The trust ratio this tensor used in its last step (1 for rules without one), NaN before any. */
    public double lastRatio(String name) {
        return telemetry.lastRatio[indexOf(name)];
    }

    /** name to last ratio, in optimizer order. */
    public Map<String, Double> lastRatios() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < params.length; i++) {
            out.put(params[i].name(), telemetry.lastRatio[i]);
        }
        return Collections.unmodifiableMap(out);
    }

    /** Steps of this tensor in which {@code maxRatio} lowered its trust ratio. */
    public long clampCount(String name) {
        return telemetry.clamps[indexOf(name)];
    }

    /**
     * {@link #stepCount(String)} of the parameter at {@code index} in {@link #params()} order (see
     * {@link #indexOf}): for callers that copy the counts after every step without a name lookup.
     */
    public long stepCount(int index) {
        return telemetry.steps[checkIndex(index)];
    }

    /** {@link #lastRatio(String)} of the parameter at {@code index} in {@link #params()} order. */
    public double lastRatio(int index) {
        return telemetry.lastRatio[checkIndex(index)];
    }

    /** {@link #clampCount(String)} of the parameter at {@code index} in {@link #params()} order. */
    public long clampCount(int index) {
        return telemetry.clamps[checkIndex(index)];
    }

    private int checkIndex(int index) {
        if (index < 0 || index >= params.length) {
            throw new IndexOutOfBoundsException("parameter index " + index + " is outside 0.." + (params.length - 1)
                    + " (the optimizer has " + params.length + " parameters)");
        }
        return index;
    }

    /**
     * The global L2 norm of the last step's gradients, before clipping; NaN when the last step did not
     * clip (no {@link Builder#maxGradNorm}) or before any step. The factor applied was
     * {@code min(1, maxGradNorm() / (lastGradNorm() + 1e-6))}.
     */
    public double lastGradNorm() {
        return telemetry.lastGradNorm;
    }

    /** The global gradient-norm bound; +infinity when the optimizer does not clip. */
    public double maxGradNorm() {
        return maxGradNorm;
    }

    /** Sets the global gradient-norm bound for the following steps (+infinity: stop clipping). */
    public void setMaxGradNorm(double maxGradNorm) {
        this.maxGradNorm = Builder.checkMaxGradNorm(maxGradNorm);
    }

    /** Steps skipped under {@link NonFinitePolicy#SKIP_STEP}. */
    public long skippedSteps() {
        return telemetry.skippedSteps;
    }

    /** The kernel this optimizer runs, e.g. "vector-512" or "scalar"; "reference" off the fused path. */
    public String kernelName() {
        return fused ? fusedStep.kernelName() : "reference";
    }

    /**
     * The kernel optimizers of this JVM run by default and why, e.g. "vector-512 (jdk.incubator.vector
     * present; widest on this CPU: 512 bits)", or "refused: ..." when {@code -Dpamadam.kernel} names a
     * kernel this machine cannot run.
     */
    public static String defaultKernel() {
        return Kernels.describe();
    }

    /**
     * The kernels this JVM and CPU can run, by the names {@link Builder#kernel(String)} takes:
     * {@code scalar}, then {@code vector-128} up to the widest vector the CPU has (none without
     * {@code jdk.incubator.vector}). They all give the same bits.
     */
    public static List<String> availableKernels() {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        out.add("scalar");
        for (int bits = 128; bits <= Kernels.widestBits(); bits *= 2) {
            try {
                out.add(Kernels.named("vector-" + bits).name());
            } catch (IllegalArgumentException e) {
                // this JDK cannot run the vector kernels (the reason is in defaultKernel())
            }
        }
        return List.copyOf(out);
    }

    public int threads() {
        return pool.threads();
    }

    // ---- state ----

    /** A deep copy of the optimizer state (hyperparameters, step counts, moments), for checkpoints. */
    public OptimizerState state() {
        checkOpen();
        return stateIO.save(maxGradNorm);
    }

    /**
     * Restores a state saved by an optimizer of the same kind, as torch.optim's {@code load_state_dict}
     * does: the same groups in the same order, each with the same kind of rule (name, moments, decay
     * and trust ratio), and the same tensor names and shapes. Hyperparameters (lr, betas, eps, weight
     * decay, adapt, maxRatio) and the global gradient-norm bound may differ: the saved ones replace the
     * live ones, so a resumed run continues with the recipe it was saved with.
     *
     * <p>Every check runs before anything is written: moment presence and lengths, finite moments,
     * {@code v >= 0}, non-negative step counts. A refused load throws {@link IllegalArgumentException}
     * naming the group or tensor, and leaves this optimizer exactly as it was.
     *
     * @see #loadKeepingRules(OptimizerState)
     */
    public void load(OptimizerState state) {
        checkOpen();
        stateIO.check(state, true);
        stateIO.write(state, true);
        maxGradNorm = state.maxGradNorm();
    }

    /**
     * Restores step counts and moments from a state saved under another rule with the same moment
     * kind (e.g. warm-starting PAMAdam from Adam's moments), keeping this optimizer's own rules and
     * gradient-norm bound. The same checks as {@link #load} run first, except that rule names, decay
     * and ratio may differ.
     */
    public void loadKeepingRules(OptimizerState state) {
        checkOpen();
        stateIO.check(state, false);
        stateIO.write(state, false);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("optimizer is closed");
        }
    }

    /**
     * Stops the worker threads and frees the off-heap moments. Idempotent. An optimizer that is never
     * closed does not leak them: the threads are daemons that hold only the pool, a {@link Cleaner}
     * stops them once the optimizer is unreachable, and the garbage collector frees unreachable direct
     * buffers; closing is still the prompt, deterministic way.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cleanup.clean();
            moments.free();
        }
    }

    /** The worker threads, for lifecycle tests. */
    List<Thread> workerThreads() {
        return pool.workerThreads();
    }

    /** The moments, for tests of their memory. */
    MomentStore momentStore() {
        return moments;
    }

    /** Builds an {@link Optimizer}. */
    public static final class Builder {
        private final Plan plan = new Plan();

        private Builder() {
        }

        /**
         * Gives the last group added this learning-rate schedule (see {@link Schedule} for the step
         * numbering); groups that {@link #override} later derives from it inherit it.
         */
        public Builder schedule(Schedule schedule) {
            plan.schedule(plan.groups.size() - 1, schedule);
            return this;
        }

        /** Gives group {@code group} (0-based, in the order added so far) this schedule; null: none. */
        public Builder schedule(int group, Schedule schedule) {
            plan.schedule(group, schedule);
            return this;
        }

        /** Adds a param group: these tensors, with these hyperparameters. */
        public Builder group(Rule rule, Collection<Param> params) {
            plan.group(rule, params);
            return this;
        }

        /**
         * Moves the parameters of the groups so far whose names fully match {@code regex} into new
         * groups with a derived rule, e.g. {@code override(".*bias|.*norm.*", r -> r.adapt(false))}.
         */
        public Builder override(String regex, UnaryOperator<Rule.Builder> change) {
            plan.override(regex, change);
            return this;
        }

        /** Threads for the fused path (default: min(4, available processors)); results do not depend on it. */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            plan.threads = threads;
            return this;
        }

        /**
         * Forces a kernel by name: {@code scalar}, {@code vector} (the widest this CPU has),
         * {@code vector-128}, {@code vector-256} or {@code vector-512}. Default: the JVM's choice
         * ({@code -Dpamadam.kernel}, else the widest). Every kernel gives the same bits; a kernel this
         * machine cannot run is refused here, naming what it has.
         */
        public Builder kernel(String name) {
            plan.kernel = Kernels.named(name);
            return this;
        }

        /** Forces a kernel instance (tests). */
        Builder kernel(Kernel kernel) {
            plan.kernel = kernel;
            return this;
        }

        /** false: the per-tensor reference path instead of the fused kernels (heap parameters only). */
        public Builder fused(boolean fused) {
            plan.fused = fused;
            return this;
        }

        /**
         * Keeps the moments of direct parameter {@code param} in memory the caller owns, such as a
         * framework's updater state (so that the framework saves them with its model): {@code m} and
         * {@code v} are regions of direct buffers from element {@code mOffset} / {@code vOffset} on,
         * as many floats as the parameter holds. They are used as they are (not zeroed), and
         * {@link #close()} does not free them. {@code v} must be null exactly when the rule keeps no
         * second moment (momentum).
         */
        public Builder moments(Param param, ByteBuffer m, int mOffset, ByteBuffer v, int vOffset) {
            if (param == null || !param.isDirect()) {
                throw new IllegalArgumentException("moments(...): parameter '" + (param == null ? null : param.name())
                        + "' must be a direct (off-heap) Param, as the moments must share its kind of memory");
            }
            ByteBuffer[] regions = new ByteBuffer[2];
            regions[0] = Param.ofBuffer(param.name() + ".m", param.shape(), m, mOffset).buffer();
            regions[1] = v == null ? null : Param.ofBuffer(param.name() + ".v", param.shape(), v, vOffset).buffer();
            plan.externalMoments.put(param, regions);
            return this;
        }

        /**
         * Clips every step's gradients to this global L2 norm over all tensors that take part in the
         * step, as torch.nn.utils.clip_grad_norm_ before the step: each gradient is read as
         * {@code g * min(1, maxGradNorm / (norm + 1e-6))} (g is not written). The norm is summed in
         * the kernels' canonical order, chunk sums in double. A non-finite norm is a non-finite
         * gradient: {@link #nonFinitePolicy} decides. Default +infinity: no clipping. Must be > 0.
         */
        public Builder maxGradNorm(double maxGradNorm) {
            plan.maxGradNorm = checkMaxGradNorm(maxGradNorm);
            return this;
        }

        public Builder nonFinitePolicy(NonFinitePolicy policy) {
            if (policy == null) {
                throw new IllegalArgumentException("nonFinitePolicy must not be null");
            }
            plan.policy = policy;
            return this;
        }

        public Optimizer build() {
            return new Optimizer(plan.resolve());
        }

        static double checkMaxGradNorm(double maxGradNorm) {
            if (!(maxGradNorm > 0.0)) {
                throw new IllegalArgumentException("maxGradNorm must be > 0 (+Infinity for no clipping), got "
                        + maxGradNorm);
            }
            return maxGradNorm;
        }
    }
}
