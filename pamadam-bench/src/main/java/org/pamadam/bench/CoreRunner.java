package org.pamadam.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.pamadam.optim.Optimizer;
import org.pamadam.optim.Param;
import org.pamadam.rule.Rule;

/** The core's fused optimizer. */
final class CoreRunner implements StepRunner {
    private final Optimizer optimizer;
    private final List<Param> params = new ArrayList<>();
    private final List<float[]> plus = new ArrayList<>();
    private final List<float[]> minus = new ArrayList<>();
    private boolean flip;

    CoreRunner(Rule rule, List<ParamSets.Shape> shapes, int threads) {
        this(rule, shapes, threads, Double.POSITIVE_INFINITY);
    }

    /** With global-norm clipping at {@code maxGradNorm} (+infinity: none). */
    CoreRunner(Rule rule, List<ParamSets.Shape> shapes, int threads, double maxGradNorm) {
        SplittableRandom rnd = new SplittableRandom(1);
        for (ParamSets.Shape s : shapes) {
            Param p = Param.of(s.name(), s.dims(), Data.random(rnd, s.size(), 0.02f));
            float[] g = Data.random(rnd, s.size(), 1e-3f);
            plus.add(g);
            minus.add(Data.negated(g));
            params.add(p);
        }
        optimizer = Optimizer.builder().group(rule, params).threads(threads).maxGradNorm(maxGradNorm).build();
    }

    @Override
    public void step() {
        // Alternate +g and -g (a pointer swap, not timed work): with one fixed gradient PAMAdam's
        // relative steps grow the weights geometrically and overflow them within ~1e5 steps.
        List<float[]> grads = flip ? minus : plus;
        for (int i = 0; i < params.size(); i++) {
            params.get(i).setGrad(grads.get(i));
        }
        flip = !flip;
        optimizer.step();
    }

    String kernel() {
        return optimizer.kernelName();
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
