package org.pamadam.djl;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.pamadam.optim.Param;

/**
 * A small DJL training set-up for tests: a 5-16-3 ReLU MLP (4 parameters) with L2 loss in a real
 * {@link Trainer} whose optimizer is bound to the block, and helpers to read what the optimizer
 * saw (weights and gradients by block path), so the core can be fed the same.
 */
final class Mlp implements AutoCloseable {
    static final Shape INPUT = new Shape(8, 5);
    final Model model;
    final Trainer trainer;
    final RuleOptimizer optimizer;
    private final Random rnd;

    Mlp(RuleOptimizer optimizer, long seed) {
        Engine engine = DjlEngine.startEngine();
        engine.setRandomSeed((int) seed);
        this.optimizer = optimizer;
        this.rnd = new Random(seed);
        model = Model.newInstance("mlp-" + seed);
        model.setBlock(new SequentialBlock()
                .add(Linear.builder().setUnits(16).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(3).build()));
        trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(optimizer));
        trainer.initialize(INPUT);
        optimizer.bind(model.getBlock());
    }

    List<Pair<String, Parameter>> parameters() {
        return model.getBlock().getParameters().stream().toList();
    }

    /** One forward and backward pass on fresh random data (the gradients add up in the weights'). */
    void backward() {
        float[] x = Tensors.normal(rnd, (int) INPUT.size(), 1.0);
        float[] y = Tensors.normal(rnd, 8 * 3, 1.0);
        try (NDManager batch = trainer.getManager().newSubManager()) {
            NDArray xs = batch.create(x, INPUT);
            NDArray ys = batch.create(y, new Shape(8, 3));
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDList out = trainer.forward(new NDList(xs));
                collector.backward(trainer.getLoss().evaluate(new NDList(ys), out));
            }
        }
    }

    /** Each parameter's values, by block path, in block order. */
    List<float[]> values() {
        List<float[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : parameters()) {
            out.add(p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    /** Each parameter's current gradient, in block order. */
    List<float[]> gradients() {
        List<float[]> out = new ArrayList<>();
        for (Pair<String, Parameter> p : parameters()) {
            try (NDArray g = p.getValue().getArray().getGradient()) {
                out.add(g.toFloatArray());
            }
        }
        return out;
    }

    /** Heap core parameters with this model's current values, named by block path. */
    List<Param> coreParams() {
        List<Param> out = new ArrayList<>();
        for (Pair<String, Parameter> p : parameters()) {
            NDArray a = p.getValue().getArray();
            long[] dims = a.getShape().getShape();
            int[] shape = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shape[i] = (int) dims[i];
            }
            out.add(Param.of(p.getKey(), shape, a.toFloatArray()));
        }
        return out;
    }

    String id(int index) {
        return parameters().get(index).getValue().getId();
    }

    String path(int index) {
        return parameters().get(index).getKey();
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
    }
}
