package org.pamadam.optim;

import java.util.ArrayList;
import java.util.List;
import org.pamadam.rule.Rule;

/**
 * Saving and restoring an optimizer's state (torch.optim's {@code state_dict} and
 * {@code load_state_dict}). A load checks everything before it writes anything, so a refused load
 * leaves the optimizer exactly as it was.
 */
final class StateIO {
    private final Param[] params;
    private final int[] groupOf;
    private final Rule[] rules;
    private final MomentStore moments;
    private final Telemetry telemetry;

    StateIO(Param[] params, int[] groupOf, Rule[] rules, MomentStore moments, Telemetry telemetry) {
        this.params = params;
        this.groupOf = groupOf;
        this.rules = rules;
        this.moments = moments;
        this.telemetry = telemetry;
    }

    /** A deep copy of the state. */
    OptimizerState save(double maxGradNorm) {
        List<OptimizerState.Group> groups = new ArrayList<>();
        for (int g = 0; g < rules.length; g++) {
            List<OptimizerState.Tensor> tensors = new ArrayList<>();
            for (int i = 0; i < params.length; i++) {
                if (groupOf[i] == g) {
                    tensors.add(new OptimizerState.Tensor(params[i].name(), params[i].shape(), telemetry.steps[i],
                            telemetry.lastRatio[i], moments.copy(i, false), moments.copy(i, true),
                            telemetry.clamps[i]));
                }
            }
            groups.add(new OptimizerState.Group(rules[g], tensors));
        }
        return new OptimizerState(groups, telemetry.skippedSteps, maxGradNorm, telemetry.stepsTaken);
    }

    /** Refuses a state that does not fit, naming the group or tensor; reads only. */
    void check(OptimizerState state, boolean sameRule) {
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
        long largest = OptimizerState.largestTensorStep(groups);
        if (state.steps() < largest) {
            throw new IllegalArgumentException("state has " + state.steps() + " optimizer steps, expected at least"
                    + " its largest tensor step count " + largest);
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

    /** Writes a checked state: moments and counters, and the rules too when {@code rulesToo}. */
    void write(OptimizerState state, boolean rulesToo) {
        List<OptimizerState.Group> groups = state.groups();
        int i = 0;
        for (int g = 0; g < groups.size(); g++) {
            if (rulesToo) {
                rules[g] = groups.get(g).rule();
            }
            for (OptimizerState.Tensor t : groups.get(g).tensors()) {
                moments.write(i, false, t.m());
                if (moments.hasV(i)) {
                    moments.write(i, true, t.v());
                }
                telemetry.steps[i] = t.step();
                telemetry.lastRatio[i] = t.lastRatio();
                telemetry.clamps[i] = t.clamped();
                i++;
            }
        }
        telemetry.skippedSteps = state.skippedSteps();
        telemetry.stepsTaken = state.steps();
    }
}
