package org.pamadam.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/** Replays through the framework-free {@link Optimizer} (fused kernels by default). */
public final class CoreEngine implements ReplayEngine {
    private final int threads;
    private final boolean fused;

    /** Default: fused path, default thread count. Public no-arg constructor for ServiceLoader. */
    public CoreEngine() {
        this(Math.min(4, Runtime.getRuntime().availableProcessors()), true);
    }

    public CoreEngine(int threads, boolean fused) {
        this.threads = threads;
        this.fused = fused;
    }

    @Override
    public String name() {
        return "core";
    }

    @Override
    public Run open(Rule rule, List<Trace.TraceParam> traceParams) {
        return open(rule, traceParams, OptionalDouble.empty());
    }

    /** Clips with {@link Optimizer.Builder#maxGradNorm} when the trace has {@code max_grad_norm}. */
    @Override
    public Run open(Rule rule, List<Trace.TraceParam> traceParams, OptionalDouble maxGradNorm) {
        Map<String, Param> params = new LinkedHashMap<>();
        for (Trace.TraceParam tp : traceParams) {
            params.put(tp.name(), Param.of(tp.name(), tp.shape(), tp.init().clone()));
        }
        Optimizer optimizer = Optimizer.builder().group(rule, new ArrayList<>(params.values()))
                .threads(threads).fused(fused).maxGradNorm(maxGradNorm.orElse(Double.POSITIVE_INFINITY)).build();
        return new Run() {
            @Override
            public void step(Map<String, float[]> grads) {
                for (Param p : params.values()) {
                    p.setGrad(grads.get(p.name()));
                }
                optimizer.step();
            }

            @Override
            public float[] values(String name) {
                return params.get(name).data();
            }

            @Override
            public double ratio(String name) {
                return optimizer.lastRatio(name);
            }

            @Override
            public String describe() {
                return "core " + optimizer.kernelName() + ", " + optimizer.threads() + " thread(s)";
            }

            @Override
            public void close() {
                optimizer.close();
            }
        };
    }
}
