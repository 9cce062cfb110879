package org.pamadam.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.pamadam.djl.RuleOptimizer;
import org.pamadam.rule.Rule;

/**
 * DJL on the PyTorch CPU engine: DJL's built-in Adam ({@code djl-adam}), one {@code update} per
 * tensor as DJL's Trainer makes them; or this project's DJL optimizers ({@code djl-pamadam},
 * {@code djl-lamb}, ...), each step declared with {@code beginStep} and then one {@code update} per
 * tensor, so the host path runs one core step over every tensor, in place, as a bound Trainer does.
 */
final class DjlRunner implements StepRunner {
    private final NDManager manager;
    private final Optimizer optimizer;
    private final RuleOptimizer ours;
    private final List<NDArray> weights = new ArrayList<>();
    private final List<Pair<String, NDArray>> grads = new ArrayList<>();
    private final List<Pair<String, NDArray>> negatedGrads = new ArrayList<>();
    private boolean flip;

    DjlRunner(String name, List<ParamSets.Shape> shapes, int threads) {
        // Read once at engine start; each JMH fork is a fresh JVM.
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.offline", "true");
        manager = Engine.getEngine("PyTorch").newBaseManager();
        if (name.equals("djl-adam")) {
            optimizer = Optimizer.adam().build();
            ours = null;
        } else {
            ours = RuleOptimizer.forRule(Rule.named(name.substring("djl-".length())).build()).optThreads(threads).build();
            optimizer = ours;
        }
        SplittableRandom rnd = new SplittableRandom(1);
        for (ParamSets.Shape s : shapes) {
            long[] dims = new long[s.dims().length];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = s.dims()[i];
            }
            NDArray w = manager.create(Data.random(rnd, s.size(), 0.02f), new Shape(dims));
            if (ours == null) {
                // DJL's Adam zeroes the weight's own gradient in its step and needs one. Ours reads the
                // gradients it is given here; zeroing a Trainer's gradients is part of `train`'s
                // measured optimizer time, not of this step.
                w.setRequiresGradient(true);
            }
            weights.add(w);
            float[] g = Data.random(rnd, s.size(), 1e-3f);
            grads.add(new Pair<>(s.name(), manager.create(g, new Shape(dims))));
            negatedGrads.add(new Pair<>(s.name(), manager.create(Data.negated(g), new Shape(dims))));
        }
    }

    @Override
    public void step() {
        // +g and -g alternate, as in CoreRunner, so the weights stay bounded.
        List<Pair<String, NDArray>> g = flip ? negatedGrads : grads;
        if (ours != null) {
            ours.beginStep(g);
        }
        for (int i = 0; i < weights.size(); i++) {
            optimizer.update(g.get(i).getKey(), weights.get(i), g.get(i).getValue());
        }
        flip = !flip;
    }

    @Override
    public void close() {
        if (ours != null) {
            ours.close();
        }
        manager.close();
    }
}
