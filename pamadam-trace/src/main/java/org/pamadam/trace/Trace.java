package org.pamadam.trace;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.pamadam.rule.Rule;

/**
 * A pamadam-trace/1 run: initial parameters, per-step gradients, and the expected parameters and
 * ratios. The format is described in {@code golden/README.md} (bundled with this module).
 *
 * @param hyper lr, beta1, beta2, eps, weight_decay, momentum (absent entries take the optimizer's
 *     default) and the optional max_grad_norm
 */
public record Trace(String name, String kind, String note, String optimizer, Map<String, Double> hyper,
                    List<TraceParam> params, List<Step> steps) {

    public static final String FORMAT = "pamadam-trace/1";

    /**
     * The rule this trace names, with its recorded hyperparameters (others at the optimizer's
     * defaults).
     *
     * @throws IllegalArgumentException for invalid hyperparameters, naming the value
     */
    public Rule rule() {
        Rule.Builder b = Rule.named(optimizer);
        Double lr = hyper.get("lr");
        if (lr != null) {
            b.lr(lr);
        }
        Rule defaults = Rule.named(optimizer).build();
        b.betas(hyper.getOrDefault("beta1", hyper.getOrDefault("momentum", defaults.beta1())),
                hyper.getOrDefault("beta2", defaults.beta2()));
        Double eps = hyper.get("eps");
        if (eps != null) {
            b.eps(eps);
        }
        Double wd = hyper.get("weight_decay");
        if (wd != null) {
            b.weightDecay(wd);
        }
        return b.build();
    }

    /**
     * The global gradient-norm clipping bound of {@code hyper.max_grad_norm}, or empty when the run
     * did not clip. Before each step every gradient is scaled by {@code min(1, bound / total_norm)}.
     */
    public OptionalDouble maxGradNorm() {
        Double bound = hyper.get("max_grad_norm");
        return bound == null ? OptionalDouble.empty() : OptionalDouble.of(bound);
    }

    /** True when the optimizer has a trust ratio worth recording (PAMAdam and LAMB). */
    public boolean hasRatios() {
        return optimizer.equals("pamadam") || optimizer.equals("lamb");
    }

    /** One tensor's declaration. {@code shape} may be empty (a 0-d scalar). */
    public record TraceParam(String name, int[] shape, float[] init) {
    }

    /**
     * One optimizer step. {@code grads} maps every tensor name to its gradient or to null (skipped);
     * {@code ratios} and {@code expected} may be empty, and hold only the tensors recorded.
     */
    public record Step(Map<String, float[]> grads, Map<String, Double> ratios, Map<String, float[]> expected) {
    }
}
