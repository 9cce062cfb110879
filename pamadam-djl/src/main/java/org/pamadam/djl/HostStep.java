package org.pamadam.djl;

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
 */
final class HostStep implements AutoCloseable {
    private final Rule adaptRule;
    private final Rule plainRule;
    private final double maxGradNorm;
    private final int threads;
    private final long firstCount;
    private Optimizer core;
    private final List<ParamState> members = new ArrayList<>();

    HostStep(Rule rule, double maxGradNorm, int threads, long firstCount) {
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
        List<ParamState> all = new ArrayList<>(members);
        boolean grown = false;
        for (ParamState s : states) {
            if (s.core != core || core == null) {
                if (!all.contains(s)) {
                    all.add(s);
                }
                grown = true;
            }
        }
        if (!grown) {
            return;
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
