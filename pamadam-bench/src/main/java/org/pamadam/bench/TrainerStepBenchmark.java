package org.pamadam.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pamadam.djl.PamAdam;

/**
 * Where a DJL training step's optimizer time goes: one op = one {@code Trainer.step()} on the CLI's
 * MLP (784-256-128-10, 6 tensors, 235,146 parameters) after one backward pass made its gradients.
 * {@code none}: an optimizer whose {@code update} does nothing, so what remains is DJL's own
 * parameter store (it fetches each gradient, copies it and closes the copies); {@code djl-adam}:
 * DJL's built-in Adam (the floor of a fused native update); {@code pamadam}: this project's
 * optimizer bound to the block (one core step over the six tensors at the first update);
 * {@code pamadam-direct}: the same, stepped by {@code PamAdam.step()} instead of the trainer, so
 * without DJL's parameter store (as {@code pamadam train --engine djl} steps).
 * Every optimizer zeroes the gradients, so each op first writes the recorded gradients back (half
 * the ops negated, so the weights stay bounded): left at zero, the moments decay into subnormal
 * floats and every optimizer slows down many times. That write is the same for all three, and is
 * measured alone by {@code none}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dai.djl.offline=true",
        "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1"})
public class TrainerStepBenchmark {

    @Param({"none", "djl-adam", "pamadam", "pamadam-direct"})
    public String optimizer;

    private Model model;
    private Trainer trainer;
    private Optimizer opt;
    private final java.util.List<NDArray> gradients = new java.util.ArrayList<>();
    private final java.util.List<float[]> recorded = new java.util.ArrayList<>();
    private final java.util.List<float[]> negated = new java.util.ArrayList<>();
    private boolean flip;

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("ai.djl.offline", "true");
        Engine engine = Engine.getEngine("PyTorch");
        engine.setRandomSeed(1);
        model = Model.newInstance("mlp");
        model.setBlock(new SequentialBlock()
                .add(Linear.builder().setUnits(256).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(128).build()).add(Activation::relu)
                .add(Linear.builder().setUnits(10).build()));
        switch (optimizer) {
            case "none": opt = new NoUpdate(); break;
            case "djl-adam": opt = Optimizer.adam().build(); break;
            case "pamadam":
            case "pamadam-direct": opt = PamAdam.builder().optThreads(1).build(); break;
            default: throw new IllegalArgumentException("unknown optimizer '" + optimizer + "'");
        }
        trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(opt));
        trainer.initialize(new Shape(128, 784));
        if (opt instanceof PamAdam) {
            ((PamAdam) opt).bind(model.getBlock());
        }
        SplittableRandom rnd = new SplittableRandom(2);
        try (NDManager batch = trainer.getManager().newSubManager()) {
            NDArray x = batch.create(Data.random(rnd, 128 * 784, 1f), new Shape(128, 784));
            float[] labels = new float[128];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = rnd.nextInt(10);
            }
            NDArray y = batch.create(labels);
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDList out = trainer.forward(new NDList(x));
                gc.backward(trainer.getLoss().evaluate(new NDList(y), out));
            }
        }
        for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : model.getBlock().getParameters()) {
            NDArray g = p.getValue().getArray().getGradient();
            gradients.add(g);
            float[] values = g.toFloatArray();
            float[] minus = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                minus[i] = -values[i];
            }
            recorded.add(values);
            negated.add(minus);
        }
    }

    @Benchmark
    public void step() {
        java.util.List<float[]> values = flip ? negated : recorded;
        for (int i = 0; i < gradients.size(); i++) {
            gradients.get(i).set(values.get(i)); // what backward would have left there
        }
        flip = !flip;
        if (optimizer.equals("pamadam-direct")) {
            ((PamAdam) opt).step(); // the same step without DJL's parameter store
        } else {
            trainer.step();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
        if (opt instanceof AutoCloseable) {
            try {
                ((AutoCloseable) opt).close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        model.close();
    }

    /** An optimizer that updates nothing: DJL's parameter-store cost alone. */
    static final class NoUpdate extends Optimizer {
        NoUpdate() {
            super(new Builder());
        }

        @Override
        public void update(String parameterId, NDArray weight, NDArray grad) {
        }

        static final class Builder extends OptimizerBuilder<Builder> {
            @Override
            protected Builder self() {
                return this;
            }
        }
    }
}
