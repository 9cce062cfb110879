package org.pamadam.trace;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * Replays through the framework-free {@link Optimizer} (fused kernels by default), on heap
 * {@code float[]} parameters or, {@code direct}, on direct buffers as an adapter over a framework's
 * memory runs it.
 */
public final class CoreEngine implements ReplayEngine {
    private final int threads;
    private final boolean fused;
    private final String kernel;
    private final boolean direct;

    /** Default: fused path, default thread count. Public no-arg constructor for ServiceLoader. */
    public CoreEngine() {
        this(Math.min(4, Runtime.getRuntime().availableProcessors()), true);
    }

    public CoreEngine(int threads, boolean fused) {
        this(threads, fused, null, false);
    }

    /** {@code kernel}: a name {@link Optimizer.Builder#kernel(String)} takes, or null for the JVM's choice. */
    public CoreEngine(int threads, boolean fused, String kernel, boolean direct) {
        this.threads = threads;
        this.fused = fused;
        this.kernel = kernel;
        this.direct = direct;
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
        Map<String, ByteBuffer> gradMemory = new LinkedHashMap<>();
        for (Trace.TraceParam tp : traceParams) {
            float[] init = tp.init().clone();
            if (direct) {
                params.put(tp.name(), Param.ofBuffer(tp.name(), tp.shape(), floats(init), 0));
                gradMemory.put(tp.name(), floats(new float[init.length]));
            } else {
                params.put(tp.name(), Param.of(tp.name(), tp.shape(), init));
            }
        }
        Optimizer.Builder builder = Optimizer.builder().group(rule, new ArrayList<>(params.values()))
                .threads(threads).fused(fused).maxGradNorm(maxGradNorm.orElse(Double.POSITIVE_INFINITY));
        if (kernel != null) {
            builder.kernel(kernel);
        }
        Optimizer optimizer = builder.build();
        return new Run() {
            @Override
            public void step(Map<String, float[]> grads) {
                for (Param p : params.values()) {
                    float[] g = grads.get(p.name());
                    if (direct && g != null) {
                        ByteBuffer memory = gradMemory.get(p.name());
                        memory.asFloatBuffer().put(0, g);
                        p.setGrad(memory, 0);
                    } else {
                        p.setGrad(g);
                    }
                }
                optimizer.step();
            }

            @Override
            public float[] values(String name) {
                Param p = params.get(name);
                if (!p.isDirect()) {
                    return p.data();
                }
                float[] out = new float[p.size()];
                p.buffer().asFloatBuffer().get(0, out);
                return out;
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

    private static ByteBuffer floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(1, values.length) * Float.BYTES).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(0, values);
        return b;
    }
}
