package org.pamadam.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.OptimizerState;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * The host path: one core {@link Optimizer} over {@link Param}s that view PyTorch CPU tensors'
 * memory, so the core's step (global-norm clipping, chunks and threads, all-or-nothing refusal of a
 * non-finite gradient, ratio, clamp, telemetry) runs in place, with m and v off-heap in the core.
 * This class only keeps that optimizer covering the right tensors; it holds no maths.
 *
 * <p>Two groups: the parameters that take the rule's trust ratio, and the plain-step ones.
 *
 * <p>Gradients reach the core as views too: a weight's own gradient (a bound block), kept across
 * steps and re-probed where PyTorch may have replaced it, or the caller's array. DJL's
 * {@code rescaleGrad}, element clipping and the mean of an accumulation window are applied before
 * the step: in place on a weight's own gradient (zeroed after the step anyway), into an off-heap
 * copy for a caller's array.
 */
final class HostStep implements AutoCloseable {
    private final Rule adaptRule;
    private final Rule plainRule;
    private final double maxGradNorm;
    private final int threads;
    private final long firstCount;
    private final float rescale;
    private final float clip;
    private Optimizer core;
    private final List<ParamState> members = new ArrayList<>();

    HostStep(Rule rule, double maxGradNorm, int threads, long firstCount, float rescale, float clip) {
        this.rescale = rescale;
        this.clip = clip;
        this.adaptRule = rule;
        this.plainRule = rule.adapt() ? rule.toBuilder().adapt(false).build() : rule;
        this.maxGradNorm = maxGradNorm;
        this.threads = threads;
        this.firstCount = firstCount;
    }

    /** The core optimizer, null before the first {@link #cover}. */
    Optimizer core() {
        return core;
    }

    /**
     * Makes the core step every one of {@code states} (and the ones it stepped before). A new tensor
     * rebuilds the core once, carrying every known tensor's state over; {@code saved} (by parameter
     * id) supplies the state of tensors restored from a checkpoint, and is checked, all or nothing,
     * before anything changes.
     */
    void cover(List<ParamState> states, Map<String, OptimizerState.Tensor> saved) {
        boolean grown = core == null;
        for (int i = 0; i < states.size() && !grown; i++) {
            grown = states.get(i).core != core;
        }
        if (!grown) {
            return; // the usual case, every step after the first: nothing allocated
        }
        List<ParamState> all = new ArrayList<>(members);
        for (ParamState s : states) {
            if (!all.contains(s)) {
                all.add(s);
            }
        }
        List<Param> adapting = new ArrayList<>();
        List<Param> plain = new ArrayList<>();
        for (ParamState s : all) {
            (s.adapt ? adapting : plain).add(s.param);
        }
        Optimizer.Builder builder = Optimizer.builder().threads(threads).maxGradNorm(maxGradNorm);
        if (!adapting.isEmpty()) {
            builder.group(adaptRule, adapting);
        }
        if (!plain.isEmpty()) {
            builder.group(plainRule, plain);
        }
        Optimizer built = builder.build();
        try {
            built.loadKeepingRules(carried(built, all, saved));
        } catch (RuntimeException e) {
            built.close();
            throw e;
        }
        if (core != null) {
            built.setLearningRate(core.rule(0).lr());
            core.close();
        }
        core = built;
        members.clear();
        members.addAll(all);
        for (ParamState s : all) {
            s.core = built;
        }
    }

    /**
     * The state the rebuilt core starts from: each tensor's state in the old core, else its saved
     * state, else a fresh one at step {@link #firstCount}.
     */
    private OptimizerState carried(Optimizer built, List<ParamState> all, Map<String, OptimizerState.Tensor> saved) {
        Map<String, OptimizerState.Tensor> old = new HashMap<>();
        if (core != null) {
            for (OptimizerState.Group g : core.state().groups()) {
                for (OptimizerState.Tensor t : g.tensors()) {
                    old.put(t.name(), t);
                }
            }
        }
        Map<String, String> idOf = new LinkedHashMap<>();
        for (ParamState s : all) {
            idOf.put(s.name, s.id);
        }
        OptimizerState fresh = built.state();
        List<OptimizerState.Group> groups = new ArrayList<>();
        for (OptimizerState.Group g : fresh.groups()) {
            List<OptimizerState.Tensor> tensors = new ArrayList<>();
            for (OptimizerState.Tensor t : g.tensors()) {
                OptimizerState.Tensor kept = old.get(t.name());
                OptimizerState.Tensor restored = saved == null ? null : saved.get(idOf.get(t.name()));
                if (kept != null) {
                    tensors.add(kept);
                } else if (restored != null) {
                    tensors.add(new OptimizerState.Tensor(t.name(), restored.shape(), restored.step(),
                            restored.lastRatio(), restored.m(), restored.v(), restored.clamped()));
                } else {
                    tensors.add(new OptimizerState.Tensor(t.name(), t.shape(), firstCount, Double.NaN, t.m(), t.v(), 0));
                }
            }
            groups.add(new OptimizerState.Group(g.rule(), tensors));
        }
        // The core refuses a state whose step count is below a tensor's (it counts steps taken); the
        // schedule position it encodes is unused here (the tracker sets the lr).
        long steps = core == null ? 0 : core.stepCount();
        for (OptimizerState.Group g : groups) {
            for (OptimizerState.Tensor t : g.tensors()) {
                steps = Math.max(steps, t.step());
            }
        }
        return new OptimizerState(groups, core == null ? 0 : core.skippedSteps(), maxGradNorm, steps);
    }

    /**
     * One core step over {@code host}, all or nothing: each gradient prepared (window mean over
     * {@code divisor} micro-batches, rescale, element clip), the core steps, then every gradient is
     * zeroed, the step taken or refused. {@code own}: the gradients are the weights' own (a bound
     * block), which the core zeroes chunk by chunk as it steps ({@link Optimizer#stepAndZeroGrad()});
     * else the caller's arrays last given to each state, and each weight's own gradient is zeroed here.
     *
     * @param lr the step's learning rate (a tracker's), or NaN for the rule's
     */
    void step(List<ParamState> host, boolean own, float divisor, double lr, Map<String, OptimizerState.Tensor> saved) {
        int n = host.size();
        boolean zeroed = false;
        try {
            for (int i = 0; i < n; i++) {
                ParamState s = host.get(i);
                feed(s, own ? s.ownGradView : s.givenGradView, own, divisor);
            }
            cover(host, saved);
            if (!saved.isEmpty()) {
                for (int i = 0; i < n; i++) {
                    saved.remove(host.get(i).id);
                }
            }
            if (!Double.isNaN(lr)) {
                setLearningRate(lr);
            }
            // The core zeroes the own gradients it stepped; a refused or skipped step leaves them to
            // the loop below.
            if (own) {
                zeroed = core.stepAndZeroGrad();
            } else {
                core.step();
            }
        } finally {
            for (int i = 0; i < n; i++) {
                ParamState s = host.get(i);
                s.param.clearGrad();
                if (own) {
                    if (!zeroed) {
                        TensorMemory.zero(s.ownGradView);
                    }
                } else {
                    zeroOwnGradient(s.weight);
                }
            }
        }
    }

    /** Sets the core's gradient of {@code s}: the memory itself, or a prepared copy where it must change. */
    private void feed(ParamState s, ByteBuffer g, boolean writable, float divisor) {
        if (divisor == 1f && rescale == 1f && clip <= 0f) {
            s.param.setGrad(g, 0);
            return;
        }
        ByteBuffer target = g;
        if (!writable) {
            if (s.scratch == null) {
                s.scratch = ByteBuffer.allocateDirect(g.capacity()).order(ByteOrder.nativeOrder());
            }
            target = s.scratch;
        }
        TensorMemory.prepare(g, target, s.param.size(), divisor, rescale, clip);
        s.param.setGrad(target, 0);
    }

    /** Gives {@code s} the caller's gradient array for the next step (its view is kept while it is the same array). */
    static void give(ParamState s, NDArray grad) {
        if (s.givenGrad == grad) {
            return;
        }
        // Two views are kept, for callers that alternate two arrays (a benchmark's +g and -g).
        NDArray other = s.otherGrad;
        ByteBuffer otherView = s.otherGradView;
        s.otherGrad = s.givenGrad;
        s.otherGradView = s.givenGradView;
        if (other == grad) {
            s.givenGrad = other;
            s.givenGradView = otherView;
        } else {
            s.givenGrad = grad;
            s.givenGradView = TensorMemory.view(grad);
        }
    }

    /**
     * Whether the host path can read {@code grad} in place: one of the two arrays last given to the
     * host state {@code s} (null: not known yet), else probed.
     */
    static boolean readable(ParamState s, NDArray grad) {
        if (s != null && s.host && (grad == s.givenGrad || grad == s.otherGrad)) {
            return true;
        }
        return TensorMemory.viewable(grad);
    }

    /**
     * Points {@code s} at its weight's own gradient. The view is kept across steps, and holding the
     * gradient's handle keeps that memory alive. The last step left it all zero: where PyTorch has
     * since put the gradient in new memory, nothing writes the old memory again, so a view that
     * still shows a non-zero value is the live gradient. Only a view that is all zero (PyTorch's
     * new memory, or a gradient that is exactly zero everywhere) is probed against the engine, which
     * allocates; the scan stops at the first non-zero value, usually the first.
     */
    static void bindOwnGradient(ParamState s, NDArray w) {
        if (s.ownGrad != null && !TensorMemory.allZero(s.ownGradView)) {
            return;
        }
        NDArray g = w.getGradient();
        NDScope.unregister(g);
        if (s.ownGrad != null && TensorMemory.aliases(s.ownGradView, g.toByteBuffer(true))) {
            g.close();
            return;
        }
        if (!TensorMemory.viewable(g)) {
            g.close();
            throw new IllegalStateException("parameter '" + s.name + "': its gradient's memory cannot be viewed"
                    + " (not a contiguous float32 CPU tensor) while its weight's can");
        }
        if (s.ownGrad != null) {
            s.ownGrad.close();
        }
        s.ownGrad = g;
        s.ownGradView = TensorMemory.view(g);
    }

    /** Exact zeros in the weight's own gradient (the next backward starts fresh), if it has one. */
    static void zeroOwnGradient(NDArray weight) {
        if (weight.hasGradient()) {
            NdStep.zero(weight.getGradient());
        }
    }

    /** Sets the learning rate of the following steps (a tracker's value); no-op when unchanged. */
    void setLearningRate(double lr) {
        if (core.rule(0).lr() != lr) {
            core.setLearningRate(lr);
        }
    }

    /** The global gradient norm of the last step, NaN without clipping. */
    double lastGradNorm() {
        return core == null ? Double.NaN : core.lastGradNorm();
    }

    @Override
    public void close() {
        if (core != null) {
            core.close();
        }
        members.clear();
    }
}
