package org.pamadam.bench;

import java.util.List;
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
import org.pamadam.optim.Optimizer;
import org.pamadam.rule.Rule;

/**
 * One op = one full optimizer step over the parameter set. {@code pamadam}, {@code adam},
 * {@code lamb}, {@code adamw}, {@code sgd}: this project's fused core. {@code nd4j-adam}: ND4J's
 * built-in Adam updater (native CPU backend). {@code dl4j-pamadam}, {@code dl4j-adam}: this project's
 * DL4J updater path. Further engines (DJL) register in {@link Runners}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g", "-Dai.djl.offline=true"})
public class StepBenchmark {

    @Param({"pamadam", "adam", "lamb", "nd4j-adam", "djl-adam", "dl4j-pamadam", "djl-pamadam"})
    public String optimizer;

    @Param({"transformer-10m", "many-small"})
    public String paramSet;

    @Param({"1", "2"})
    public int threads;

    private StepRunner runner;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        List<ParamSets.Shape> shapes = ParamSets.get(paramSet);
        runner = Runners.create(optimizer, shapes, threads);
        System.out.println("# kernel: " + Optimizer.defaultKernel() + "; " + shapes.size() + " tensors, "
                + ParamSets.elements(shapes) + " elements");
    }

    @Benchmark
    public void step() {
        runner.step();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        runner.close();
    }

    /** Keeps the rule names checked at compile time. */
    static Rule rule(String name) {
        return Rule.named(name).build();
    }
}
