package org.pamadam.optim;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.pamadam.kernel.Coefficients;
import org.pamadam.kernel.Kernel;
import org.pamadam.kernel.KernelProvider;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;
import org.pamadam.schedule.Schedule;

/**
 * An optimizer over named {@link Param}s in groups, each group with its own {@link Rule}
 * (torch.optim's param groups). {@link #step()} updates every tensor that has a gradient.
 *
 * <p>The fused path (default) runs in two phases over a fixed decomposition of all tensors into
 * chunks of at most {@link #CHUNK} elements; small tensors share a task. Phase one measures (read
 * only), phase two writes. Each chunk's sums land in their own slot and are added in chunk order, so
 * the result is bit-identical for any thread count. The reference path ({@code fused(false)}) runs
 * {@link ReferenceStep} tensor by tensor.
 *
 * <p>Global-norm clipping ({@link Builder#maxGradNorm}) adds one read-only pass before phase one:
 * each chunk's sum of g^2 lands in its slot, the slots are added in chunk order (so again the result
 * does not depend on the thread count), and both phases then read every gradient as {@code g * scale}
 * with {@code scale = min(1, maxGradNorm / (norm + 1e-6))}, as torch.nn.utils.clip_grad_norm_. The
 * gradients themselves are not written.
 *
 * <p>Not thread-safe: one thread calls {@code step()} at a time.
 *
 * <p>Lifecycle: {@link Builder#build()} starts {@code threads - 1} daemon worker threads (none for one
 * thread); the caller of {@code step()} works too, spins briefly when it runs out of tasks and then
 * parks until the last worker finishes, so no core is burnt while it waits. Idle workers park.
 * {@link #close()} stops the workers; the optimizer must not step afterwards. An optimizer that is
 * never closed is not kept alive by its workers (they hold the pool, never the optimizer), and a
 * {@link Cleaner} stops them once it has become unreachable: use try-with-resources all the same,
 * since when the garbage collector runs is not up to us.
 *
 * <p>Each {@link Param} is updated once per step, so two params over one {@code float[]} (tied
 * weights) are refused when building; give a tied tensor one {@code Param} and the sum of its
 * gradients, as autograd does for a shared torch {@code Parameter}.
 */
public final class Optimizer implements AutoCloseable {
    /** Elements per chunk: 4 arrays of 32K floats (512 KB) stay in a core's L2 between the loads. */
    public static final int CHUNK = 1 << 15;

    private final Param[] params;
    private final int[] groupOf;
    private final Rule[] rules;
    private final Schedule[] schedules;
    private final float[][] m;
    private final float[][] v;
    private final long[] steps;
    private final double[] lastRatio;
    /** Per tensor: steps in which {@code maxRatio} lowered the trust ratio. */
    private final long[] clamps;
    private final Coefficients[] coef;
    private final boolean[] active;
    private final Kernel kernel;
    private final boolean fused;
    private final NonFinitePolicy policy;
    private final WorkerPool pool;
    /** Closes {@link #pool}; registered with {@link #CLEANER} so a forgotten optimizer's threads stop. */
    private final Cleaner.Cleanable cleanup;
    private long skippedSteps;
    /** Global gradient-norm bound; +infinity: no clipping (and no norm pass). */
    private double maxGradNorm;
    private double lastGradNorm = Double.NaN;

    private static final Cleaner CLEANER = Cleaner.create();

    // The fixed schedule: segment s is params[segParam[s]] over [segFrom[s], segTo[s]); task k runs
    // segments taskStart[k] .. taskStart[k+1]-1. sums[2s], sums[2s+1] hold segment s's pass-one sums.
    private final int[] segParam;
    private final int[] segFrom;
    private final int[] segTo;
    private final int[] paramFirstSeg;
    private final int[] taskStart;
    private final double[] sums;
    private final IntConsumer measureTask = this::measure;
    private final IntConsumer applyTask = this::apply;
    private final IntConsumer normTask = this::norm;

    private Optimizer(Builder b) {
        List<Param> all = new ArrayList<>();
        List<Integer> groups = new ArrayList<>();
        for (int gi = 0; gi < b.groups.size(); gi++) {
            for (Param p : b.groups.get(gi).params) {
                all.add(p);
                groups.add(gi);
            }
        }
        int n = all.size();
        params = all.toArray(new Param[0]);
        groupOf = groups.stream().mapToInt(Integer::intValue).toArray();
        rules = b.groups.stream().map(g -> g.rule).toArray(Rule[]::new);
        schedules = b.groups.stream().map(g -> g.schedule).toArray(Schedule[]::new);
        scheduled = new Rule[rules.length];
        scheduledAt = new long[rules.length];
        scheduledFrom = new Rule[rules.length];
        m = new float[n][];
        v = new float[n][];
        steps = new long[n];
        lastRatio = new double[n];
        clamps = new long[n];
        coef = new Coefficients[n];
        active = new boolean[n];
        for (int i = 0; i < n; i++) {
            m[i] = new float[params[i].size()];
            v[i] = rules[groupOf[i]].moments() == Moments.ADAM ? new float[params[i].size()] : null;
            lastRatio[i] = Double.NaN;
            coef[i] = new Coefficients();
        }
        kernel = b.kernel != null ? b.kernel : KernelProvider.get();
        fused = b.fused;
        policy = b.policy;
        maxGradNorm = b.maxGradNorm;
        pool = new WorkerPool(b.threads);
        // The action holds the pool only: a reference to this optimizer would keep it reachable forever.
        cleanup = CLEANER.register(this, pool::close);

        List<int[]> segs = new ArrayList<>();
        paramFirstSeg = new int[n + 1];
        for (int i = 0; i < n; i++) {
            paramFirstSeg[i] = segs.size();
            int size = params[i].size();
            for (int from = 0; from < size || (from == 0 && size == 0); from += CHUNK) {
                segs.add(new int[] {i, from, Math.min(size, from + CHUNK)});
                if (size == 0) {
                    break;
                }
            }
        }
        paramFirstSeg[n] = segs.size();
        segParam = segs.stream().mapToInt(s -> s[0]).toArray();
        segFrom = segs.stream().mapToInt(s -> s[1]).toArray();
        segTo = segs.stream().mapToInt(s -> s[2]).toArray();
        sums = new double[2 * segs.size()];
        List<Integer> starts = new ArrayList<>();
        int filled = CHUNK;
        for (int s = 0; s < segs.size(); s++) {
            if (filled >= CHUNK) {
                starts.add(s);
                filled = 0;
            }
            filled += Math.max(1, segTo[s] - segFrom[s]);
        }
        starts.add(segs.size());
        taskStart = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * One optimizer step over every parameter whose gradient is non-null. Returns true when the step
     * was taken, false when it was skipped under {@link NonFinitePolicy#SKIP_STEP}.
     *
     * @throws NonFiniteGradientException under {@link NonFinitePolicy#REFUSE}; nothing was changed
     */
    public boolean step() {
        boolean any = false;
        for (int i = 0; i < params.length; i++) {
            float[] g = params[i].grad();
            active[i] = g != null;
            if (g != null) {
                if (g.length != params[i].size()) {
                    throw new IllegalArgumentException("gradient for '" + params[i].name() + "' has "
                            + g.length + " elements, expected " + params[i].size());
                }
                coef[i].prepare(ruleAt(i), steps[i] + 1);
                any = true;
            }
        }
        if (!any) {
            return true;
        }
        if (!fused) {
            return referenceStep();
        }
        double norm = Double.NaN;
        if (maxGradNorm != Double.POSITIVE_INFINITY) {
            pool.run(taskStart.length - 1, normTask);
            double total = 0;
            for (int s = 0; s < segParam.length; s++) {
                if (active[segParam[s]]) {
                    total += sums[2 * s];
                }
            }
            norm = Math.sqrt(total);
            if (!Double.isFinite(norm)) {
                return nonFinite(firstNonFiniteNorm());
            }
            float gradScale = (float) clipScale(maxGradNorm, norm);
            for (int i = 0; i < params.length; i++) {
                coef[i].gradScale = gradScale;
            }
        }
        pool.run(taskStart.length - 1, measureTask);
        for (int i = 0; i < params.length; i++) {
            if (!active[i]) {
                continue;
            }
            double sumP = 0;
            double sumS = 0;
            for (int s = paramFirstSeg[i]; s < paramFirstSeg[i + 1]; s++) {
                sumP += sums[2 * s];
                sumS += sums[2 * s + 1];
            }
            if (!Double.isFinite(sumP) || !Double.isFinite(sumS)) {
                return nonFinite(i);
            }
            double ratio = coef[i].ratio.of(sumP, sumS);
            coef[i].scale = (float) (ruleAt(i).lr() * ruleAt(i).clamp(ratio));
            // Stash the unclamped ratio; it becomes telemetry only once the step is committed below.
            sums[2 * paramFirstSeg[i]] = ratio;
        }
        pool.run(taskStart.length - 1, applyTask);
        lastGradNorm = norm;
        for (int i = 0; i < params.length; i++) {
            if (active[i]) {
                commit(i, sums[2 * paramFirstSeg[i]]);
            }
        }
        return true;
    }

    /** Telemetry and the step count of tensor {@code i} once its step is written. */
    private void commit(int i, double unclampedRatio) {
        Rule rule = ruleAt(i);
        lastRatio[i] = rule.clamp(unclampedRatio);
        if (rule.clamps(unclampedRatio)) {
            clamps[i]++;
        }
        steps[i]++;
    }

    /** torch.nn.utils.clip_grad_norm_'s factor: {@code min(1, maxNorm / (norm + 1e-6))}. */
    static double clipScale(double maxNorm, double norm) {
        return Math.min(1.0, maxNorm / (norm + 1e-6));
    }

    /** The first active tensor whose gradient makes the global norm non-finite. */
    private int firstNonFiniteNorm() {
        for (int s = 0; s < segParam.length; s++) {
            if (active[segParam[s]] && !Double.isFinite(sums[2 * s])) {
                return segParam[s];
            }
        }
        throw new IllegalStateException("non-finite gradient norm without a non-finite chunk");
    }

    private boolean referenceStep() {
        for (int i = 0; i < params.length; i++) {
            if (active[i]) {
                float[] g = params[i].grad();
                float[] p = params[i].data();
                for (int k = 0; k < g.length; k++) {
                    if (!Float.isFinite(g[k]) || !Float.isFinite(p[k])) {
                        return nonFinite(i);
                    }
                }
            }
        }
        double norm = Double.NaN;
        float gradScale = 1f;
        if (maxGradNorm != Double.POSITIVE_INFINITY) {
            double total = 0;
            for (int i = 0; i < params.length; i++) {
                if (active[i]) {
                    for (float x : params[i].grad()) {
                        total += (double) x * x;
                    }
                }
            }
            norm = Math.sqrt(total);
            gradScale = (float) clipScale(maxGradNorm, norm);
        }
        lastGradNorm = norm;
        for (int i = 0; i < params.length; i++) {
            if (active[i]) {
                double ratio = ReferenceStep.unclampedStep(ruleAt(i), steps[i] + 1, params[i].data(),
                        params[i].grad(), m[i], v[i], gradScale);
                commit(i, ratio);
            }
        }
        return true;
    }

    private boolean nonFinite(int i) {
        if (policy == NonFinitePolicy.SKIP_STEP) {
            skippedSteps++;
            return false;
        }
        float[] g = params[i].grad();
        float[] p = params[i].data();
        String detail = "a parameter value is non-finite";
        for (int k = 0; k < g.length; k++) {
            if (!Float.isFinite(g[k])) {
                detail = "grad[" + k + "] = " + g[k];
                break;
            }
            if (!Float.isFinite(p[k])) {
                detail = "parameter[" + k + "] = " + p[k];
                break;
            }
        }
        throw new NonFiniteGradientException(params[i].name(), detail);
    }

    private void measure(int task) {
        for (int s = taskStart[task]; s < taskStart[task + 1]; s++) {
            int i = segParam[s];
            if (active[i]) {
                kernel.measure(coef[i], params[i].data(), params[i].grad(), m[i], v[i], segFrom[s], segTo[s],
                        sums, 2 * s);
            }
        }
    }

    private void norm(int task) {
        for (int s = taskStart[task]; s < taskStart[task + 1]; s++) {
            int i = segParam[s];
            if (active[i]) {
                sums[2 * s] = kernel.sumOfSquares(params[i].grad(), segFrom[s], segTo[s]);
            }
        }
    }

    private void apply(int task) {
        for (int s = taskStart[task]; s < taskStart[task + 1]; s++) {
            int i = segParam[s];
            if (active[i]) {
                kernel.apply(coef[i], params[i].data(), params[i].grad(), m[i], v[i], segFrom[s], segTo[s]);
            }
        }
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

    // ---- learning-rate schedules ----

    // One derived rule per group, rebuilt only when the step or the group's rule changes.
    private final Rule[] scheduled;
    private final long[] scheduledAt;
    private final Rule[] scheduledFrom;

    /**
     * The rule tensor {@code i}'s next step runs with: its group's rule, with the lr its schedule gives
     * at the tensor's own step count (the optimizer steps it took part in, so accumulated micro-batches
     * and skipped steps do not advance it). The group's rule keeps the base lr.
     */
    private Rule ruleAt(int i) {
        int g = groupOf[i];
        if (schedules[g] == null) {
            return rules[g];
        }
        long t = steps[i];
        if (scheduled[g] == null || scheduledAt[g] != t || scheduledFrom[g] != rules[g]) {
            scheduled[g] = rules[g].toBuilder().lr(schedules[g].lr(rules[g].lr(), t)).build();
            scheduledAt[g] = t;
            scheduledFrom[g] = rules[g];
        }
        return scheduled[g];
    }

    /** The group's learning-rate schedule, null for none (its rule's lr at every step). */
    public Schedule schedule(int group) {
        return schedules[group];
    }

    /**
     * Sets (null: removes) a group's schedule. It is configuration, like the group's tensors: a
     * checkpoint holds the step counts, which are its position, so an optimizer built with the same
     * schedule continues a loaded state exactly.
     */
    public void setSchedule(int group, Schedule schedule) {
        schedules[group] = schedule;
        scheduled[group] = null;
    }

    /**
     * The lr the group's next step runs with: its schedule at the largest step count among its tensors
     * (the optimizer's step count when every tensor takes part in every step), else its rule's lr.
     */
    public double lr(int group) {
        if (schedules[group] == null) {
            return rules[group].lr();
        }
        long t = 0;
        for (int i = 0; i < params.length; i++) {
            if (groupOf[i] == group) {
                t = Math.max(t, steps[i]);
            }
        }
        return schedules[group].lr(rules[group].lr(), t);
    }

    /** Sets the learning rate of every group (the base lr, where a group has a schedule). */
    public void setLearningRate(double lr) {
        for (int g = 0; g < rules.length; g++) {
            rules[g] = rules[g].toBuilder().lr(lr).build();
        }
    }

    /** The parameters of one group, in order. */
    public List<Param> params(int group) {
        List<Param> out = new ArrayList<>();
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

    /** This tensor's own step count (steps it took part in). */
    public long stepCount(String name) {
        return steps[indexOf(name)];
    }

    /** The trust ratio this tensor used in its last step (1 for rules without one), NaN before any. */
    public double lastRatio(String name) {
        return lastRatio[indexOf(name)];
    }

    /** name to last ratio, in optimizer order. */
    public Map<String, Double> lastRatios() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < params.length; i++) {
            out.put(params[i].name(), lastRatio[i]);
        }
        return Collections.unmodifiableMap(out);
    }

    /** Steps of this tensor in which {@code maxRatio} lowered its trust ratio. */
    public long clampCount(String name) {
        return clamps[indexOf(name)];
    }

    /**
     * The global L2 norm of the last step's gradients, before clipping; NaN when the last step did not
     * clip (no {@link Builder#maxGradNorm}) or before any step. The factor applied was
     * {@code min(1, maxGradNorm() / (lastGradNorm() + 1e-6))}.
     */
    public double lastGradNorm() {
        return lastGradNorm;
    }

    /** The global gradient-norm bound; +infinity when the optimizer does not clip. */
    public double maxGradNorm() {
        return maxGradNorm;
    }

    /** Sets the global gradient-norm bound for the following steps (+infinity: stop clipping). */
    public void setMaxGradNorm(double maxGradNorm) {
        this.maxGradNorm = checkMaxGradNorm(maxGradNorm);
    }

    static double checkMaxGradNorm(double maxGradNorm) {
        if (!(maxGradNorm > 0.0)) {
            throw new IllegalArgumentException("maxGradNorm must be > 0 (+Infinity for no clipping), got "
                    + maxGradNorm);
        }
        return maxGradNorm;
    }

    /** Steps skipped under {@link NonFinitePolicy#SKIP_STEP}. */
    public long skippedSteps() {
        return skippedSteps;
    }

    public String kernelName() {
        return fused ? kernel.name() : "reference";
    }

    public int threads() {
        return pool.threads();
    }

    // ---- state ----

    /** A deep copy of the optimizer state (hyperparameters, step counts, moments), for checkpoints. */
    public OptimizerState state() {
        List<OptimizerState.Group> groups = new ArrayList<>();
        for (int g = 0; g < rules.length; g++) {
            List<OptimizerState.Tensor> tensors = new ArrayList<>();
            for (int i = 0; i < params.length; i++) {
                if (groupOf[i] == g) {
                    tensors.add(new OptimizerState.Tensor(params[i].name(), params[i].shape(), steps[i],
                            lastRatio[i], m[i].clone(), v[i] == null ? null : v[i].clone(), clamps[i]));
                }
            }
            groups.add(new OptimizerState.Group(rules[g], tensors));
        }
        return new OptimizerState(groups, skippedSteps, maxGradNorm);
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
        check(state, true);
        write(state, true);
    }

    /**
     * Restores step counts and moments from a state saved under another rule with the same moment
     * kind (e.g. warm-starting PAMAdam from Adam's moments), keeping this optimizer's own rules and
     * gradient-norm bound. The
     * same checks as {@link #load} run first, except that rule names, decay and ratio may differ.
     */
    public void loadKeepingRules(OptimizerState state) {
        check(state, false);
        write(state, false);
    }

    private void check(OptimizerState state, boolean sameRule) {
        List<OptimizerState.Group> groups = state.groups();
        if (groups.size() != rules.length) {
            throw new IllegalArgumentException("state has " + groups.size() + " param groups, optimizer has "
                    + rules.length);
        }
        if (state.skippedSteps() < 0) {
            throw new IllegalArgumentException("state has a negative skipped-step count " + state.skippedSteps());
        }
        if (!(state.maxGradNorm() > 0.0)) {
            throw new IllegalArgumentException("state has maxGradNorm " + state.maxGradNorm()
                    + ", expected > 0 (+Infinity for no clipping)");
        }
        int i = 0;
        for (int g = 0; g < groups.size(); g++) {
            OptimizerState.Group group = groups.get(g);
            if (group.rule() == null) {
                throw new IllegalArgumentException("group " + g + ": state has no rule");
            }
            if (group.rule().moments() != rules[g].moments()) {
                throw new IllegalArgumentException("group " + g + ": state uses " + group.rule().moments()
                        + " moments, optimizer " + rules[g].moments());
            }
            if (sameRule && !group.sameKind(rules[g])) {
                throw new IllegalArgumentException("group " + g + ": state was saved by rule " + kind(group.rule())
                        + ", this optimizer uses " + kind(rules[g])
                        + " (loadKeepingRules takes the moments alone)");
            }
            for (OptimizerState.Tensor t : group.tensors()) {
                if (i >= params.length || groupOf[i] != g) {
                    throw new IllegalArgumentException("group " + g + ": state has more tensors than the optimizer"
                            + " (first extra: '" + t.name() + "')");
                }
                t.checkMatches(params[i], rules[g].moments());
                i++;
            }
            if (i < params.length && groupOf[i] == g) {
                throw new IllegalArgumentException("group " + g + ": state lacks tensor '" + params[i].name() + "'");
            }
        }
    }

    private static String kind(Rule r) {
        return "'" + r.name() + "' (moments " + r.moments() + ", decay " + r.decay() + ", ratio " + r.ratio() + ")";
    }

    private void write(OptimizerState state, boolean rulesToo) {
        List<OptimizerState.Group> groups = state.groups();
        int i = 0;
        for (int g = 0; g < groups.size(); g++) {
            if (rulesToo) {
                rules[g] = groups.get(g).rule();
            }
            for (OptimizerState.Tensor t : groups.get(g).tensors()) {
                System.arraycopy(t.m(), 0, m[i], 0, m[i].length);
                if (v[i] != null) {
                    System.arraycopy(t.v(), 0, v[i], 0, v[i].length);
                }
                steps[i] = t.step();
                lastRatio[i] = t.lastRatio();
                clamps[i] = t.clamped();
                i++;
            }
        }
        skippedSteps = state.skippedSteps();
        if (rulesToo) {
            maxGradNorm = state.maxGradNorm();
        }
    }

    /**
     * Stops the worker threads. Idempotent. An optimizer that is never closed does not leak them: the
     * threads are daemons that hold only the pool, and a {@link Cleaner} stops them once the optimizer
     * is unreachable; closing is still the prompt, deterministic way.
     */
    @Override
    public void close() {
        cleanup.clean();
    }

    /** The worker threads, for lifecycle tests. */
    List<Thread> workerThreads() {
        return pool.workerThreads();
    }

    /** Builds an {@link Optimizer}. */
    public static final class Builder {
        private final List<GroupSpec> groups = new ArrayList<>();
        private int threads = Math.min(4, Runtime.getRuntime().availableProcessors());
        private Kernel kernel;
        private boolean fused = true;
        private NonFinitePolicy policy = NonFinitePolicy.REFUSE;
        private double maxGradNorm = Double.POSITIVE_INFINITY;

        private static final class GroupSpec {
            final Rule rule;
            final List<Param> params;
            Schedule schedule;

            GroupSpec(Rule rule, List<Param> params) {
                this.rule = rule;
                this.params = params;
            }
        }

        /**
         * Gives the last group added this learning-rate schedule (see {@link Schedule} for the step
         * numbering); groups that {@link #override} later derives from it inherit it.
         */
        public Builder schedule(Schedule schedule) {
            return schedule(groups.size() - 1, schedule);
        }

        /** Gives group {@code group} (0-based, in the order added so far) this schedule; null: none. */
        public Builder schedule(int group, Schedule schedule) {
            if (group < 0 || group >= groups.size()) {
                throw new IllegalArgumentException("schedule: no group " + group + " (" + groups.size()
                        + " added so far); add the group first");
            }
            groups.get(group).schedule = schedule;
            return this;
        }

        /** Adds a param group: these tensors, with these hyperparameters. */
        public Builder group(Rule rule, Collection<Param> params) {
            if (rule == null) {
                throw new IllegalArgumentException("rule must not be null");
            }
            groups.add(new GroupSpec(rule, new ArrayList<>(params)));
            return this;
        }

        /**
         * Moves the parameters of the groups so far whose names fully match {@code regex} into new
         * groups with a derived rule, e.g. {@code override(".*bias|.*norm.*", r -> r.adapt(false))}.
         */
        public Builder override(String regex, UnaryOperator<Rule.Builder> change) {
            Pattern pattern = Pattern.compile(regex);
            int existing = groups.size();
            for (int g = 0; g < existing; g++) {
                GroupSpec spec = groups.get(g);
                List<Param> moved = new ArrayList<>();
                spec.params.removeIf(p -> pattern.matcher(p.name()).matches() && moved.add(p));
                if (!moved.isEmpty()) {
                    GroupSpec derived = new GroupSpec(change.apply(spec.rule.toBuilder()).build(), moved);
                    derived.schedule = spec.schedule;
                    groups.add(derived);
                }
            }
            groups.removeIf(spec -> spec.params.isEmpty());
            return this;
        }

        /** Threads for the fused path (default: min(4, available processors)); results do not depend on it. */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** Forces a kernel (default: {@link KernelProvider#get()}). */
        public Builder kernel(Kernel kernel) {
            this.kernel = kernel;
            return this;
        }

        /** false: the per-tensor reference path instead of the fused kernels. */
        public Builder fused(boolean fused) {
            this.fused = fused;
            return this;
        }

        /**
         * Clips every step's gradients to this global L2 norm over all tensors that take part in the
         * step, as torch.nn.utils.clip_grad_norm_ before the step: each gradient is read as
         * {@code g * min(1, maxGradNorm / (norm + 1e-6))} (g is not written). The norm is summed in
         * double precision. A non-finite norm is a non-finite gradient: {@link #nonFinitePolicy}
         * decides. Default +infinity: no clipping. Must be > 0.
         */
        public Builder maxGradNorm(double maxGradNorm) {
            this.maxGradNorm = checkMaxGradNorm(maxGradNorm);
            return this;
        }

        public Builder nonFinitePolicy(NonFinitePolicy policy) {
            this.policy = policy;
            return this;
        }

        public Optimizer build() {
            if (groups.isEmpty()) {
                throw new IllegalArgumentException("no parameters: add at least one group");
            }
            Set<String> names = new HashSet<>();
            Set<Param> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            Map<float[], Param> owners = new IdentityHashMap<>();
            for (GroupSpec g : groups) {
                for (Param p : g.params) {
                    if (p == null) {
                        throw new IllegalArgumentException("a group holds a null parameter");
                    }
                    if (!seen.add(p)) {
                        throw new IllegalArgumentException("parameter '" + p.name() + "' is in more than one group");
                    }
                    if (!names.add(p.name())) {
                        throw new IllegalArgumentException("two parameters are named '" + p.name() + "'");
                    }
                    // Tied weights would be stepped twice per step (and concurrently with threads > 1).
                    // An empty array has nothing to update, so sharing one is harmless.
                    Param other = p.size() == 0 ? null : owners.putIfAbsent(p.data(), p);
                    if (other != null) {
                        throw new IllegalArgumentException("parameters '" + other.name() + "' and '" + p.name()
                                + "' share one float[] (tied weights): each would be updated separately;"
                                + " pass one Param with the sum of both gradients");
                    }
                }
            }
            return new Optimizer(this);
        }
    }
}
