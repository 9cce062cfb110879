package org.pamadam.optim;

import java.util.Arrays;
import java.util.List;
import org.pamadam.rule.Moments;
import org.pamadam.rule.Rule;

/**
 * Everything an optimizer needs to continue exactly where it stopped (the {@code state_dict} of
 * torch.optim): each group's rule and, per tensor, its step count, last ratio, clamp count and
 * moments, the global gradient-norm bound ({@code maxGradNorm}, +infinity for none) and the
 * optimizer's count of steps taken ({@code steps}: the position of every learning-rate schedule).
 * The parameter values themselves belong to the model and are saved with it.
 */
public record OptimizerState(List<Group> groups, long skippedSteps, double maxGradNorm, long steps) {

    public OptimizerState {
        groups = List.copyOf(groups);
    }

    /**
     * A state saved before the optimizer counted its steps: the count is the largest tensor step
     * count, exact whenever some tensor took part in every step.
     */
    public OptimizerState(List<Group> groups, long skippedSteps, double maxGradNorm) {
        this(groups, skippedSteps, maxGradNorm, largestTensorStep(groups));
    }

    /** A state without gradient clipping. */
    public OptimizerState(List<Group> groups, long skippedSteps) {
        this(groups, skippedSteps, Double.POSITIVE_INFINITY);
    }

    /** The largest step count among the tensors (0 for none, and for a malformed null group list). */
    static long largestTensorStep(List<Group> groups) {
        long max = 0;
        if (groups != null) {
            for (Group g : groups) {
                if (g != null && g.tensors() != null) {
                    for (Tensor t : g.tensors()) {
                        if (t != null) {
                            max = Math.max(max, t.step());
                        }
                    }
                }
            }
        }
        return max;
    }

    /** One param group: its hyperparameters and tensors, in order. */
    public record Group(Rule rule, List<Tensor> tensors) {
        public Group {
            tensors = List.copyOf(tensors);
        }

        /** True when {@code other} is the same kind of rule: name, moments, decay and trust ratio. */
        boolean sameKind(Rule other) {
            return rule.name().equals(other.name()) && rule.moments() == other.moments()
                    && rule.decay() == other.decay() && rule.ratio() == other.ratio();
        }
    }

    /**
     * One tensor's state; {@code v} is null for momentum rules. {@code clamped} counts the steps in
     * which the rule's {@code maxRatio} lowered the trust ratio.
     */
    public record Tensor(String name, int[] shape, long step, double lastRatio, float[] m, float[] v,
                         long clamped) {

        /** A tensor whose ratio was never clamped. */
        public Tensor(String name, int[] shape, long step, double lastRatio, float[] m, float[] v) {
            this(name, shape, step, lastRatio, m, v, 0);
        }

        /**
         * Refuses a state that does not fit {@code param} under rules with {@code moments}, naming the
         * tensor and the difference: name, shape, moment presence and lengths, a negative step count, a
         * non-finite moment or an impossible last ratio. Reads only.
         */
        void checkMatches(Param param, Moments moments) {
            if (name == null || !name.equals(param.name())) {
                throw new IllegalArgumentException("state tensor '" + name + "' where the optimizer has '"
                        + param.name() + "'");
            }
            if (shape == null || !Arrays.equals(shape, param.shape())) {
                throw new IllegalArgumentException("tensor '" + name + "': state shape " + Arrays.toString(shape)
                        + ", parameter shape " + Arrays.toString(param.shape()));
            }
            checkMoment("m", m, param.size());
            if (moments == Moments.ADAM) {
                checkMoment("v", v, param.size());
            } else if (v != null) {
                throw new IllegalArgumentException("tensor '" + name + "': state has a second moment v, but "
                        + moments + " rules keep none");
            }
            if (step < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative step count " + step);
            }
            if (clamped < 0 || clamped > step) {
                throw new IllegalArgumentException("tensor '" + name + "': clamp count " + clamped
                        + ", expected 0 .. its step count " + step);
            }
            if (!Double.isNaN(lastRatio) && !(lastRatio >= 0 && lastRatio < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("tensor '" + name + "': last ratio " + lastRatio
                        + ", expected NaN (no step yet) or a finite number >= 0");
            }
        }

        private void checkMoment(String which, float[] values, int size) {
            if (values == null) {
                throw new IllegalArgumentException("tensor '" + name + "': state has no " + which
                        + ", expected " + size + " values");
            }
            if (values.length != size) {
                throw new IllegalArgumentException("tensor '" + name + "': " + which + " has " + values.length
                        + " values, parameter has " + size);
            }
            for (int k = 0; k < values.length; k++) {
                // v is a mean of squares: a negative value would turn into NaN at sqrt(v) next step.
                if (!Float.isFinite(values[k]) || (which.equals("v") && values[k] < 0)) {
                    throw new IllegalArgumentException("tensor '" + name + "': " + which + "[" + k + "] = "
                            + values[k] + ", expected a finite value" + (which.equals("v") ? " >= 0" : ""));
                }
            }
        }
    }
}
