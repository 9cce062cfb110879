package org.pamadam.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.pamadam.djl.RuleOptimizer;
import org.pamadam.rule.Rule;

/**
 * DJL on the PyTorch CPU engine: DJL's built-in Adam ({@code djl-adam}) or this project's DJL
 * optimizers ({@code djl-pamadam}, {@code djl-lamb}, ...), one {@code update} call per tensor as
 * DJL's Trainer makes them.
 */
final class DjlRunner implements StepRunner {
    private final NDManager manager;
    private final Optimizer optimizer;
    private final List<NDArray> weights = new ArrayList<>();
    private final List<NDArray> grads = new ArrayList<>();
    private final List<NDArray> negatedGrads = new ArrayList<>();
    private boolean flip;
    private final List<String> ids = new ArrayList<>();

    DjlRunner(String name, List<ParamSets.Shape> shapes, int threads) {
        // Read once at engine start; each JMH fork is a fresh JVM.
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.offline", "true");
        manager = Engine.getEngine("PyTorch").newBaseManager();
        optimizer = name.equals("djl-adam") ? Optimizer.adam().build()
                : RuleOptimizer.forRule(Rule.named(name.substring("djl-".length())).build()).build();
        SplittableRandom rnd = new SplittableRandom(1);
        for (ParamSets.Shape s : shapes) {
            long[] dims = new long[s.dims().length];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = s.dims()[i];
            }
            NDArray w = manager.create(Data.random(rnd, s.size(), 0.02f), new Shape(dims));
            w.setRequiresGradient(true);
            weights.add(w);
            float[] g = Data.random(rnd, s.size(), 1e-3f);
            grads.add(manager.create(g, new Shape(dims)));
            negatedGrads.add(manager.create(Data.negated(g), new Shape(dims)));
            ids.add(s.name());
        }
    }

    @Override
    public void step() {
        // +g and -g alternate, as in CoreRunner, so the weights stay bounded.
        List<NDArray> g = flip ? negatedGrads : grads;
        for (int i = 0; i < weights.size(); i++) {
            optimizer.update(ids.get(i), weights.get(i), g.get(i));
        }
        flip = !flip;
    }

    @Override
    public void close() {
        if (optimizer instanceof AutoCloseable) {
            try {
                ((AutoCloseable) optimizer).close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        manager.close();
    }
}
