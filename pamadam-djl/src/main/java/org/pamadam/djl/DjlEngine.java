package org.pamadam.djl;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pamadam.rule.Rule;
import org.pamadam.trace.ReplayEngine;
import org.pamadam.trace.Trace;

/**
 * Replays traces through a {@link RuleOptimizer} on DJL's default engine ({@code pamadam replay
 * --engine djl}): each tensor becomes an NDArray, and each step calls
 * {@link RuleOptimizer#update(String, NDArray, NDArray)} for every tensor with a gradient, so skipped
 * tensors keep their own step counts. Registered for {@link java.util.ServiceLoader}.
 *
 * <p>A DJL engine must be on the classpath (e.g. {@code ai.djl.pytorch:pytorch-engine} with its
 * native jar). Unless the user chose otherwise ({@code DJL_OFFLINE} or {@code ai.djl.offline}),
 * opening a run puts DJL in offline mode, so starting the engine downloads and contacts nothing.
 */
public final class DjlEngine implements ReplayEngine {

    private final boolean hostKernel;

    /** Default paths (the core kernel on PyTorch CPU float32 tensors); no-arg for ServiceLoader. */
    public DjlEngine() {
        this(true);
    }

    /** {@code hostKernel} false: NDArray operations for every tensor (see {@link RuleOptimizer}). */
    public DjlEngine(boolean hostKernel) {
        this.hostKernel = hostKernel;
    }

    @Override
    public String name() {
        return "djl";
    }

    @Override
    public Run open(Rule rule, List<Trace.TraceParam> params) {
        return open(rule, params, java.util.OptionalDouble.empty());
    }

    /** Clips with {@code optMaxGradNorm} when the trace has {@code max_grad_norm}. */
    @Override
    public Run open(Rule rule, List<Trace.TraceParam> params, java.util.OptionalDouble maxGradNorm) {
        Engine engine = startEngine();
        NDManager manager = engine.newBaseManager();
        RuleOptimizer optimizer;
        Map<String, NDArray> weights = new LinkedHashMap<>();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        try {
            RuleOptimizer.Builder builder = RuleOptimizer.forRule(rule).optHostKernel(hostKernel);
            if (maxGradNorm.isPresent()) {
                builder.optMaxGradNorm((float) maxGradNorm.getAsDouble());
            }
            optimizer = builder.build();
            for (Trace.TraceParam p : params) {
                Shape shape = shape(p.shape());
                shapes.put(p.name(), shape);
                weights.put(p.name(), manager.create(p.init(), shape));
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        return new Run() {
            @Override
            public void step(Map<String, float[]> grads) {
                List<ai.djl.util.Pair<String, NDArray>> step = new java.util.ArrayList<>();
                try {
                    for (Map.Entry<String, NDArray> w : weights.entrySet()) {
                        float[] g = grads.get(w.getKey());
                        if (g == null) {
                            continue;
                        }
                        Shape shape = shapes.get(w.getKey());
                        if (g.length != shape.size()) {
                            throw new IllegalArgumentException("gradient for '" + w.getKey() + "' has " + g.length
                                    + " elements, expected " + shape.size() + " (shape " + shape + ")");
                        }
                        step.add(new ai.djl.util.Pair<>(w.getKey(), manager.create(g, shape)));
                    }
                    // Every gradient of the step, before its first update: one core step over them all.
                    optimizer.beginStep(step);
                    for (ai.djl.util.Pair<String, NDArray> g : step) {
                        optimizer.update(g.getKey(), weights.get(g.getKey()), g.getValue());
                    }
                } finally {
                    step.forEach(g -> g.getValue().close());
                }
            }

            @Override
            public float[] values(String name) {
                return weights.get(name).toFloatArray();
            }

            @Override
            public double ratio(String name) {
                return optimizer.lastRatio(name);
            }

            @Override
            public String describe() {
                return "DJL " + engine.getEngineName() + " " + engine.getVersion() + " on " + manager.getDevice()
                        + (hostKernel ? ", core kernel " + optimizer.hostKernelName()
                                + " on PyTorch CPU float32 tensors, NDArray ops elsewhere" : ", NDArray ops");
            }

            @Override
            public void close() {
                optimizer.close();
                manager.close();
            }
        };
    }

    private static Shape shape(int[] dims) {
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = dims[i];
        }
        return new Shape(out);
    }

    /** The default DJL engine, in offline mode unless the user chose otherwise. */
    static Engine startEngine() {
        if (System.getenv("DJL_OFFLINE") == null && System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        try {
            return Engine.getInstance();
        } catch (RuntimeException e) {
            throw new IllegalStateException("the djl replay engine needs a DJL engine on the classpath, e.g. "
                    + "ai.djl.pytorch:pytorch-engine with ai.djl.pytorch:pytorch-jni and the native jar "
                    + "ai.djl.pytorch:pytorch-native-cpu (classifier linux-x86_64): " + e.getMessage(), e);
        }
    }
}
