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

    CoreRunner(Rule rule, List<ParamSets.Shape> shapes, int threads) {
        SplittableRandom rnd = new SplittableRandom(1);
        List<Param> params = new ArrayList<>();
        for (ParamSets.Shape s : shapes) {
            Param p = Param.of(s.name(), s.dims(), Data.random(rnd, s.size(), 0.02f));
            p.setGrad(Data.random(rnd, s.size(), 1e-3f));
            params.add(p);
        }
        optimizer = Optimizer.builder().group(rule, params).threads(threads).build();
    }

    @Override
    public void step() {
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
