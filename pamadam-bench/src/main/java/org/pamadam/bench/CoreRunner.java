package org.pamadam.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/**
 * The core's fused optimizer, over heap {@code float[]} parameters or (direct) over regions of one
 * direct buffer per kind, as a framework's parameters would be.
 */
final class CoreRunner implements StepRunner {
    private final Optimizer optimizer;
    private final boolean direct;
    private final List<Param> params = new ArrayList<>();
    private final List<float[]> plus = new ArrayList<>();
    private final List<float[]> minus = new ArrayList<>();
    private final ByteBuffer plusMemory;
    private final ByteBuffer minusMemory;
    private final List<Integer> offsets = new ArrayList<>();
    private boolean flip;

    CoreRunner(Rule rule, List<ParamSets.Shape> shapes, int threads) {
        this(rule, shapes, threads, Double.POSITIVE_INFINITY, false);
    }

    /** With global-norm clipping at {@code maxGradNorm} (+infinity: none). */
    CoreRunner(Rule rule, List<ParamSets.Shape> shapes, int threads, double maxGradNorm) {
        this(rule, shapes, threads, maxGradNorm, false);
    }

    /** {@code direct}: parameters and gradients in direct buffers (the same values as on the heap). */
    CoreRunner(Rule rule, List<ParamSets.Shape> shapes, int threads, double maxGradNorm, boolean direct) {
        this.direct = direct;
        SplittableRandom rnd = new SplittableRandom(1);
        long total = ParamSets.elements(shapes);
        ByteBuffer values = direct ? allocate(total) : null;
        plusMemory = direct ? allocate(total) : null;
        minusMemory = direct ? allocate(total) : null;
        int offset = 0;
        for (ParamSets.Shape s : shapes) {
            float[] init = Data.random(rnd, s.size(), 0.02f);
            float[] g = Data.random(rnd, s.size(), 1e-3f);
            if (direct) {
                values.asFloatBuffer().put(offset, init);
                plusMemory.asFloatBuffer().put(offset, g);
                minusMemory.asFloatBuffer().put(offset, Data.negated(g));
                params.add(Param.ofBuffer(s.name(), s.dims(), values, offset));
                offsets.add(offset);
                offset += s.size();
            } else {
                plus.add(g);
                minus.add(Data.negated(g));
                params.add(Param.of(s.name(), s.dims(), init));
            }
        }
        optimizer = Optimizer.builder().group(rule, params).threads(threads).maxGradNorm(maxGradNorm).build();
    }

    @Override
    public void step() {
        // Alternate +g and -g (a pointer swap, not timed work): with one fixed gradient PAMAdam's
        // relative steps grow the weights geometrically and overflow them within ~1e5 steps.
        if (direct) {
            ByteBuffer grads = flip ? minusMemory : plusMemory;
            for (int i = 0; i < params.size(); i++) {
                params.get(i).setGrad(grads, offsets.get(i));
            }
        } else {
            List<float[]> grads = flip ? minus : plus;
            for (int i = 0; i < params.size(); i++) {
                params.get(i).setGrad(grads.get(i));
            }
        }
        flip = !flip;
        optimizer.step();
    }

    private static ByteBuffer allocate(long floats) {
        return ByteBuffer.allocateDirect(Math.toIntExact(floats * Float.BYTES)).order(ByteOrder.nativeOrder());
    }

    String kernel() {
        return optimizer.kernelName();
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
