package org.pamadam.trace;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.pamadam.rule.Rule;

/**
 * Something that can run a recorded trace through an optimizer implementation: the core optimizer,
 * or a framework adapter (DJL, DL4J). Engines are found with {@link java.util.ServiceLoader}, so an
 * adapter module on the classpath adds its engine to {@code pamadam replay --engine NAME}.
 */
public interface ReplayEngine {

    /** The name used on the command line, e.g. "core". */
    String name();

    /** Starts a run of {@code rule} on fresh copies of {@code params}' initial values. */
    Run open(Rule rule, List<Trace.TraceParam> params);

    /**
     * Starts a run that first clips each step's gradients to the global L2 norm {@code maxGradNorm}
     * when present ({@link Trace#maxGradNorm()}). An engine that cannot clip keeps this default, which
     * refuses a clipped trace rather than replaying it without the clipping.
     */
    default Run open(Rule rule, List<Trace.TraceParam> params, OptionalDouble maxGradNorm) {
        if (maxGradNorm.isPresent()) {
            throw new UnsupportedOperationException("engine '" + name() + "' does not support max_grad_norm");
        }
        return open(rule, params);
    }

    /** One replay in progress. */
    interface Run extends AutoCloseable {
        /** One optimizer step; a null gradient means the tensor is skipped this step. */
        void step(Map<String, float[]> grads);

        /** Current values of a tensor (a copy or a live view; the driver only reads it). */
        float[] values(String name);

        /** The trust ratio the tensor used in the last step (1 when the rule has none). */
        double ratio(String name);

        /** One-line description of the implementation used, e.g. the kernel. */
        default String describe() {
            return "";
        }

        @Override
        default void close() {
        }
    }
}
