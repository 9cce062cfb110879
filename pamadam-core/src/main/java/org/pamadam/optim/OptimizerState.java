package org.pamadam.optim;

import java.util.Arrays;
import java.util.List;
import org.pamadam.rule.Rule;

/**
 * Everything an optimizer needs to continue exactly where it stopped (the {@code state_dict} of
 * torch.optim): each group's rule and, per tensor, its step count, last ratio and moments. The
 * parameter values themselves belong to the model and are saved with it.
 */
public record OptimizerState(List<Group> groups, long skippedSteps) {

    public OptimizerState {
        groups = List.copyOf(groups);
    }

    /** One param group: its hyperparameters and tensors, in order. */
    public record Group(Rule rule, List<Tensor> tensors) {
        public Group {
            tensors = List.copyOf(tensors);
        }
    }

    /** One tensor's state; {@code v} is null for momentum rules. */
    public record Tensor(String name, int[] shape, long step, double lastRatio, float[] m, float[] v) {

        /** Refuses a state that does not fit {@code param}, naming the tensor and the difference. */
        void checkMatches(Param param) {
            if (!name.equals(param.name())) {
                throw new IllegalArgumentException("state tensor '" + name + "' where the optimizer has '"
                        + param.name() + "'");
            }
            if (!Arrays.equals(shape, param.shape())) {
                throw new IllegalArgumentException("tensor '" + name + "': state shape " + Arrays.toString(shape)
                        + ", parameter shape " + Arrays.toString(param.shape()));
            }
            if (m.length != param.size() || (v != null && v.length != param.size())) {
                throw new IllegalArgumentException("tensor '" + name + "': moment length differs from "
                        + param.size());
            }
            if (step < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative step count " + step);
            }
        }
    }
}
